package dev.orch.kernel.git;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code git.*} section: how projects on a git repository run (docs/git.md).
 *
 * @param enabled {@code git.enabled}: off, a project's {@code repo_path} is refused and nothing runs git
 * @param timeoutMs {@code git.command_timeout} in milliseconds, per git command
 * @param authorName the name of {@code git.commit_author} ({@code Name <email>})
 * @param authorEmail the email of {@code git.commit_author}
 * @param branchPrefix {@code git.branch_prefix}: project branches are {@code {prefix}/{slug}-{id}}
 * @param nonCodeOutputPath {@code git.non_code_output_path}: where a task's text output is written,
 *     relative to the worktree
 * @param allowedRoots {@code git.allowed_roots}: the folders under which a repository may be used;
 *     empty (the default) allows none
 * @param autoPr {@code git.auto_pr}: push the project branch and open a pull request on completion
 * @param prRemote {@code git.pr_remote}: the remote the branch is pushed to
 * @param forge {@code git.forge.*}: the forge's REST API a pull request is opened through
 */
public record GitConfig(boolean enabled, long timeoutMs, String authorName, String authorEmail, String branchPrefix,
    String nonCodeOutputPath, List<Path> allowedRoots, boolean autoPr, String prRemote, Forge forge) {
  public static final String DEFAULT_AUTHOR = "Orchestration Engine <orchestration@local>";
  private static final Pattern AUTHOR = Pattern.compile("\\s*([^<>]+?)\\s*<([^<>\\s]+@[^<>\\s]*)>\\s*");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,40}");

  /**
   * The forge pull requests are opened on.
   *
   * @param type {@code github} or {@code gitea} (also Forgejo); empty: no pull request, only a push
   * @param apiUrl the API's base URL, e.g. {@code https://api.github.com} or {@code https://gitea.example/api/v1}
   * @param repository {@code owner/name} on the forge
   * @param tokenEnv the environment variable that holds the token (never the token itself)
   */
  public record Forge(String type, String apiUrl, String repository, String tokenEnv) {
    public boolean configured() {
      return !type.isEmpty();
    }
  }

  /** @throws ConfigException naming the first invalid key */
  public static GitConfig from(JsonObject raw) {
    ConfigReader r = new ConfigReader(raw);
    boolean enabled = r.bool("git.enabled", true);
    long timeoutMs = enabled ? Math.round(r.positive("git.command_timeout", 30) * 1000) : 30_000;
    Matcher author = AUTHOR.matcher(r.string("git.commit_author", DEFAULT_AUTHOR));
    if (!author.matches()) {
      throw new ConfigException("git.commit_author must look like 'Name <email@host>'");
    }
    String prefix = r.string("git.branch_prefix", "orch");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new ConfigException("git.branch_prefix must be letters, digits, '.', '_' or '-' (at most 41)");
    }
    String output = r.string("git.non_code_output_path", ".orchestration");
    Path outputPath = Path.of(output).normalize();
    if (output.isBlank() || outputPath.isAbsolute() || outputPath.startsWith("..") || outputPath.startsWith(".git")) {
      throw new ConfigException("git.non_code_output_path must be a relative folder inside the repository");
    }
    List<Path> roots = new ArrayList<>();
    for (String root : r.strings("git.allowed_roots")) {
      Path p = Path.of(root);
      if (!p.isAbsolute()) {
        throw new ConfigException("git.allowed_roots entries must be absolute paths: " + root);
      }
      roots.add(p.normalize());
    }
    String forgeType = r.string("git.forge.type", "");
    if (!List.of("", "github", "gitea").contains(forgeType)) {
      throw new ConfigException("git.forge.type must be 'github', 'gitea' or empty");
    }
    String apiUrl = r.string("git.forge.api_url", "https://api.github.com");
    if (!apiUrl.startsWith("http://") && !apiUrl.startsWith("https://")) {
      throw new ConfigException("git.forge.api_url must be an http(s) URL");
    }
    String repository = r.string("git.forge.repository", "");
    if (!repository.isEmpty() && !repository.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
      throw new ConfigException("git.forge.repository must be 'owner/name'");
    }
    return new GitConfig(enabled, timeoutMs, author.group(1), author.group(2), prefix, outputPath.toString(),
        List.copyOf(roots), r.bool("git.auto_pr", true), r.string("git.pr_remote", "origin"),
        new Forge(forgeType, apiUrl.replaceAll("/+$", ""), repository, r.string("git.forge.token_env",
            "ORCH_FORGE_TOKEN")));
  }
}
