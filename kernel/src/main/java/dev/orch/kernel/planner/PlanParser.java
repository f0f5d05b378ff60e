package dev.orch.kernel.planner;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the plan in a model's answer (API.md §9.1 and the §18.1 decision): the whole text as JSON;
 * else each balanced top-level {@code {...}} in turn, after a leading {@code <thinking>} block,
 * taking the first that parses and has a task list; else the same candidates with trailing commas
 * removed. Fences, prose and nested braces inside strings are handled by the brace scanner.
 *
 * <p>A task list may be empty (a {@code tasks} array, or {@code phases} none of which has tasks):
 * such a plan is stored, and approving it answers 400 {@code Plan has no tasks} (API.md §3.4). A
 * candidate with tasks is still preferred over an empty one.
 */
public final class PlanParser {
  private static final Pattern THINKING = Pattern.compile("(?s)^\\s*<thinking>.*?</thinking>");
  private static final Pattern TRAILING_COMMA = Pattern.compile(",(\\s*[}\\]])");

  private PlanParser() {}

  /** The plan object, or empty when the answer holds none. */
  public static Optional<JsonObject> parse(String answer) {
    return firstObject(answer, PlanParser::hasTasks).or(() -> firstObject(answer, PlanParser::hasTaskList));
  }

  /**
   * The first JSON object in a model's answer that satisfies {@code accept}: the whole text, else
   * each balanced top-level object (after a leading {@code <thinking>} block), then the same with
   * trailing commas removed. Used for plans and for the executor's verdicts and findings.
   */
  public static Optional<JsonObject> firstObject(String answer, java.util.function.Predicate<JsonObject> accept) {
    if (answer == null || answer.isBlank()) {
      return Optional.empty();
    }
    JsonObject whole = tryObject(answer.strip());
    if (whole != null && accept.test(whole)) {
      return Optional.of(whole);
    }
    List<String> candidates = balancedObjects(THINKING.matcher(answer).replaceFirst(""));
    for (boolean lenient : new boolean[] {false, true}) {
      for (String candidate : candidates) {
        JsonObject o = tryObject(lenient ? TRAILING_COMMA.matcher(candidate).replaceAll("$1") : candidate);
        if (o != null && accept.test(o)) {
          return Optional.of(o);
        }
      }
    }
    return Optional.empty();
  }

  /** A plan has a non-empty {@code tasks} array, or {@code phases} of which one has tasks. */
  static boolean hasTasks(JsonObject plan) {
    if (plan.getValue("tasks") instanceof JsonArray tasks && !tasks.isEmpty()) {
      return true;
    }
    if (plan.getValue("phases") instanceof JsonArray phases) {
      for (Object phase : phases) {
        if (phase instanceof JsonObject p && p.getValue("tasks") instanceof JsonArray t && !t.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /** A plan's shape, tasks or not: a {@code tasks} array, or a {@code phases} array. */
  static boolean hasTaskList(JsonObject plan) {
    return plan.getValue("tasks") instanceof JsonArray || plan.getValue("phases") instanceof JsonArray;
  }

  /** Every balanced top-level object, in order; braces inside JSON strings do not count. */
  static List<String> balancedObjects(String text) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = -1;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      if (c == '"' && depth > 0) {
        inString = true;
      } else if (c == '{') {
        if (depth == 0) {
          start = i;
        }
        depth++;
      } else if (c == '}' && depth > 0) {
        depth--;
        if (depth == 0) {
          out.add(text.substring(start, i + 1));
        }
      }
    }
    return out;
  }

  private static JsonObject tryObject(String text) {
    try {
      return Json.decodeValue(text) instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      return null;
    }
  }
}
