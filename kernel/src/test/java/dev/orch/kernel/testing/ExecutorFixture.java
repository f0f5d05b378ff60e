package dev.orch.kernel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A kernel whose executor runs for real against a local server speaking the Anthropic Messages
 * protocol, for suites that drive projects end to end. Register it with {@code @RegisterExtension}:
 * before each test it starts the server, after it closes the kernel and the server. A test starts
 * the kernel with {@link #start} (fast retries, no verification or knowledge extraction, a safety
 * tick slow enough that only wake-ups dispatch) and signs alice up; then {@link #createProject},
 * {@link #approve} and {@link #execute}, or {@link #approveAndRun}, put a plan to work.
 *
 * <p>A suite that also registers {@link PgSchemas} gives it {@code @Order(1)}: registered first, it
 * drops its schema after this fixture has closed the kernel.
 */
public final class ExecutorFixture implements BeforeEachCallback, AfterEachCallback {
  private final Supplier<JsonObject> baseConfig;
  private final Function<Recorded, Reply> responder;
  private Duration timeout = Duration.ofSeconds(20);
  private Vertx vertx;
  private LocalAnthropicServer claude;
  private TestKernel kernel;
  private String token;

  /**
   * {@code baseConfig} is called at each {@link #start}, e.g. {@code () -> TestKernel.testConfig(dir.resolve("k"))}
   * (a method the suite's PostgreSQL variant overrides); the server gives the protocol's standard answers.
   */
  public ExecutorFixture(Supplier<JsonObject> baseConfig) {
    this(baseConfig, null);
  }

  /** As {@link #ExecutorFixture(Supplier)}, the server answering with {@code responder} (null: standard answer). */
  public ExecutorFixture(Supplier<JsonObject> baseConfig, Function<Recorded, Reply> responder) {
    this.baseConfig = baseConfig;
    this.responder = responder;
  }

  /** How long {@link #await(String, BooleanSupplier)} waits; 20 s unless set. */
  public ExecutorFixture waitingUpTo(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    claude = new LocalAnthropicServer(vertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(responder);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (kernel != null) {
      kernel.close();
      kernel = null;
    }
    token = null;
    claude.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * Starts a kernel on the base config pointed at the local server, with the executor's test defaults
   * and then {@code tweak} applied; signs alice up, or logs her in if this is a restart on the same data.
   */
  public TestKernel start(Consumer<JsonObject> tweak) {
    JsonObject json = baseConfig.get();
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.put("model_retry", new JsonObject().put("max_retries", 0).put("base_delay_ms", 5).put("max_delay_ms", 10));
    // Retries within a test's patience; no verifier or extractor calls a responder must expect; the 30 s safety
    // tick leaves dispatch to the wake-ups a test sends.
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("retry_backoff_base_sec", 0.05).put("retry_jitter_sec", 0.01).put("safety_tick_sec", 30);
    tweak.accept(json);
    if (kernel != null) {
      kernel.close(); // a restart; closing twice is harmless
    }
    kernel = TestKernel.start(json);
    token = (token == null ? kernel.signUp("alice@example.com", "password1")
        : kernel.login("alice@example.com", "password1")).getString("access_token");
    return kernel;
  }

  public TestKernel kernel() {
    return kernel;
  }

  /** Alice's access token. */
  public String token() {
    return token;
  }

  public LocalAnthropicServer claude() {
    return claude;
  }

  /** The Vert.x the local server runs on, for timers in a responder or other local servers. */
  public Vertx vertx() {
    return vertx;
  }

  /** The requests to the Messages API (not batches), in order. */
  public List<Recorded> calls() {
    return claude.requests().stream().filter(r -> r.path().equals("/v1/messages")).toList();
  }

  /** A simple code task without tools, as a plan lists it: "Do {title}." is how a responder knows it. */
  public static JsonObject task(String title) {
    return new JsonObject().put("title", title).put("description", "Do " + title + ".").put("task_type", "code")
        .put("complexity", "simple").put("tools_needed", new JsonArray());
  }

  /** Alice's new project ({@code body} as POST /api/projects takes it); its id. */
  public String createProject(JsonObject body) {
    var created = kernel.post("/api/projects", body, token);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  /** The project as alice reads it. */
  public JsonObject project(String projectId) {
    return kernel.get("/api/projects/" + projectId, token).bodyAsJsonObject();
  }

  /**
   * Stores {@code plan} ({@code summary}, {@code tasks}) as the project's draft, as the planner would,
   * and approves it over HTTP; the task ids in plan order.
   */
  public List<String> approve(String projectId, JsonObject plan) {
    kernel.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId, plan.encode());
    var approved = kernel.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    return approved.bodyAsJsonObject().getJsonArray("task_ids").stream().map(String.class::cast).toList();
  }

  /** Sets the project executing and wakes the executor: POST /execute without its access and status checks. */
  public void execute(String projectId) {
    kernel.sql("UPDATE projects SET status = 'executing' WHERE id = ?", projectId);
    kernel.vertx.eventBus().publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
  }

  /** {@link #approve} a plan of {@code tasks} (summary "s") and {@link #execute}; the task ids in plan order. */
  public List<String> approveAndRun(String projectId, JsonArray tasks) {
    return approveAndRun(projectId, tasks, () -> {});
  }

  /** As {@link #approveAndRun(String, JsonArray)}, with {@code beforeExecution} run once the plan is approved. */
  public List<String> approveAndRun(String projectId, JsonArray tasks, Runnable beforeExecution) {
    List<String> ids = approve(projectId, new JsonObject().put("summary", "s").put("tasks", tasks));
    beforeExecution.run();
    execute(projectId);
    return ids;
  }

  /** Waits until the project has {@code status}. */
  public void awaitStatus(String projectId, String status) {
    await("project " + status, () -> status.equals(project(projectId).getString("status")));
  }

  /** Waits until {@code condition} holds, for this fixture's timeout. */
  public void await(String what, BooleanSupplier condition) {
    await(what, timeout, condition);
  }

  /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} once {@code timeout} has passed. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
