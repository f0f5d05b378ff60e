package dev.orch.kernel.executor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;

/**
 * The order of a task's prompt, laid out for the prompt cache (docs/cost.md). What every task of a
 * project sends alike comes first, byte for byte: the instructions, the project's summary and
 * requirements, and the plan's whole task list. What is the task's own follows: which task it is,
 * its phase and other entries, the outputs forwarded to it, feedback, and the project's knowledge.
 *
 * <p>The plan's list is rebuilt from the task's {@code sibling_tasks} entry (every other task's line,
 * API.md §10) and the task's own line, sorted, so that all tasks of a plan send the same list. The
 * context external agents receive is unchanged: this order is the executor's own.
 *
 * @param shared the stable part, the same for every task of the project with the same instructions
 * @param own the task's own part; starts with a {@code <current_task>} block
 */
record PromptLayout(String shared, String own) {
  static final String DEFAULT_SYSTEM = "You are a focused task executor.";
  static final String META = "<meta_instructions>\nWhen you discover constraints, gotchas, API quirks or architecture"
      + " decisions that later tasks should know, state them plainly in your answer.\n</meta_instructions>";
  /** Entries every task of a plan carries with the same content, in this order. */
  static final List<String> SHARED_TYPES = List.of("project_summary", "project_requirements");
  static final String PLAN = "plan_tasks";
  private static final Set<String> NOT_OWN = Set.of("project_summary", "project_requirements", "sibling_tasks");

  /**
   * Lays out a task's prompt.
   *
   * @param local a local model's prompt: no meta instructions and no project knowledge (API.md §11.5)
   * @param userText the first user turn's text: a {@code task_description} entry equal to it is not repeated
   */
  static PromptLayout of(String systemPrompt, String title, String description, JsonArray context,
      List<String> knowledge, int knowledgeMaxChars, boolean local, String userText) {
    return of(null, systemPrompt, title, description, context, knowledge, knowledgeMaxChars, local, userText);
  }

  /**
   * As above for a task of project {@code projectId}, whose plan's list is sorted once and reused by
   * its other tasks (see {@link PlanLists}); null sorts every time.
   */
  static PromptLayout of(String projectId, String systemPrompt, String title, String description, JsonArray context,
      List<String> knowledge, int knowledgeMaxChars, boolean local, String userText) {
    StringBuilder shared = new StringBuilder(systemPrompt == null || systemPrompt.isBlank()
        ? DEFAULT_SYSTEM : systemPrompt);
    if (!local) {
      shared.append('\n').append(META);
    }
    for (String type : SHARED_TYPES) {
      for (Object o : context) {
        if (o instanceof JsonObject entry && type.equals(entry.getString("type"))) {
          block(shared, type, content(entry));
        }
      }
    }
    String siblings = null;
    for (Object o : context) {
      if (o instanceof JsonObject entry && "sibling_tasks".equals(entry.getString("type"))) {
        siblings = content(entry);
      }
    }
    if (siblings != null) {
      block(shared, PLAN, "Every task of this project's plan (yours is named under current_task):\n"
          + PLAN_LISTS.text(projectId, siblings, title, description));
    }

    StringBuilder own = new StringBuilder();
    own.append("<current_task>\n").append(title == null ? "" : title).append("\n</current_task>");
    for (Object o : context) {
      if (!(o instanceof JsonObject entry)) {
        continue;
      }
      String type = entry.getString("type", "context");
      String content = content(entry);
      if (NOT_OWN.contains(type) || (type.equals("task_description") && content.equals(userText))) {
        continue;
      }
      if (type.equals("dependency_output")) {
        own.append("\n<dependency_output source=\"").append(entry.getString("source_task_title", ""))
            .append("\">\n").append(content).append("\n</dependency_output>");
      } else {
        block(own, type, content);
      }
    }
    if (!local && !knowledge.isEmpty()) {
      StringBuilder k = new StringBuilder();
      for (String finding : knowledge) {
        if (k.length() + finding.length() + 1 > knowledgeMaxChars) {
          break;
        }
        k.append(finding).append('\n');
      }
      if (k.length() > 0) {
        own.append("\n<project_knowledge>\nFindings from earlier tasks of this project:\n").append(k)
            .append("</project_knowledge>");
      }
    }
    return new PromptLayout(shared.toString(), own.toString());
  }

  /**
   * The plan's lines: the siblings' and the task's own ({@code - title: first 100 characters of the
   * description}, as the decomposer writes them), sorted, each once.
   */
  static List<String> planLines(String siblings, String title, String description) {
    List<String> lines = new ArrayList<>(siblings.isEmpty() ? List.of() : List.of(siblings.split("\n", -1)));
    // A description may hold line breaks: the list is compared line by line, the own line split alike.
    lines.addAll(List.of(ownLine(title, description).split("\n", -1)));
    return lines.stream().sorted().distinct().toList();
  }

  private static final PlanLists PLAN_LISTS = new PlanLists();

  /** The own line of {@link #planLines}: {@code - title: first 100 characters of the description}. */
  private static String ownLine(String title, String description) {
    String d = description == null ? "" : description;
    return "- " + (title == null ? "" : title) + ": " + d.substring(0, Math.min(100, d.length()));
  }

  /**
   * The plan's list by project. Every task of a plan carries the same lines (its siblings' and its
   * own), so the sorted list is the same for all of them: sorting it for each task cost a tenth of the
   * executor's event loop at 1,000 tasks. A task reuses its project's list when its lines have the
   * same count of characters and the same order-independent 64-bit hash as the lines the list was made
   * from; otherwise (a new plan) the list is made again. Keyed by project, so a list never crosses
   * projects whatever the hash.
   */
  static final class PlanLists {
    private static final int MAX_PROJECTS = 1_000;

    private record Entry(long length, long hash, String text) {}

    private final Map<String, Entry> byProject = new ConcurrentHashMap<>();

    String text(String projectId, String siblings, String title, String description) {
      if (projectId == null) {
        return String.join("\n", planLines(siblings, title, description));
      }
      String own = ownLine(title, description);
      long length = siblings.length() + 1L + own.length();
      long hash = linesHash(siblings) + linesHash(own);
      Entry known = byProject.get(projectId);
      if (known != null && known.length() == length && known.hash() == hash) {
        return known.text();
      }
      String text = String.join("\n", planLines(siblings, title, description));
      if (byProject.size() >= MAX_PROJECTS) {
        byProject.clear();
      }
      byProject.put(projectId, new Entry(length, hash, text));
      return text;
    }

    /** The sum of the hashes of the text's lines: the same for the same lines in any order. */
    static long linesHash(String text) {
      long sum = 0;
      long h = 1;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\n') {
          sum += mix(h);
          h = 1;
        } else {
          h = h * 0x100000001B3L + c;
        }
      }
      return sum + mix(h);
    }

    /** A line's hash spread over all 64 bits (SplitMix64's finaliser), so that sums do not cancel. */
    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }

  private static String content(JsonObject entry) {
    return entry.getValue("content") == null ? "" : String.valueOf(entry.getValue("content"));
  }

  private static void block(StringBuilder out, String type, String content) {
    out.append("\n<").append(type).append(">\n").append(content).append("\n</").append(type).append('>');
  }
}
