package dev.orch.kernel.executor;

import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.executor.TaskStore.ExecutingProject;
import dev.orch.kernel.executor.TaskStore.Ready;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Tier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The dispatcher's rule (docs/architecture.md, "Execution model"): of the ready tasks, in the order the
 * store reads them (longest remaining critical path first, then plan order), the ones its project
 * runs internally, whose wave is released, whose provider is up ({@link ResourceGate}), within the
 * global, per-project and per-provider caps;
 * and the budget each claimed task's first model call holds. It runs inside a dispatch pass, on the
 * group commit's worker thread: it reads only its arguments, the immutable configuration and
 * {@code running}, which must be thread-safe.
 */
final class Dispatcher implements TaskStore.PassPolicy {
  private final ExecutorConfig config;
  private final ModelRouter router;
  private final Pricing pricing;
  private final Predicate<String> running;
  private final ResourceGate gate;
  private final LongSupplier clockMs;
  /** When a first call last went out on a project's shared prefix, by project, model and tool set. */
  private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
  /** How long a prompt-cache entry lives unread: Anthropic's default 5 minutes. */
  static final long CACHE_LIFETIME_MS = 5 * 60_000;

  /**
   * @param running whether this node already runs a task, by id: a task this node still works on
   *     (its outcome not yet stored) is not claimed again
   */
  Dispatcher(ExecutorConfig config, ModelRouter router, Pricing pricing, Predicate<String> running, ResourceGate gate) {
    this(config, router, pricing, running, gate, System::currentTimeMillis);
  }

  Dispatcher(ExecutorConfig config, ModelRouter router, Pricing pricing, Predicate<String> running, ResourceGate gate,
      LongSupplier clockMs) {
    this.clockMs = clockMs;
    this.config = config;
    this.router = router;
    this.pricing = pricing;
    this.running = running;
    this.gate = gate;
  }

  @Override
  public List<Ready> pick(TaskStore.Snapshot snapshot) {
    Map<String, Integer> perProject = new HashMap<>();
    Map<String, Integer> perProvider = new HashMap<>();
    int inFlight = 0;
    for (var project : snapshot.active().entrySet()) {
      for (var tier : project.getValue().entrySet()) {
        perProject.merge(project.getKey(), tier.getValue(), Integer::sum);
        perProvider.merge(provider(tier.getKey()), tier.getValue(), Integer::sum);
        inFlight += tier.getValue();
      }
    }
    List<Ready> out = new ArrayList<>();
    int slots = config.maxConcurrent() - inFlight;
    for (Ready r : snapshot.ready()) {
      if (slots <= 0) {
        break;
      }
      ExecutingProject project = snapshot.projects().get(r.projectId());
      if (project == null || running.test(r.id()) || !project.settings().mode().runsInternally(r.tier())) {
        continue;
      }
      // With wave checkpoints (API.md §18.3), a later wave waits for the resume that releases it.
      if (config.waveCheckpoints() && r.wave() > project.waveReleased()) {
        continue;
      }
      // Its provider down (or not checked yet): the task waits, its slot goes to the next one. A CLI
      // agent runs the project's tasks itself, on no provider of ours.
      if (project.settings().cliAgent() == null && gate.passedOver(r)) {
        continue;
      }
      String provider = provider(r.tier());
      if (perProject.getOrDefault(r.projectId(), 0) >= config.maxPerProject()
          || perProvider.getOrDefault(provider, 0) >= config.maxPerProvider().getOrDefault(provider,
              config.maxConcurrent())) {
        continue;
      }
      perProject.merge(r.projectId(), 1, Integer::sum);
      perProvider.merge(provider, 1, Integer::sum);
      slots--;
      out.add(r);
    }
    return out;
  }

  @Override
  public ReserveRequest firstCall(Claimed task, ExecutingProject project, List<String> knowledge) {
    if (project.settings().cliAgent() != null) {
      return null; // a CLI agent reserves for itself
    }
    Tier tier = tierOrNull(task.tier());
    if (tier == null) {
      return null; // the worker fails the task with the reason
    }
    // About the context's text, the knowledge and the task: the estimate the call would make, taken
    // where the task is claimed, so that the call needs no step of its own. The context stays text
    // here (TaskStore.Claimed): the shared prefix is about the entries up to the plan's list.
    String json = task.contextJson() == null ? "" : task.contextJson();
    long chars = json.length();
    for (String k : knowledge) {
      chars += k.length();
    }
    chars += (task.description() == null ? task.title().length() : task.description().length())
        + TaskRun.META.length();
    long shared = sharedChars(json);
    String model = router.model(tier);
    String key = task.projectId() + '\u0000' + model + '\u0000' + task.tools().encode();
    long now = clockMs.getAsLong();
    Long last = shared > 0 ? sentAt.put(key, now) : null;
    if (sentAt.size() > 10_000) {
      sentAt.values().removeIf(t -> now - t > CACHE_LIFETIME_MS);
    }
    boolean warm = last != null && now - last < CACHE_LIFETIME_MS;
    ReserveRequest hold = MeteredModel.estimate(pricing, model, TaskRun.META.length() + shared, warm, chars - shared,
        task.maxTokens(), task.projectId(), task.id(), "execution");
    // An economy project's Claude calls go through a batch, at half price (Workers picks the same).
    return project.settings().economy() && tier != Tier.OLLAMA && "anthropic".equals(provider(task.tier()))
        ? MeteredModel.scaled(hold, MeteredModel.BATCH_PRICE_FACTOR) : hold;
  }

  /**
   * About the characters of a context's shared entries: up to the end of its {@code sibling_tasks}
   * entry (the decomposer writes the summary and requirements before it); 0 without one. An
   * unescaped {@code "} never occurs inside a JSON string, so {@code },{"} ends an entry.
   */
  static long sharedChars(String contextJson) {
    int at = contextJson.indexOf("\"type\":\"sibling_tasks\"");
    if (at < 0) {
      return 0;
    }
    int end = contextJson.indexOf("},{\"", at);
    return end < 0 ? contextJson.length() : end;
  }

  /** The provider a task's tier runs on; a cap of its own for a tier the server does not know. */
  String provider(String tier) {
    Tier known = tierOrNull(tier);
    if (known == null) {
      return "unknown";
    }
    return known == Tier.OLLAMA ? "ollama" : router.route(known).provider();
  }

  /** The tier of a task's {@code model_tier}, or null when the server knows no such tier. */
  static Tier tierOrNull(String tier) {
    try {
      return tier == null ? null : Tier.parse(tier);
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }
}
