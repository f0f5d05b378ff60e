package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.planner.PlanParser;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cheap model's two jobs after a task: verification (API.md §14.1) and knowledge extraction (§14.3). */
final class Reviewer {
  private static final Logger LOG = LoggerFactory.getLogger(Reviewer.class);
  static final Set<String> VERDICTS = Set.of("passed", "gaps_found", "human_needed");
  static final Set<String> CATEGORIES = Set.of("constraint", "decision", "discovery", "reference", "gotcha",
      "architecture");
  private static final int VERIFY_OUTPUT_CHARS = 8000;
  private static final int EXTRACT_OUTPUT_CHARS = 4000;
  static final String VERIFY_SYSTEM = "You review the output of an automated task. Judge whether the output is"
      + " substantive, relevant to the task and complete. Answer only with JSON: {\"verdict\": \"passed\" |"
      + " \"gaps_found\" | \"human_needed\", \"notes\": string}. Use gaps_found when the output misses parts of the"
      + " task that another attempt could fix, human_needed when a person must decide.";
  static final String EXTRACT_SYSTEM = "You extract reusable knowledge from a task's output for the later tasks of the"
      + " same project. Return only findings that are self-contained and useful elsewhere, each 1-3 sentences, in the"
      + " categories constraint, decision, discovery, reference, gotcha, architecture. Answer only with JSON:"
      + " {\"findings\": [{\"category\": string, \"content\": string}]}, with an empty list when there are none.";

  /** A verdict with its notes. */
  record Verdict(String status, String notes) {}

  private final MeteredModel metered;
  private final TaskStore store;
  private final ExecutorConfig config;

  Reviewer(MeteredModel metered, TaskStore store, ExecutorConfig config) {
    this.metered = metered;
    this.store = store;
    this.config = config;
  }

  /** Never fails: a refused budget is {@code skipped}, a failing call {@code skipped} with the error. */
  Future<Verdict> verify(TaskStore.Claimed task, String output) {
    String shown = output == null || output.isBlank() ? "(empty)"
        : output.length() > VERIFY_OUTPUT_CHARS
            ? output.substring(0, VERIFY_OUTPUT_CHARS) + "\n[output truncated at " + VERIFY_OUTPUT_CHARS + " chars]"
            : output;
    String user = "Task: " + task.title() + "\n\nDescription:\n" + task.description() + "\n\nOutput:\n" + shown;
    ChatRequest request = ChatRequest.of(config.verificationModel(), config.verificationMaxTokens(), user)
        .withSystem(VERIFY_SYSTEM);
    return metered.call(request, task.projectId(), task.id(), "verification")
        .map(answer -> verdict(answer.response().text()))
        .otherwise(err -> Budget.refused(err) ? new Verdict("skipped", "Skipped: budget exhausted")
            : new Verdict("skipped", "Verification error: " + err.getMessage()));
  }

  static Verdict verdict(String text) {
    var parsed = PlanParser.firstObject(text, o -> true);
    if (parsed.isEmpty()) {
      return new Verdict("human_needed", "Verifier answer could not be parsed: " + abbreviate(text));
    }
    Object verdict = parsed.get().getValue("verdict");
    String notes = parsed.get().getValue("notes") == null ? "" : String.valueOf(parsed.get().getValue("notes"));
    if (verdict == null) {
      return new Verdict("passed", notes);
    }
    String v = String.valueOf(verdict).toLowerCase(Locale.ROOT);
    return VERDICTS.contains(v) ? new Verdict(v, notes) : new Verdict("human_needed", notes);
  }

  /** Best effort: stores new findings, deduplicated per project; never fails the caller. */
  Future<Integer> extract(String projectId, String taskId, String title, String output, double now) {
    if (output == null || output.strip().length() < config.knowledgeMinOutputLength()) {
      return Future.succeededFuture(0);
    }
    String cut = output.length() > EXTRACT_OUTPUT_CHARS ? output.substring(0, EXTRACT_OUTPUT_CHARS) : output;
    ChatRequest request = ChatRequest.of(config.knowledgeExtractionModel(), config.knowledgeExtractionMaxTokens(),
        "Task: " + title + "\n\nOutput:\n" + cut).withSystem(EXTRACT_SYSTEM);
    return metered.call(request, projectId, taskId, "knowledge_extraction").compose(answer -> {
      JsonArray findings = PlanParser.firstObject(answer.response().text(), o -> o.getValue("findings") instanceof JsonArray)
          .map(o -> o.getJsonArray("findings")).orElse(new JsonArray());
      List<Future<Void>> writes = findings.stream()
          .filter(f -> f instanceof JsonObject o && o.getValue("content") instanceof String c && !c.isBlank())
          .map(f -> {
            JsonObject o = (JsonObject) f;
            String category = o.getValue("category") instanceof String c && CATEGORIES.contains(c) ? c : "discovery";
            String content = o.getString("content").strip();
            return store.insertFinding(Ids.short12(), projectId, taskId, category, content, hash(content), title, now);
          }).toList();
      return Future.all(writes).map(v -> writes.size());
    }).otherwise(err -> {
      LOG.info("knowledge extraction skipped [task: {}, reason: {}]", taskId, err.getMessage());
      return 0;
    });
  }

  /** First 32 hex chars of SHA-256 of the lower-cased content: the per-project dedup key. */
  static String hash(String content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.toLowerCase(Locale.ROOT)
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String text) {
    return text == null ? "" : text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
