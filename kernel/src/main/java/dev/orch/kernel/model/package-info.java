/**
 * Model providers: one provider-neutral request and response ({@link dev.orch.kernel.model.ChatRequest},
 * {@link dev.orch.kernel.model.ChatResponse}), one {@link dev.orch.kernel.model.ModelProvider}
 * interface with three HTTP implementations (Anthropic Messages API, Ollama, any OpenAI-compatible
 * chat-completions server), retries with backoff and jitter ({@link dev.orch.kernel.model.RetryPolicy}),
 * prices ({@link dev.orch.kernel.model.Pricing}) and routing by task type and complexity
 * ({@link dev.orch.kernel.model.ModelRouter}, API.md §11.1).
 *
 * <p>{@link dev.orch.kernel.model.ModelsConfig#from} reads and validates the model section of the
 * configuration; {@link dev.orch.kernel.model.ModelProviders#create} builds the providers from it.
 */
package dev.orch.kernel.model;
