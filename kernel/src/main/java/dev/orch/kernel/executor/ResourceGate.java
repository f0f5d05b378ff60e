package dev.orch.kernel.executor;

import dev.orch.kernel.model.ModelProvider;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Tier;
import dev.orch.kernel.monitor.Resource;
import dev.orch.kernel.monitor.ResourceStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resource gating (API.md §11.3): a ready task whose model's provider is down is not claimed (a
 * project whose tasks a CLI agent runs is not gated: the agent calls no provider of ours). It
 * stays {@code pending} without spending a retry, and starts when the resource monitor reports the
 * provider back (the executor runs a pass on every change). A tier served by Ollama needs its host
 * ({@code ollama_<key>}); a tier served by Anthropic needs {@code anthropic_api}; an
 * OpenAI-compatible server is not monitored and never gates. {@code offline} and {@code checking}
 * (before the first check) are unavailable; {@code online} and {@code degraded} (configured, but the
 * last call failed: the call's own retries handle it) are available. A resource the monitor does not
 * report gates nothing.
 *
 * <p>Unlike the contract, a task's tools do not gate it: most task types get {@code search_knowledge}
 * and {@code local_llm} by default, so gating them on Ollama would stop every Claude task while
 * Ollama is down. A tool whose service is down fails its call, and the model reads why.
 *
 * <p>States are the monitor's, pushed on every change, so no skip window is needed (the contract's
 * {@code execution.resource_skip_seconds} is not read). {@link #passedOver} runs on the group
 * commit's thread inside a pass; changes and snapshots come from the executor's event loop, in the
 * order they arrive there.
 */
final class ResourceGate {
  private final ModelRouter router;
  private final String ollama;
  private final Map<String, Resource> states = new ConcurrentHashMap<>();
  /** Changes counted as they arrive, and the count at each resource's last one: orders snapshots and changes. */
  private final AtomicLong changes = new AtomicLong();
  private final Map<String, Long> changedAt = new ConcurrentHashMap<>();
  /** Project → the resources its tasks waited for since they were last available: each announced once. */
  private final Map<String, Set<String>> announced = new ConcurrentHashMap<>();
  private final Queue<Wait> waits = new ConcurrentLinkedQueue<>();

  /** A project whose tasks wait for a resource that is not available. */
  record Wait(String projectId, Resource resource) {}

  /** @param ollamaResource the monitor's id for the Ollama host the models use, or null */
  ResourceGate(ModelRouter router, String ollamaResource) {
    this.router = router;
    this.ollama = ollamaResource;
  }

  /** The resource a tier's calls need, or null when none is monitored. */
  String resourceOf(Tier tier) {
    String provider = tier == Tier.OLLAMA ? ModelProvider.OLLAMA : router.route(tier).provider();
    return switch (provider) {
      case ModelProvider.OLLAMA -> ollama;
      case ModelProvider.ANTHROPIC -> "anthropic_api";
      default -> null;
    };
  }

  /**
   * Whether the task must wait for its tier's resource; the first time a project waits for one found
   * offline, the wait is queued for {@link #newWaits}.
   */
  boolean passedOver(TaskStore.Ready task) {
    Tier tier = Dispatcher.tierOrNull(task.tier());
    String id = tier == null ? null : resourceOf(tier);
    Resource resource = id == null ? null : states.get(id);
    if (resource == null || resource.status() == ResourceStatus.ONLINE || resource.status() == ResourceStatus.DEGRADED) {
      return false;
    }
    // Announced when found offline; a resource still being checked (a start) is waited for quietly.
    if (resource.status() == ResourceStatus.OFFLINE
        && announced.computeIfAbsent(task.projectId(), p -> ConcurrentHashMap.newKeySet()).add(resource.id())) {
      waits.add(new Wait(task.projectId(), resource));
    }
    return true;
  }

  /** The waits that began since the last call, to announce once each. */
  List<Wait> newWaits() {
    List<Wait> out = new java.util.ArrayList<>();
    for (Wait w; (w = waits.poll()) != null; ) {
      out.add(w);
    }
    return out;
  }

  /** A {@code ResourceOut} the monitor pushed on a change; ignores what it cannot read. */
  void changed(JsonObject resourceOut) {
    Resource resource = read(resourceOut);
    if (resource != null) {
      changedAt.put(resource.id(), changes.incrementAndGet());
      put(resource);
    }
  }

  /** Where the changes stand, taken before asking for {@link #snapshot}. */
  long mark() {
    return changes.get();
  }

  /**
   * Every resource the monitor reported ({@code {resources: [ResourceOut...]}}) when asked at
   * {@code mark}: a resource whose change arrived since then keeps that newer state.
   */
  void snapshot(JsonObject status, long mark) {
    JsonArray list = status == null ? null : status.getJsonArray("resources");
    if (list == null) {
      return;
    }
    for (Object item : list) {
      Resource resource = item instanceof JsonObject json ? read(json) : null;
      if (resource != null && changedAt.getOrDefault(resource.id(), 0L) <= mark) {
        put(resource);
      }
    }
  }

  private void put(Resource resource) {
    states.put(resource.id(), resource);
    if (resource.status() == ResourceStatus.ONLINE || resource.status() == ResourceStatus.DEGRADED) {
      // Back: a later outage is announced again.
      announced.values().forEach(ids -> ids.remove(resource.id()));
    }
  }

  private static Resource read(JsonObject resourceOut) {
    try {
      Resource resource = Resource.fromJson(resourceOut);
      return resource.id() == null ? null : resource;
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** Forgets what projects waited for once they no longer execute. */
  void retainProjects(Set<String> executing) {
    announced.keySet().retainAll(executing);
  }
}
