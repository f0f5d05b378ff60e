package dev.orch.kernel.planner;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Tier;
import dev.orch.kernel.planner.Decomposition.TaskDraft;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plan JSON → task rows, edges and waves (API.md §10), as pure logic. Dependency indices are
 * 0-based into the flattened task list; non-numeric, self and out-of-range ones are dropped with a
 * warning; duplicates count once; a cycle is refused with the tasks that form it.
 */
public final class Decomposer {
  static final int ESTIMATE_INPUT_TOKENS = 1500;
  private static final String ASSEMBLY_TYPE = "csharp_assembly";
  private static final String METHOD_TYPE = "csharp_method";

  private final ModelRouter router;
  private final Pricing pricing;
  private final int defaultMaxTokens;

  public Decomposer(ModelRouter router, Pricing pricing, int defaultMaxTokens) {
    this.router = router;
    this.pricing = pricing;
    this.defaultMaxTokens = defaultMaxTokens;
  }

  /** A flattened task with its phase name (null without phases). */
  record PlanTask(JsonObject json, String phase) {}

  /**
   * Decomposes {@code plan}.
   *
   * @throws OrchestratorException 400 {@code Plan has no tasks}; 422 naming a dependency cycle
   */
  public Decomposition decompose(JsonObject plan, String requirements) {
    List<PlanTask> tasks = flatten(plan);
    if (tasks.isEmpty()) {
      throw OrchestratorException.badRequest("Plan has no tasks");
    }
    int n = tasks.size();
    List<String> warnings = new ArrayList<>();
    List<Set<Integer>> deps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      deps.add(dependencies(tasks.get(i).json(), i, n, warnings));
    }
    detectCycle(tasks, deps);
    int[] waves = waves(deps);

    String summary = plan.getValue("summary") instanceof String s ? s : "";
    List<TaskDraft> drafts = new ArrayList<>();
    List<int[]> edges = new ArrayList<>();
    BigDecimal estimate = BigDecimal.ZERO;
    List<String> lines = siblingLines(tasks);
    for (int i = 0; i < n; i++) {
      PlanTask t = tasks.get(i);
      TaskDraft draft = draft(t, i, waves[i], summary, requirements, others(lines, i));
      drafts.add(draft);
      estimate = estimate.add(estimate(draft.modelTier()));
      for (int dep : deps.get(i)) {
        edges.add(new int[] {i, dep});
      }
    }
    int maxWave = 0;
    for (int w : waves) {
      maxWave = Math.max(maxWave, w);
    }
    for (AssemblyTask assembly : assemblies(tasks, drafts)) {
      int index = drafts.size();
      drafts.add(assembly.draft());
      estimate = estimate.add(estimate(assembly.draft().modelTier()));
      assembly.methods().forEach(m -> edges.add(new int[] {index, m}));
      maxWave = Math.max(maxWave, assembly.draft().wave());
    }
    return new Decomposition(summary, withCriticalPaths(drafts, edges), List.copyOf(edges), maxWave + 1,
        List.copyOf(warnings), estimate.setScale(4, RoundingMode.HALF_EVEN));
  }

  /** Longest chain of dependants from each task, itself included; edges are (task, dependency). */
  static List<TaskDraft> withCriticalPaths(List<TaskDraft> drafts, List<int[]> edges) {
    int n = drafts.size();
    List<List<Integer>> dependants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dependants.add(new ArrayList<>());
    }
    edges.forEach(e -> dependants.get(e[1]).add(e[0]));
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // A dependant is always in a later wave, so descending waves visit dependants first.
    java.util.Arrays.sort(order, (a, b) -> Integer.compare(drafts.get(b).wave(), drafts.get(a).wave()));
    int[] length = new int[n];
    for (int i : order) {
      int longest = 0;
      for (int d : dependants.get(i)) {
        longest = Math.max(longest, length[d]);
      }
      length[i] = longest + 1;
    }
    List<TaskDraft> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(drafts.get(i).withCriticalPath(length[i]));
    }
    return List.copyOf(out);
  }

  /** Phases' tasks in order when {@code phases} is a non-empty array, else the top-level tasks. */
  static List<PlanTask> flatten(JsonObject plan) {
    List<PlanTask> out = new ArrayList<>();
    if (plan.getValue("phases") instanceof JsonArray phases && !phases.isEmpty()) {
      for (Object p : phases) {
        if (!(p instanceof JsonObject phase)) {
          continue;
        }
        String name = phase.getValue("name") instanceof String s ? s : "Unnamed Phase";
        if (phase.getValue("tasks") instanceof JsonArray ts) {
          ts.forEach(t -> out.add(new PlanTask(t instanceof JsonObject o ? o : new JsonObject(), name)));
        }
      }
      return out;
    }
    if (plan.getValue("tasks") instanceof JsonArray ts) {
      ts.forEach(t -> out.add(new PlanTask(t instanceof JsonObject o ? o : new JsonObject(), null)));
    }
    return out;
  }

  private static Set<Integer> dependencies(JsonObject task, int index, int n, List<String> warnings) {
    Set<Integer> out = new TreeSet<>();
    if (!(task.getValue("depends_on") instanceof JsonArray raw)) {
      return out;
    }
    for (Object value : raw) {
      Integer dep = null;
      if (value instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
        dep = num.intValue();
      } else if (value instanceof String s && s.strip().matches("\\d{1,9}")) {
        dep = Integer.parseInt(s.strip());
      }
      if (dep == null) {
        warnings.add("task " + index + ": dropped non-numeric dependency " + value);
      } else if (dep == index) {
        warnings.add("task " + index + ": dropped self-referencing dependency");
      } else if (dep < 0 || dep >= n) {
        warnings.add("task " + index + ": dropped out-of-range dependency " + dep);
      } else if (!out.add(dep)) {
        warnings.add("task " + index + ": dropped duplicate dependency " + dep);
      }
    }
    return out;
  }

  /** Depth-first search with white/grey/black marks; a grey node reached again closes a cycle. */
  private static void detectCycle(List<PlanTask> tasks, List<Set<Integer>> deps) {
    int n = tasks.size();
    int[] color = new int[n];
    for (int root = 0; root < n; root++) {
      if (color[root] != 0) {
        continue;
      }
      Deque<int[]> stack = new ArrayDeque<>();
      Deque<Integer> path = new ArrayDeque<>();
      stack.push(new int[] {root, 0});
      color[root] = 1;
      path.addLast(root);
      while (!stack.isEmpty()) {
        int[] frame = stack.peek();
        int node = frame[0];
        List<Integer> next = new ArrayList<>(deps.get(node));
        if (frame[1] < next.size()) {
          int dep = next.get(frame[1]++);
          if (color[dep] == 1) {
            throw cycle(tasks, node, dep, path);
          }
          if (color[dep] == 0) {
            color[dep] = 1;
            path.addLast(dep);
            stack.push(new int[] {dep, 0});
          }
        } else {
          color[node] = 2;
          path.removeLast();
          stack.pop();
        }
      }
    }
  }

  private static OrchestratorException cycle(List<PlanTask> tasks, int from, int to, Deque<Integer> path) {
    List<Integer> members = new ArrayList<>(path);
    List<Integer> loop = new ArrayList<>(members.subList(members.indexOf(to), members.size()));
    loop.add(to);
    List<String> named = loop.stream().map(i -> i + " ('" + title(tasks.get(i).json(), i) + "')").toList();
    return new OrchestratorException(422, "Dependency cycle detected: task " + from + " ('"
        + title(tasks.get(from).json(), from) + "') and task " + to + " ('" + title(tasks.get(to).json(), to)
        + "') form a cycle: " + String.join(" depends on ", named));
  }

  /** Kahn's order: no dependencies → wave 0, else one more than the highest dependency. */
  static int[] waves(List<Set<Integer>> deps) {
    int n = deps.size();
    int[] waves = new int[n];
    int[] pending = new int[n];
    List<List<Integer>> dependants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dependants.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      pending[i] = deps.get(i).size();
      for (int d : deps.get(i)) {
        dependants.get(d).add(i);
      }
    }
    Deque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    while (!ready.isEmpty()) {
      int done = ready.poll();
      for (int next : dependants.get(done)) {
        waves[next] = Math.max(waves[next], waves[done] + 1);
        if (--pending[next] == 0) {
          ready.add(next);
        }
      }
    }
    return waves;
  }

  private TaskDraft draft(PlanTask t, int index, int wave, String summary, String requirements, List<String> siblings) {
    JsonObject json = t.json();
    String type = json.getValue("task_type") instanceof String s && !s.isBlank() ? s : "code";
    String complexity = json.getValue("complexity") instanceof String c ? c : "medium";
    Tier tier = ModelRouter.tier(type, complexity);
    List<String> tools = json.getValue("tools_needed") instanceof JsonArray given
        ? strings(given) : ModelRouter.defaultTools(type);
    String description = json.getValue("description") instanceof String d ? d : "";
    JsonArray context = new JsonArray()
        .add(entry("project_summary", summary))
        .add(entry("project_requirements", requirements))
        .add(entry("task_description", description));
    if (t.phase() != null) {
      context.add(entry("phase", t.phase()));
    }
    if (!siblings.isEmpty()) {
      context.add(entry("sibling_tasks", String.join("\n", siblings)));
    }
    if (json.getValue("verification_criteria") instanceof String v && !v.isBlank()) {
      context.add(entry("verification_criteria", v));
    }
    if (json.getValue("affected_files") instanceof JsonArray files && !files.isEmpty()) {
      context.add(entry("affected_files", String.join(", ", strings(files))));
    }
    if (METHOD_TYPE.equals(type)) {
      if (json.getValue("target_signature") instanceof String sig) {
        context.add(entry("target_signature", sig));
      }
      if (json.getValue("available_methods") instanceof JsonArray methods) {
        context.add(entry("available_methods", String.join("\n", strings(methods))));
      }
      if (json.getValue("constructor_params") instanceof JsonArray params) {
        context.add(entry("constructor_params", String.join(", ", strings(params))));
      }
    }
    List<String> requirementIds = json.getValue("requirement_ids") instanceof JsonArray ids ? strings(ids) : List.of();
    return new TaskDraft(title(json, index), description, type, tier.name().toLowerCase(Locale.ROOT), tools,
        requirementIds, t.phase(), wave, index * 10, defaultMaxTokens, context, 1);
  }

  private record AssemblyTask(TaskDraft draft, List<Integer> methods) {}

  /** One "Assemble {Class}" task per target class of C# method tasks (API.md §10.8). */
  private List<AssemblyTask> assemblies(List<PlanTask> tasks, List<TaskDraft> drafts) {
    Map<String, List<Integer>> byClass = new LinkedHashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      JsonObject json = tasks.get(i).json();
      if (METHOD_TYPE.equals(drafts.get(i).taskType()) && json.getValue("target_class") instanceof String cls
          && !cls.isBlank()) {
        byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(i);
      }
    }
    List<AssemblyTask> out = new ArrayList<>();
    byClass.forEach((cls, methods) -> {
      int wave = 1 + methods.stream().mapToInt(m -> drafts.get(m).wave()).max().orElse(0);
      Set<String> files = new TreeSet<>();
      methods.forEach(m -> {
        if (tasks.get(m).json().getValue("affected_files") instanceof JsonArray f) {
          files.addAll(strings(f));
        }
      });
      String description = "Stitch the implemented method bodies of " + cls + " into the class file, resolve"
          + " conflicts between them, and run `dotnet build` until it succeeds.";
      JsonArray context = new JsonArray().add(entry("task_description", description)).add(entry("target_class", cls));
      if (!files.isEmpty()) {
        context.add(entry("affected_files", String.join(", ", files)));
      }
      out.add(new AssemblyTask(new TaskDraft("Assemble " + cls, description, ASSEMBLY_TYPE, "sonnet",
          List.of("read_file", "write_file"), List.of(), drafts.get(methods.get(0)).phase(), wave, 9999, 4096,
          context, 1), methods));
    });
    return out;
  }

  private BigDecimal estimate(String tier) {
    if (tier.equals("ollama")) {
      return BigDecimal.ZERO;
    }
    return pricing.estimate(router.model(Tier.valueOf(tier.toUpperCase(Locale.ROOT))), ESTIMATE_INPUT_TOKENS,
        defaultMaxTokens);
  }

  /** Each task's line in its siblings' lists, built once: a 1,000-task plan has a million list entries. */
  private static List<String> siblingLines(List<PlanTask> tasks) {
    List<String> out = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      JsonObject json = tasks.get(i).json();
      String description = json.getValue("description") instanceof String d ? d : "";
      out.add("- " + title(json, i) + ": " + description.substring(0, Math.min(100, description.length())));
    }
    return out;
  }

  /** Every line but {@code self}'s. */
  private static List<String> others(List<String> lines, int self) {
    List<String> out = new ArrayList<>(lines.subList(0, self));
    out.addAll(lines.subList(self + 1, lines.size()));
    return out;
  }

  private static String title(JsonObject task, int index) {
    return task.getValue("title") instanceof String t && !t.isBlank() ? t : "Task " + (index + 1);
  }

  private static JsonObject entry(String type, String content) {
    return new JsonObject().put("type", type).put("content", content == null ? "" : content);
  }

  private static List<String> strings(JsonArray array) {
    Set<String> out = new LinkedHashSet<>();
    array.forEach(v -> {
      if (v != null) {
        out.add(String.valueOf(v));
      }
    });
    return List.copyOf(out);
  }
}
