package dev.orch.kernel.monitor;

import io.vertx.core.Future;

/**
 * The check of one resource. Implementations never block the calling event loop, bound their own
 * time by {@link #budgetMillis()}, and always succeed: a failure to reach the resource is an outcome,
 * not an error.
 */
interface ResourceCheck {
  /** The resource id, e.g. {@code ollama_local}. */
  String id();

  /** The display name, e.g. {@code Ollama (local)}. */
  String name();

  /** {@code ai}, {@code api} or {@code cli}. */
  String category();

  /** The longest one {@link #run()} can take, in milliseconds. */
  long budgetMillis();

  /** Checks the resource now. */
  Future<Outcome> run();
}
