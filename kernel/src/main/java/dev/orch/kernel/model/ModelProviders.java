package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured providers, and the dispatch of a request to the provider that serves its model
 * ({@link ModelsConfig#providerOf}). This is what the planner and the executor hold.
 */
public final class ModelProviders {
  private static final Logger LOG = LoggerFactory.getLogger(ModelProviders.class);
  private final ModelsConfig config;
  private final Map<String, ModelProvider> providers;
  private final WebClient client;
  private final AnthropicBatches batches;

  ModelProviders(ModelsConfig config, Map<String, ModelProvider> providers, WebClient client) {
    this(config, providers, client, null);
  }

  ModelProviders(ModelsConfig config, Map<String, ModelProvider> providers, WebClient client,
      AnthropicBatches batches) {
    this.config = config;
    this.providers = Map.copyOf(providers);
    this.client = client;
    this.batches = batches;
  }

  /** Anthropic's Message Batches API, for economy projects; empty when not built with a Vert.x instance. */
  public Optional<AnthropicBatches> batches() {
    return Optional.ofNullable(batches);
  }

  /** True when {@code model} is served by Anthropic, so that a batch can carry its calls. */
  public boolean batchable(String model) {
    return batches != null && config.providerOf(model).filter(ModelProvider.ANTHROPIC::equals).isPresent();
  }

  /**
   * Builds the three providers over one shared {@link WebClient}. Anthropic is always present (it
   * reports down without a key); Ollama when a host is configured; OpenAI when a base URL is.
   */
  public static ModelProviders create(Vertx vertx, ModelsConfig config) {
    return create(vertx, config, RetryPolicy.of(vertx, config.retry()));
  }

  /** Connections per provider host: far above any sensible concurrency cap, so never the limit. */
  static final int MAX_CONNECTIONS_PER_HOST = 256;

  /** As {@link #create(Vertx, ModelsConfig)}, with a given retry policy (tests pass a fixed jitter). */
  public static ModelProviders create(Vertx vertx, ModelsConfig config, RetryPolicy retry) {
    // The executor's caps decide how many calls run at once; the client's default of five
    // connections per host would quietly cap them lower. Connections open only when needed.
    WebClient client = WebClient.create(vertx, new WebClientOptions()
        .setUserAgent("orch")
        .setFollowRedirects(false)
        .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_HOST));
    Map<String, ModelProvider> providers = new LinkedHashMap<>();
    providers.put(ModelProvider.ANTHROPIC, new AnthropicProvider(client, config.anthropic(), config.pricing(), retry));
    if (!config.ollama().host().isBlank()) {
      providers.put(ModelProvider.OLLAMA, new OllamaProvider(client, config.ollama(), retry));
    }
    if (config.openai().configured()) {
      providers.put(ModelProvider.OPENAI, new OpenAiCompatibleProvider(client, config.openai(), retry));
    }
    LOG.info("model providers configured [providers: {}, anthropicKey: {}, routes: {}]", providers.keySet(),
        config.anthropic().hasKey() ? "set" : "unset", config.tierModels());
    return new ModelProviders(config, providers, client,
        new AnthropicBatches(vertx, client, config.anthropic(), config.pricing()));
  }

  /** A provider by name ({@link ModelProvider#ANTHROPIC}, ...); empty when not configured. */
  /** The Ollama provider, when a host is configured: it also serves embeddings. */
  public Optional<OllamaProvider> ollama() {
    return Optional.ofNullable((OllamaProvider) providers.get(ModelProvider.OLLAMA));
  }

  public Optional<ModelProvider> provider(String name) {
    return Optional.ofNullable(providers.get(name));
  }

  /**
   * The provider that serves {@code model}.
   *
   * @throws ModelException {@code NOT_CONFIGURED} when no configured provider serves it
   */
  public ModelProvider forModel(String model) {
    String name = config.providerOf(model).orElseThrow(() -> ModelException.notConfigured("none",
        "no provider serves model '" + model + "': add it to model_catalog"));
    ModelProvider provider = providers.get(name);
    if (provider == null) {
      throw ModelException.notConfigured(name, "model '" + model + "' needs provider " + name + ", which is not configured");
    }
    return provider;
  }

  /** Sends {@code request} to the provider of its model; fails as {@link ModelProvider#chat} does. */
  public Future<ChatResponse> chat(ChatRequest request) {
    try {
      return forModel(request.model()).chat(request);
    } catch (ModelException e) {
      return Future.failedFuture(e);
    }
  }

  /** Every provider's health, by name, checked in parallel. */
  public Future<Map<String, Health>> health() {
    List<String> names = List.copyOf(providers.keySet());
    List<Future<Health>> checks = names.stream().map(n -> providers.get(n).health()).toList();
    return Future.join(checks).map(done -> {
      Map<String, Health> out = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), checks.get(i).result());
      }
      return out;
    });
  }

  /** Closes the shared HTTP client. */
  public void close() {
    client.close();
  }
}
