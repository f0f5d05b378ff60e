package dev.orch.kernel.model;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** Shared fixtures: the production config pointed at local servers, and a fast retry policy. */
final class TestModels {
  private TestModels() {}

  /** {@code conf/config.json} as the server loads it, without environment overrides. */
  static JsonObject defaults() {
    return ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, Map.of());
  }

  /** The defaults with each provider pointed at a local server (null leaves the default). */
  static JsonObject config(String anthropicBase, String ollamaHost, String openaiBase) {
    JsonObject json = defaults();
    JsonObject anthropic = json.getJsonObject("anthropic").put("api_key", LocalAnthropicServer.KEY).put("timeout", 5);
    if (anthropicBase != null) {
      anthropic.put("base_url", anthropicBase);
    }
    if (ollamaHost != null) {
      json.getJsonObject("ollama").put("hosts", new JsonObject().put("local", ollamaHost)).put("generate_timeout", 5);
    }
    if (openaiBase != null) {
      json.getJsonObject("openai").put("base_url", openaiBase).put("api_key", LocalOpenAiServer.KEY);
    }
    json.getJsonObject("execution").put("http_client_timeout", 5);
    json.put("model_retry", new JsonObject().put("max_retries", 3).put("base_delay_ms", 5).put("max_delay_ms", 2000));
    return json;
  }

  /** Retries with a 5 ms base, a 2 s cap and a jitter of half the ceiling. */
  static RetryPolicy retry(Vertx vertx, int maxRetries) {
    return new RetryPolicy(vertx, maxRetries, Duration.ofMillis(5), Duration.ofSeconds(2), () -> 0.5);
  }

  /** Captures this package's log events (DEBUG and up) until {@link LogCapture#close()}. */
  static LogCapture captureLogs() {
    return new LogCapture();
  }

  static final class LogCapture implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.orch.kernel.model");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level previous = logger.getLevel();

    private LogCapture() {
      appender.start();
      logger.addAppender(appender);
      logger.setLevel(Level.DEBUG);
    }

    /** Every captured message, formatted, with its throwable's message. */
    List<String> messages() {
      return appender.list.stream().map(e -> e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList();
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
      logger.setLevel(previous);
    }
  }
}
