package dev.orch.kernel.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.LocalProviders;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The dashboard in headless Chromium against a real kernel and a local server speaking the Anthropic
 * Messages protocol: one person's session from registration to the usage page, a second user who
 * must not see it, a 1,000-task graph, and a live log that survives a server restart. Each step is a
 * test, in order, sharing one kernel and one browser; each main page is checked with axe-core and
 * photographed at desktop and phone widths into {@code docs/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  static final String PROJECT = "Online shop";
  static final Pattern TASK = Pattern.compile("Task: ([^.]+)\\.");

  @TempDir static Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  TestKernel k;
  JsonObject config;
  int port;
  Browser b;
  String projectId;

  /** Flaky check fails until this is set, which the checkpoint's guidance stands for. */
  volatile boolean flakyFixed;
  /** Slow task hangs on its first call (the server restarts under it), then answers. */
  final AtomicInteger slowCalls = new AtomicInteger();
  final Map<String, List<String>> systems = new ConcurrentHashMap<>();

  @BeforeAll
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(this::respond);
    config = TestKernel.testConfig(dir.resolve("data"));
    config.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    config.put("model_retry", new JsonObject().put("max_retries", 0).put("base_delay_ms", 5).put("max_delay_ms", 10));
    config.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("retry_backoff_base_sec", 0.05).put("retry_jitter_sec", 0.01).put("shutdown_grace_seconds", 1);
    config.getJsonObject("server").getJsonObject("endpoint_rate_limits").put("export", "100000/minute")
        .put("plan", "100000/minute");
    port = LocalProviders.closedPort();
    k = TestKernel.start(config, Vertx.vertx(), port);
    b = Browser.open("http://127.0.0.1:" + port);
  }

  @AfterAll
  void stop() throws Exception {
    if (b != null) {
      b.close();
    }
    if (k != null) {
      k.close();
    }
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  // ---- the model ----

  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    String user = r.body().getJsonArray("messages").getJsonObject(0).encode();
    if (user.contains("Requirements:")) {
      return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(1200, 800),
          LocalAnthropicServer.text("```json\n" + shopPlan().encodePrettily() + "\n```"));
    }
    Matcher m = TASK.matcher(user);
    String title = m.find() ? m.group(1) : "?";
    systems.computeIfAbsent(title, t -> new CopyOnWriteArrayList<>()).add(String.valueOf(r.body().getValue("system")));
    if (title.equals("Flaky check") && !flakyFixed) {
      return LocalAnthropicServer.errorReply(529, "overloaded_error", "Overloaded").after(150);
    }
    if (title.equals("Slow") && slowCalls.incrementAndGet() == 1) {
      return Reply.hang();
    }
    String output = title.equals("Build API")
        ? "## API design\n\nTwo endpoints:\n\n- `GET /products`\n- `POST /orders`\n\n```java\nrecord Order(String id, long cents) {}\n```\n"
        : "Done: " + title + ".";
    return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn", LocalAnthropicServer.usage(900, 300),
        LocalAnthropicServer.text(output)).after(title.startsWith("Bulk") ? 0 : 1200);
  }

  static JsonObject task(String title, String type, String complexity, List<Integer> deps, String... reqs) {
    return new JsonObject().put("title", title).put("description", "Task: " + title + ".").put("task_type", type)
        .put("complexity", complexity).put("depends_on", new JsonArray(List.copyOf(deps)))
        .put("tools_needed", new JsonArray()).put("requirement_ids", new JsonArray(List.of((Object[]) reqs)));
  }

  static JsonObject shopPlan() {
    return new JsonObject().put("summary", "A small online shop: catalogue, checkout and order overview.")
        .put("phases", new JsonArray()
            .add(new JsonObject().put("name", "Foundation").put("description", "Data model and payment research")
                .put("tasks", new JsonArray()
                    .add(task("Design schema", "code", "simple", List.of(), "R1"))
                    .add(task("Research payments", "research", "medium", List.of(), "R2"))
                    .add(task("Flaky check", "code", "simple", List.of(), "R3"))))
            .add(new JsonObject().put("name", "Build").put("description", "The API and its documentation")
                .put("tasks", new JsonArray()
                    .add(task("Build API", "code", "medium", List.of(0, 1), "R1", "R2"))
                    .add(task("Write docs", "documentation", "medium", List.of(3), "R3")))))
        .put("open_questions", new JsonArray().add(new JsonObject().put("question", "Which currency?")
            .put("proposed_answer", "EUR only at first").put("impact", "Prices and payment provider")));
  }

  // ---- helpers ----

  private String rowStatus(String title) {
    for (WebElement row : b.all("#task-table tbody tr")) {
      if (row.findElement(By.cssSelector("a")).getText().equals(title)) {
        return row.getDomAttribute("data-status");
      }
    }
    return null;
  }

  private void awaitRow(String title, String status) {
    b.until(title + " " + status, Duration.ofSeconds(45), d -> status.equals(rowStatus(title)) ? true : null);
  }

  private String token(String email) {
    return k.login(email, "password12").getString("access_token");
  }

  private void register(String email, String name) {
    b.go("/register");
    b.type("input[name=email]", email);
    b.type("input[name=display_name]", name);
    b.type("input[name=password]", "password12");
    b.press("Create account");
    b.withText("main h1", "Projects");
  }

  private void signOut() {
    b.press("Sign out");
    b.withText("main h1", "Sign in");
  }

  // ---- the session ----

  @Test
  @Order(1)
  @DisplayName("an anonymous visitor is sent to sign-in; a new user registers and lands on an empty project list")
  void registers() {
    b.go("/usage");
    b.withText("main h1", "Sign in");
    assertThat(b.driver.getCurrentUrl()).endsWith("/login?next=%2Fusage");
    b.screenshots("sign-in");
    b.assertAccessible("sign-in");
    b.press("Create an account");
    b.withText("main h1", "Create your account");
    b.assertAccessible("registration");
    b.go("/register");
    register("alice@example.com", "Alice");
    b.withText(".empty-title", "No projects yet");
    assertThat(b.find(".mainnav").getText()).contains("Admin"); // the first account is the admin
    b.assertCleanConsole("projects");
  }

  @Test
  @Order(2)
  @DisplayName("a project is created from the dialog with its rigor, execution mode and budget")
  void createsProject() {
    b.press("Create your first project");
    b.type("dialog input[name=name]", PROJECT);
    b.type("dialog textarea[name=requirements]",
        "Customers browse products.\n\nCustomers pay by card.\n\nStaff see every order.\n\nThe shop speaks French.");
    b.find("dialog select[name=planning_rigor] option[value=L2]").click();
    b.type("dialog input[name=budget_usd]", "2");
    b.press("Create project");
    b.withText("main h1", PROJECT);
    projectId = b.driver.getCurrentUrl().replaceAll(".*/project/", "");
    assertThat(projectId).matches("[0-9a-f]{12}");
    b.withText(".empty-title", "No plan yet");
    JsonObject stored = k.get("/api/projects/" + projectId, token("alice@example.com")).bodyAsJsonObject();
    assertThat(stored.getString("planning_rigor")).isEqualTo("L2");
    assertThat(stored.getJsonObject("config").getDouble("budget_usd")).isEqualTo(2.0);
    assertThat(stored.getJsonObject("config").getString("execution_mode")).isEqualTo("auto");
  }

  @Test
  @Order(3)
  @DisplayName("a plan is generated, shown as a tree with its open questions, and approved into a task graph")
  void plansAndApproves() {
    b.press("Generate plan");
    b.withText(".plan-tree", "Foundation");
    assertThat(b.find(".plan-tree").getText()).contains("Build API").contains("Which currency?").contains("EUR only at first");
    assertThat(b.find(".plan-versions").getText()).contains("v1").contains("claude-sonnet-4-6");
    b.press("Approve v1 and create tasks");
    b.until("five tasks", d -> b.all("#task-table tbody tr").size() == 5 ? true : null);
    b.visible(".dag-canvas canvas");
    WebElement uncovered = b.withText(".req.uncovered", "R4");
    assertThat(uncovered.getText()).contains("The shop speaks French").contains("Not covered");
    assertThat(b.all(".req.uncovered")).hasSize(1);
    b.withText(".page-actions .btn.primary", "Start");
  }

  @Test
  @Order(4)
  @DisplayName("started, the tasks turn green one by one without a reload, and a task out of retries opens a checkpoint")
  void runsLive() {
    b.js("window.__sameDocument = 'yes';");
    b.press("Start");
    b.visible("#live-badge.live");
    b.until("a task running", d -> b.all("#task-table tr[data-status=running]").isEmpty() ? null : true);
    for (String t : List.of("Design schema", "Research payments", "Build API", "Write docs")) {
      awaitRow(t, "completed");
    }
    b.withText("#checkpoints", "Flaky check");
    b.withText("#event-log", "Checkpoint: Flaky check needs attention");
    b.withText("#event-log", "All tasks finished.");
    b.withText(".project-meta .badge", "Completed");
    assertThat(b.js("return window.__sameDocument;")).as("the page was never reloaded").isEqualTo("yes");
    assertThat(b.find(".dag-canvas").getDomAttribute("aria-label")).contains("5 tasks").contains("critical path of 3 tasks");
    b.screenshots("checkpoint");
    b.assertAccessible("project");
    b.assertCleanConsole("project");
  }

  @Test
  @Order(5)
  @DisplayName("the checkpoint is resolved in place with guidance; the task runs again with it and the project completes")
  void resolvesCheckpoint() {
    flakyFixed = true;
    b.type("#checkpoints textarea[name=guidance]", "Use the sandbox payment keys.");
    b.press("Retry with guidance");
    b.until("checkpoint resolved", d -> b.all("#checkpoints").isEmpty() ? true : null);
    b.press("Resume");
    awaitRow("Flaky check", "completed");
    b.withText(".project-meta .badge", "Completed");
    List<String> prompts = systems.get("Flaky check");
    assertThat(prompts.get(prompts.size() - 1)).contains("Use the sandbox payment keys.");
    b.screenshots("project");
  }

  @Test
  @Order(6)
  @DisplayName("a task's output is rendered as Markdown with highlighted code and copy buttons")
  void opensTaskOutput() {
    b.find("#task-table").findElement(By.linkText("Build API")).click();
    b.withText("main h1", "Build API");
    WebElement output = b.withText("#output .prose h2", "API design");
    assertThat(output.isDisplayed()).isTrue();
    b.until("highlighted code", d -> b.all("#output pre code.hljs").isEmpty() ? null : true);
    assertThat(b.all("#output .code-copy")).hasSize(1);
    assertThat(b.find("#details").getText()).contains("claude-haiku-4-5-20251001").contains("900 in · 300 out");
    assertThat(b.find("#context").getText()).contains("Design schema").contains("Research payments");
    b.screenshots("task");
    b.assertAccessible("task");
    b.assertCleanConsole("task");
  }

  @Test
  @Order(7)
  @DisplayName("the project list shows progress and cost; the usage page shows the spend by day, project, model and provider")
  void seesCost() {
    b.click(".mainnav a[href='/']");
    b.withText("main h1", "Projects");
    WebElement row = b.withText("table tbody tr", PROJECT);
    assertThat(row.getText()).contains("5/5 done").contains("Completed");
    b.screenshots("projects");
    b.assertAccessible("projects");
    b.click(".mainnav a[href='/usage']");
    b.withText("main h1", "Usage");
    WebElement total = b.withText(".stat", "Total spend");
    assertThat(total.getText()).doesNotContain("$0.00");
    b.withText("#usage-by-project", PROJECT);
    b.visible("#daily canvas");
    b.withText("#by-model", "claude-haiku-4-5-20251001");
    b.withText("#by-provider", "anthropic");
    b.screenshots("usage");
    b.assertAccessible("usage");
    b.assertCleanConsole("usage");
  }

  @Test
  @Order(8)
  @DisplayName("services, admin and knowledge pages render their data, and the theme switches to dark")
  void otherPages() {
    b.click(".mainnav a[href='/services']");
    b.withText("main h1", "Services and tools");
    b.withText(".card", "Claude API");
    b.screenshots("services");
    b.assertAccessible("services");

    b.click(".mainnav a[href='/admin']");
    b.withText("#users", "alice@example.com");
    b.screenshots("admin");
    b.assertAccessible("admin");
    b.press("Analytics");
    b.visible("#admin-panel canvas");
    b.screenshots("analytics");
    b.assertAccessible("analytics");

    b.click(".mainnav a[href='/rag']");
    b.withText("main h1", "Knowledge bases");
    b.until("rag state", d -> b.all(".empty, .card").isEmpty() ? null : true);
    b.assertAccessible("rag");

    b.press("Auto"); // system → light
    b.press("Light"); // light → dark
    assertThat(b.js("return document.documentElement.dataset.theme;")).isEqualTo("dark");
    b.navigate("/project/" + projectId);
    b.visible(".dag-canvas canvas");
    b.screenshots("project-dark");
    b.assertAccessible("project in the dark theme");
    b.press("Dark"); // dark → system
    b.assertCleanConsole("other pages");
  }

  @Test
  @Order(9)
  @DisplayName("a second user sees none of the first user's projects, and a link to one is refused")
  void secondUser() {
    b.go("/");
    signOut();
    b.press("Create an account");
    register("bob@example.com", "Bob");
    b.withText(".empty-title", "No projects yet");
    assertThat(b.find(".mainnav").getText()).doesNotContain("Admin");
    b.go("/project/" + projectId);
    b.withText("main h1", "Project unavailable");
    assertThat(b.find(".notice.bad").getText()).contains("You do not own this project");
    assertThat(b.find("main").getText()).doesNotContain(PROJECT);
    b.go("/usage");
    b.withText("main h1", "Usage");
    b.withText(".empty-title", "No spend yet");
    signOut();
  }

  @Test
  @Order(10)
  @DisplayName("a 1,000-task project stays usable: the graph is drawn quickly on a wave grid and can be regrouped and zoomed")
  void largeGraph() {
    String alice = token("alice@example.com");
    String id = k.post("/api/projects", new JsonObject().put("name", "Migration of 1,000 modules")
        .put("requirements", "Port every module."), alice).bodyAsJsonObject().getString("id");
    JsonArray phases = new JsonArray();
    for (int p = 0; p < 5; p++) {
      JsonArray tasks = new JsonArray();
      for (int i = p * 200; i < (p + 1) * 200; i++) {
        int n = i;
        List<Integer> deps = n < 10 ? List.of() : IntStream.of(n - 10, (int) ((n * 2654435761L) % (n - 1))).distinct().boxed().toList();
        tasks.add(task("Bulk module " + n, "code", "simple", deps, "R1"));
      }
      phases.add(new JsonObject().put("name", "Batch " + (p + 1)).put("tasks", tasks));
    }
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'claude-sonnet-4-6', ?, 'draft', 1)", id + "pl", id,
        new JsonObject().put("summary", "Port everything").put("phases", phases).encode());
    var approved = k.post("/api/projects/" + id + "/plans/" + id + "pl/approve", null, alice);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);

    b.go("/login");
    b.type("input[name=email]", "alice@example.com");
    b.type("input[name=password]", "password12");
    b.press("Sign in");
    b.withText("main h1", "Projects");
    long started = System.nanoTime();
    b.navigate("/project/" + id);
    b.visible(".dag-canvas canvas");
    b.withText(".legend", "grid layout for 1,000 tasks");
    long ms = (System.nanoTime() - started) / 1_000_000;
    assertThat(ms).as("time to a drawn 1,000-task graph").isLessThan(15_000);
    b.withText("#tasks h2", "Tasks (1,000)");
    b.press("By phase");
    b.visible(".dag-canvas canvas");
    new Actions(b.driver).scrollToElement(b.find(".dag-canvas")).scrollFromOrigin(
        org.openqa.selenium.interactions.WheelInput.ScrollOrigin.fromElement(b.find(".dag-canvas")), 0, -300).perform();
    b.press("By wave");
    b.screenshots("large-graph");
    b.assertCleanConsole("large graph");
  }

  @Test
  @Order(11)
  @DisplayName("when the server restarts under an open page, the live log reconnects and shows every event, none twice")
  void reconnectAfterRestart() throws Exception {
    String alice = token("alice@example.com");
    String id = k.post("/api/projects", new JsonObject().put("name", "Restart drill").put("requirements", "Survive."),
        alice).bodyAsJsonObject().getString("id");
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'claude-sonnet-4-6', ?, 'draft', 1)", id + "pl", id,
        new JsonObject().put("summary", "s").put("tasks", new JsonArray()
            .add(task("Quick", "code", "simple", List.of()))
            .add(task("Slow", "code", "simple", List.of(0)))).encode());
    assertThat(k.post("/api/projects/" + id + "/plans/" + id + "pl/approve", null, alice).statusCode()).isEqualTo(200);
    b.navigate("/project/" + id);
    b.withText("main h1", "Restart drill");
    b.press("Start");
    b.visible("#live-badge.live");
    awaitRow("Quick", "completed");
    awaitRow("Slow", "running");

    k.close();
    b.until("the stream notices", d -> b.all("#live-badge.live").isEmpty() ? true : null);
    k = TestKernel.start(config, Vertx.vertx(), port);

    b.withText("#event-log", "All tasks finished.");
    awaitRow("Slow", "completed");
    // The stream numbers a project's events 1, 2, 3...; the export lists the stored rows in order.
    var rows = b.all("#event-log li");
    List<Long> ids = rows.stream().map(li -> Long.parseLong(li.getDomAttribute("data-id"))).sorted().toList();
    List<String> shown = rows.stream().sorted(java.util.Comparator.comparingLong(li -> Long.parseLong(li.getDomAttribute("data-id"))))
        .map(li -> li.getDomAttribute("data-type")).toList();
    List<String> stored = k.get("/api/projects/" + id + "/export", token("alice@example.com")).bodyAsJsonObject()
        .getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("event_type")).toList();
    assertThat(shown).as("the log holds every stored event exactly once, in order").isEqualTo(stored);
    assertThat(ids).as("no gap and no repeat").isEqualTo(LongStream.rangeClosed(1, stored.size()).boxed().toList());
    assertThat(b.find("#event-log").getText()).doesNotContain("undefined");
    b.assertCleanConsole("restart");
  }
}
