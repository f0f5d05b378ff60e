package dev.orch.kernel.model;

import io.vertx.core.Future;

/**
 * One model backend. Implementations never block the calling thread, put a timeout on every HTTP
 * call and retry transient failures themselves (see {@link RetryPolicy}).
 */
public interface ModelProvider {
  /** Name of the Anthropic Messages API provider. */
  String ANTHROPIC = "anthropic";
  /** Name of the Ollama provider. */
  String OLLAMA = "ollama";
  /** Name of the OpenAI-compatible chat-completions provider. */
  String OPENAI = "openai";

  /** The provider's name as the usage log records it: {@code anthropic}, {@code ollama} or {@code openai}. */
  String name();

  /**
   * Runs one chat call.
   *
   * @return the answer; fails with {@link ModelException}: retryable for rate limits, overload,
   *     server errors and timeouts once the retries are used up, not retryable for authentication,
   *     spend-limit and invalid-request errors
   */
  Future<ChatResponse> chat(ChatRequest request);

  /** Lists the server's models; never fails (a failure is a {@link Health#down} value). */
  Future<Health> health();
}
