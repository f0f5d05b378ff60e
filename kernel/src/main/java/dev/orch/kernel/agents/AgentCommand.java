package dev.orch.kernel.agents;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of each CLI in headless, streaming-JSON mode. The prompt always goes on stdin.
 *
 * <p>Checked in November 2026 against each CLI's documentation and source:
 *
 * <ul>
 *   <li><b>Claude Code</b> (docs.anthropic.com/en/docs/claude-code/cli-reference,
 *       code.claude.com/docs/en/permission-modes): {@code -p}/{@code --print} runs once and exits,
 *       reading the prompt from stdin when none is given as an argument; {@code --output-format
 *       stream-json} prints one JSON object per line ({@code system}/{@code init},
 *       {@code assistant}, {@code user} tool results, and a final {@code result} with
 *       {@code result}, {@code is_error}, {@code total_cost_usd} and {@code usage}; with
 *       {@code --include-partial-messages} as an extra argument, also {@code stream_event} token
 *       deltas). With
 *       {@code --print}, {@code stream-json} requires {@code --verbose} (since 2.1.x the CLI
 *       exits with "When using --print, --output-format=stream-json requires --verbose").
 *       {@code --permission-mode} takes {@code default}, {@code acceptEdits}, {@code plan},
 *       {@code auto}, {@code dontAsk} and {@code bypassPermissions}; {@code --disallowedTools}
 *       takes a comma- or space-separated list. {@code bypassPermissions} exits with code 1 when run
 *       as root unless {@code IS_SANDBOX=1} is set (anthropics/claude-code#58150, 2.1.139); a server
 *       running as root in a container needs that variable in {@code env_allow}.
 *   <li><b>Codex</b> (openai/codex {@code codex-rs/exec/src/cli.rs}, {@code exec_events.rs},
 *       {@code utils/cli/src/shared_options.rs}; developers.openai.com/codex): {@code codex exec}
 *       is the non-interactive mode and always runs with approval policy "never";
 *       {@code --json} prints JSONL events ({@code thread.started}, {@code turn.started},
 *       {@code item.started}/{@code item.completed} with items {@code agent_message},
 *       {@code reasoning}, {@code command_execution}, {@code file_change}, {@code mcp_tool_call},
 *       {@code web_search}, then {@code turn.completed} with {@code usage} or
 *       {@code turn.failed}); {@code --sandbox}/{@code -s} takes {@code read-only},
 *       {@code workspace-write} or {@code danger-full-access}; a prompt of {@code -} is read from
 *       stdin; {@code --skip-git-repo-check} allows a folder that is not a git repository. The
 *       older {@code --full-auto} is deprecated in favour of {@code --sandbox workspace-write}.
 *   <li><b>Gemini CLI</b> (geminicli.com/docs/cli/headless, google-gemini/gemini-cli
 *       {@code packages/core/src/output/types.ts} and {@code packages/cli/src/config/config.ts}):
 *       it runs headless when stdin is not a terminal, and piped stdin becomes the prompt;
 *       {@code --output-format stream-json} prints {@code init}, {@code message} (with
 *       {@code delta}), {@code tool_use}, {@code tool_result}, {@code error} and a final
 *       {@code result} with {@code stats}; {@code --approval-mode} takes {@code default},
 *       {@code auto_edit} and {@code yolo} ({@code --yolo} is the deprecated spelling and may not be
 *       combined with it). In an untrusted folder (when folder trust is on) the CLI falls back to
 *       {@code default}, so a misconfigured trust setting can only make a run more restricted.
 * </ul>
 */
final class AgentCommand {
  private AgentCommand() {}

  /** The full command line: binary, mode flags, profile flags, extra arguments, prompt marker. */
  static List<String> argv(CliAgent agent, ToolProfile profile, String binary, List<String> extraArgs) {
    List<String> argv = new ArrayList<>();
    argv.add(binary);
    switch (agent) {
      case CLAUDE_CODE -> {
        argv.addAll(List.of("-p", "--output-format", "stream-json", "--verbose"));
        argv.addAll(claudeProfile(profile));
        argv.addAll(extraArgs);
      }
      case CODEX -> {
        argv.addAll(List.of("exec", "--json", "--skip-git-repo-check", "--sandbox", codexSandbox(profile)));
        argv.addAll(extraArgs);
        // The prompt argument "-" makes codex read the instructions from stdin.
        argv.add("-");
      }
      case GEMINI -> {
        argv.addAll(List.of("--output-format", "stream-json", "--approval-mode", geminiApprovalMode(profile)));
        argv.addAll(extraArgs);
      }
      default -> throw new IllegalArgumentException("unknown agent " + agent);
    }
    return List.copyOf(argv);
  }

  private static List<String> claudeProfile(ToolProfile profile) {
    return switch (profile) {
      // "default" is explicit so that a defaultMode in the user's own settings cannot widen it.
      case READONLY -> List.of("--permission-mode", "default",
          "--disallowedTools", "Bash,Edit,Write,MultiEdit,NotebookEdit");
      case DEVELOPER -> List.of("--permission-mode", "acceptEdits");
      case FULL_ACCESS -> List.of("--permission-mode", "bypassPermissions");
    };
  }

  private static String codexSandbox(ToolProfile profile) {
    return switch (profile) {
      case READONLY -> "read-only";
      case DEVELOPER -> "workspace-write";
      case FULL_ACCESS -> "danger-full-access";
    };
  }

  private static String geminiApprovalMode(ToolProfile profile) {
    return switch (profile) {
      case READONLY -> "default";
      case DEVELOPER -> "auto_edit";
      case FULL_ACCESS -> "yolo";
    };
  }
}
