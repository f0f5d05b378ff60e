package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event stream (API.md §3.8, §6, §18.22) over real HTTP, the bus and SQLite. */
class EventsIT {
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  TestKernel k;
  Progress progress;
  String admin;
  String alice;
  String bob;
  String project;
  final List<SseClient> clients = new ArrayList<>();

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    JsonObject json = TestKernel.testConfig(dataDir);
    json.getJsonObject("server").put("sse_keepalive_sec", 1);
    return json;
  }

  @BeforeEach
  void start() {
    k = TestKernel.start(config(dir));
    progress = new Progress(k.vertx.eventBus());
    admin = k.signUp("admin@example.com", "password0").getString("access_token");
    alice = k.signUp("alice@example.com", "password1").getString("access_token");
    bob = k.signUp("bob@example.com", "password2").getString("access_token");
    project = createProject(alice);
  }

  @AfterEach
  void stop() {
    clients.forEach(SseClient::close);
    clients.clear();
    k.close();
  }

  // ---- helpers ----

  private String createProject(String token) {
    var res = k.post("/api/projects", new JsonObject().put("name", "Site").put("requirements", "Build it."), token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getString("id");
  }

  /** A task of the project, for events that name one. */
  private String task(String projectId, String title) {
    String plan = projectId + "pl";
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " SELECT ?, ?, 1, 'claude-sonnet-4-6', '{}', 'approved', 1 WHERE NOT EXISTS (SELECT 1 FROM plans WHERE id = ?)",
        plan, projectId, plan);
    String id = projectId.substring(0, 6) + String.format("%06d", Math.abs(title.hashCode()) % 1_000_000);
    k.sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, created_at, updated_at)"
        + " VALUES (?, ?, ?, ?, 'd', 'code', 1, 1)", id, projectId, plan, title);
    return id;
  }

  private String sseToken(String projectId, String token) {
    var res = k.post("/api/events/" + projectId + "/token", null, token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getString("token");
  }

  private String streamPath(String projectId, String sseToken) {
    return "/api/events/" + projectId + "?token=" + URLEncoder.encode(sseToken, StandardCharsets.UTF_8);
  }

  SseClient connect(String projectId, Map<String, String> headers) {
    return connectUri(streamPath(projectId, sseToken(projectId, alice)), headers);
  }

  private SseClient connectUri(String uri, Map<String, String> headers) {
    SseClient client = SseClient.open(k.vertx, k.kernel.httpPort(), uri, headers);
    clients.add(client);
    return client;
  }

  private long emit(String type, String taskId, String message, JsonObject data) {
    Long id = TestKernel.await(progress.emit(project, taskId, type, message, data));
    assertThat(id).as("event id of " + type).isNotNull();
    return id;
  }

  private long emit(String type) {
    return emit(type, null, type + " happened", null);
  }

  /** Emits {@code n} events, {@code batch} at a time; returns the last id. */
  private long emitMany(int n, int batch, String message) {
    long last = 0;
    for (int i = 0; i < n; i += batch) {
      List<Future<Long>> sent = new ArrayList<>();
      for (int j = i; j < Math.min(n, i + batch); j++) {
        sent.add(progress.emit(project, null, EventTypes.TOOL_CALL, message, new JsonObject().put("tool", "t" + j)));
      }
      TestKernel.await(Future.all(sent));
      for (Future<Long> f : sent) {
        assertThat(f.result()).isNotNull();
        last = Math.max(last, f.result());
      }
    }
    return last;
  }

  /** Waits until the stream's subscription is in place, which a live-only stream needs before events count. */
  void awaitSubscribed(SseClient client) {
    // The first keep-alive comes after the subscription and the start position are settled.
    client.await(f -> f.stream().anyMatch(x -> "keepalive".equals(x.comment())), WAIT, "a keep-alive");
  }

  private static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  // ---- token endpoint ----

  @Test
  @DisplayName("the owner gets a 60-second SSE token for the project")
  void tokenForOwner() {
    var res = k.post("/api/events/" + project + "/token", null, alice);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject claims = TestKernel.await(k.kernelTokens().verify(res.bodyAsJsonObject().getString("token")));
    assertThat(claims.getString("type")).isEqualTo("sse");
    assertThat(claims.getString("project_id")).isEqualTo(project);
    assertThat(claims.getLong("exp") - System.currentTimeMillis() / 1000).isBetween(55L, 61L);
    assertThat(res.bodyAsJsonObject().fieldNames()).containsExactly("token");
  }

  @Test
  @DisplayName("token: 401 without credentials, 404 unknown project, 403 someone else's, 200 for an admin")
  void tokenChecks() {
    var none = k.post("/api/events/" + project + "/token", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    var missing = k.post("/api/events/abcdefabcdef/token", null, alice);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(detail(missing)).isEqualTo("Project abcdefabcdef not found");
    var foreign = k.post("/api/events/" + project + "/token", null, bob);
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(detail(foreign)).isEqualTo("You do not own this project");
    assertThat(k.post("/api/events/" + project + "/token", null, admin).statusCode()).isEqualTo(200);
  }

  // ---- stream refusals ----

  @Test
  @DisplayName("stream: 422 without a token, in the validation layout")
  void streamWithoutToken() {
    var res = k.get("/api/events/" + project, null);
    assertThat(res.statusCode()).isEqualTo(422);
    JsonObject error = res.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0);
    assertThat(error.getString("type")).isEqualTo("missing");
    assertThat(error.getJsonArray("loc").getList()).containsExactly("query", "token");
  }

  @Test
  @DisplayName("stream: 401 Invalid or expired token, with the Bearer challenge, for garbage and for an expired token")
  void streamBadToken() {
    var garbage = k.get("/api/events/" + project + "?token=not.a.jwt", null);
    assertThat(garbage.statusCode()).isEqualTo(401);
    assertThat(detail(garbage)).isEqualTo("Invalid or expired token");
    assertThat(garbage.getHeader("WWW-Authenticate")).isEqualTo("Bearer");

    String token = sseToken(project, alice);
    k.clock.advance(Duration.ofSeconds(61));
    var expired = k.get(streamPath(project, token), null);
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(detail(expired)).isEqualTo("Invalid or expired token");
  }

  @Test
  @DisplayName("stream: 401 Invalid token type for an access token, without a challenge")
  void streamAccessToken() {
    var res = k.get(streamPath(project, alice), null);
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(detail(res)).isEqualTo("Invalid token type");
    assertThat(res.getHeader("WWW-Authenticate")).isNull();
  }

  @Test
  @DisplayName("stream: 401 User not found or disabled once the token's user is deactivated")
  void streamDisabledUser() {
    String token = sseToken(project, alice);
    k.sql("UPDATE users SET is_active = 0 WHERE email = ?", "alice@example.com");
    var res = k.get(streamPath(project, token), null);
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(detail(res)).isEqualTo("User not found or disabled");
    assertThat(res.getHeader("WWW-Authenticate")).isNull();
  }

  @Test
  @DisplayName("stream: 403 SSE token not valid for this project with another project's token")
  void streamOtherProject() {
    String other = createProject(alice);
    var res = k.get(streamPath(project, sseToken(other, alice)), null);
    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(detail(res)).isEqualTo("SSE token not valid for this project");
  }

  // ---- the stream ----

  @Test
  @DisplayName("the stream answers 200 with the SSE and security headers before any event")
  void headers() {
    SseClient sse = connect(project, Map.of("Accept-Encoding", "gzip, deflate"));
    var res = sse.response;
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).isEqualTo("text/event-stream");
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(res.getHeader("Connection")).isEqualTo("keep-alive");
    assertThat(res.getHeader("X-Accel-Buffering")).isEqualTo("no");
    assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(res.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(res.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(res.getHeader("X-Request-ID")).hasSize(12);
    // Events are not held back by compression even when the client would accept it.
    assertThat(res.getHeader("Content-Encoding")).isIn(null, "identity");
    assertThat(sse.events()).isEmpty();
  }

  @Test
  @DisplayName("every one of the 12 event types arrives with its id, type and §6.2 data; the stream ends after project_complete")
  void everyType() {
    String taskId = task(project, "Write the page");
    SseClient sse = connect(project, Map.of());
    awaitSubscribed(sse);
    double before = System.currentTimeMillis() / 1000.0;

    record Sent(String type, String taskId, String message, JsonObject extras) {}
    List<Sent> sent = List.of(
        new Sent(EventTypes.TASK_START, taskId, "Write the page", null),
        new Sent(EventTypes.TOOL_CALL, taskId, "Calling write_file", new JsonObject().put("tool", "write_file")),
        new Sent(EventTypes.TASK_RETRY, taskId, "Write the page: retrying in 5s (overloaded)", null),
        new Sent(EventTypes.TASK_VERIFICATION_RETRY, taskId, "Write the page: gaps found, retrying with feedback",
            new JsonObject().put("verification_notes", "no footer")),
        new Sent(EventTypes.TASK_NEEDS_REVIEW, taskId, "Write the page: requires human review",
            new JsonObject().put("verification_notes", "unclear")),
        new Sent(EventTypes.CHECKPOINT, taskId, "Checkpoint: Write the page needs attention after 2 failed attempts",
            new JsonObject().put("checkpoint_id", "0123456789ab")),
        new Sent(EventTypes.TASK_COMPLETE, taskId, "Write the page", new JsonObject().put("cost_usd", 0.0123)),
        new Sent(EventTypes.TASK_FAILED, taskId, "Write the page: boom\nsecond line", null),
        new Sent(EventTypes.BUDGET_WARNING, null, "Budget limit reached. Execution paused.", null),
        new Sent(EventTypes.WAVE_CHECKPOINT, null, "Wave 0 complete. Resume to start wave 1.",
            new JsonObject().put("wave", 0).put("next_wave", 1)),
        new Sent(EventTypes.PROJECT_FAILED, null, "Project finished with 1 failed task(s).", null),
        new Sent(EventTypes.PROJECT_COMPLETE, null, "All tasks finished.", null));
    // project_failed ends a stream as project_complete does, so it goes to a second stream below.
    List<Long> ids = new ArrayList<>();
    for (Sent s : sent.subList(0, 10)) {
      ids.add(emit(s.type(), s.taskId(), s.message(), s.extras()));
    }
    ids.add(emit(sent.get(11).type(), null, sent.get(11).message(), null));

    List<SseClient.Frame> events = sse.awaitEvents(11, WAIT);
    sse.awaitEnd(WAIT);
    assertThat(events).extracting(SseClient.Frame::id).containsExactlyElementsOf(ids);
    assertThat(ids).containsExactlyElementsOf(range(1, 11));
    List<Sent> delivered = new ArrayList<>(sent.subList(0, 10));
    delivered.add(sent.get(11));
    for (int i = 0; i < delivered.size(); i++) {
      Sent s = delivered.get(i);
      SseClient.Frame f = events.get(i);
      assertThat(f.event()).isEqualTo(s.type());
      JsonObject data = f.data();
      assertThat(data.getString("type")).isEqualTo(s.type());
      assertThat(data.getString("message")).isEqualTo(s.message());
      assertThat(data.getString("project_id")).isEqualTo(project);
      assertThat(data.containsKey("task_id")).isTrue();
      assertThat(data.getString("task_id")).isEqualTo(s.taskId());
      assertThat(data.getDouble("timestamp")).isCloseTo(before, within(30.0));
      assertThat(data.getLong("id")).isEqualTo(f.id());
      JsonObject extras = data.copy();
      List.of("type", "message", "project_id", "task_id", "timestamp", "id").forEach(extras::remove);
      assertThat(extras).isEqualTo(s.extras() == null ? new JsonObject() : s.extras());
    }
    // id, event, data: one line each, the JSON on one line even when the message has a line break.
    assertThat(events.get(0).raw()).startsWith("id: 1\nevent: task_start\ndata: {\"type\":\"task_start\",");
    assertThat(events.get(7).raw().split("\n")).hasSize(3);
    SseClient second = connect(project, Map.of());
    awaitSubscribed(second);
    long failed = emit(EventTypes.PROJECT_FAILED, null, sent.get(10).message(), null);
    List<SseClient.Frame> last = second.awaitEvents(1, WAIT);
    second.awaitEnd(WAIT);
    assertThat(last).singleElement().satisfies(f -> {
      assertThat(f.id()).isEqualTo(failed);
      assertThat(f.event()).isEqualTo(EventTypes.PROJECT_FAILED);
      assertThat(f.data().getString("message")).isEqualTo("Project finished with 1 failed task(s).");
      assertThat(f.data().getValue("task_id")).isNull();
    });
    List<String> types = new ArrayList<>(delivered.stream().map(Sent::type).toList());
    types.add(last.get(0).event());
    assertThat(types).containsExactlyInAnyOrderElementsOf(EventTypes.ALL);
  }

  @Test
  @DisplayName("an idle stream gets ': keepalive' after server.sse_keepalive_sec, and again after an event")
  void keepalive() {
    SseClient sse = connect(project, Map.of());
    long opened = System.nanoTime();
    sse.await(f -> f.stream().anyMatch(x -> "keepalive".equals(x.comment())), WAIT, "a keep-alive");
    assertThat(Duration.ofNanos(System.nanoTime() - opened)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(5));
    SseClient.Frame keepalive = sse.frames().stream().filter(x -> x.comment() != null).findFirst().orElseThrow();
    assertThat(keepalive.raw()).isEqualTo(": keepalive");
    emit(EventTypes.TASK_START, task(project, "T"), "T", null);
    sse.awaitEvents(1, WAIT);
    int after = sse.frames().size();
    sse.await(f -> f.size() > after && "keepalive".equals(f.get(f.size() - 1).comment()), WAIT, "another keep-alive");
  }

  @Test
  @DisplayName("without Last-Event-ID a stream sends live events only, none of the past")
  void liveOnly() {
    emit(EventTypes.TASK_RETRY);
    emit(EventTypes.TASK_RETRY);
    SseClient sse = connect(project, Map.of());
    awaitSubscribed(sse);
    long id = emit(EventTypes.BUDGET_WARNING);
    assertThat(sse.awaitEvents(1, WAIT)).extracting(SseClient.Frame::id).containsExactly(id);
    assertThat(id).isEqualTo(3);
  }

  @Test
  @DisplayName("a reconnect with Last-Event-ID gets exactly the missed events, then live ones")
  void replayAfterReconnect() {
    SseClient first = connect(project, Map.of());
    awaitSubscribed(first);
    emit(EventTypes.TASK_START);
    emit(EventTypes.TOOL_CALL);
    emit(EventTypes.TASK_COMPLETE);
    List<SseClient.Frame> seen = first.awaitEvents(3, WAIT);
    first.close();
    long lastSeen = seen.get(seen.size() - 1).id();

    emit(EventTypes.TASK_START);
    emit(EventTypes.TASK_RETRY);
    emit(EventTypes.TOOL_CALL);
    SseClient second = connect(project, Map.of("Last-Event-ID", Long.toString(lastSeen)));
    second.awaitEvents(3, WAIT);
    emit(EventTypes.TASK_FAILED);
    emit(EventTypes.PROJECT_COMPLETE);
    List<SseClient.Frame> resumed = second.awaitEvents(5, WAIT);
    second.awaitEnd(WAIT);
    assertThat(resumed).extracting(SseClient.Frame::id).containsExactlyElementsOf(range(4, 8));
    assertThat(resumed).extracting(SseClient.Frame::event).containsExactly(EventTypes.TASK_START,
        EventTypes.TASK_RETRY, EventTypes.TOOL_CALL, EventTypes.TASK_FAILED, EventTypes.PROJECT_COMPLETE);
  }

  @Test
  @DisplayName("the last_event_id query parameter replays too; Last-Event-ID 0 replays everything")
  void replayByQuery() {
    for (int i = 0; i < 4; i++) {
      emit(EventTypes.TOOL_CALL);
    }
    SseClient byQuery = connectUri(streamPath(project, sseToken(project, alice)) + "&last_event_id=2", Map.of());
    assertThat(byQuery.awaitEvents(2, WAIT)).extracting(SseClient.Frame::id).containsExactly(3L, 4L);
    SseClient all = connect(project, Map.of("Last-Event-ID", "0"));
    assertThat(all.awaitEvents(4, WAIT)).extracting(SseClient.Frame::id).containsExactlyElementsOf(range(1, 4));
  }

  @Test
  @DisplayName("a replay longer than one page while events keep coming: every id once, in order, no gap")
  void replayRacesLiveEvents() {
    emitMany(450, 50, "before");
    var during = CompletableFuture.supplyAsync(() -> emitMany(300, 10, "during"));
    SseClient sse = connect(project, Map.of("Last-Event-ID", "17"));
    assertThat(during.join()).isEqualTo(750);
    List<SseClient.Frame> events = sse.awaitEvents(750 - 17, WAIT);
    SseClient.sleep(300);
    assertThat(sse.events()).extracting(SseClient.Frame::id).containsExactlyElementsOf(range(18, 750));
    assertThat(events).allSatisfy(f -> assertThat(f.data().getLong("id")).isEqualTo(f.id()));
  }

  @Test
  @DisplayName("streams of other projects see none of this project's events")
  void scopedToProject() {
    String other = createProject(alice);
    SseClient sse = connect(other, Map.of());
    awaitSubscribed(sse);
    emit(EventTypes.TOOL_CALL);
    Long otherId = TestKernel.await(progress.emit(other, null, EventTypes.BUDGET_WARNING, "b", null));
    assertThat(sse.awaitEvents(1, WAIT)).singleElement().satisfies(f -> {
      assertThat(f.id()).isEqualTo(otherId).isEqualTo(1L);
      assertThat(f.data().getString("project_id")).isEqualTo(other);
    });
  }

  @Test
  @DisplayName("one user may hold server.sse_max_streams_per_user streams open on this node; the next is a 429,"
      + " other users are not affected, and a closed stream frees its place")
  void streamsPerUser() {
    k.close();
    JsonObject json = config(dir.resolve("capped"));
    json.getJsonObject("server").put("sse_max_streams_per_user", 2);
    k = TestKernel.start(json);
    progress = new Progress(k.vertx.eventBus());
    k.signUp("admin@example.com", "password0");
    alice = k.signUp("alice@example.com", "password1").getString("access_token");
    bob = k.signUp("bob@example.com", "password2").getString("access_token");
    project = createProject(alice);
    String other = createProject(alice);
    String bobs = createProject(bob);

    SseClient first = connect(project, Map.of());
    SseClient second = connectUri(streamPath(other, sseToken(other, alice)), Map.of());
    var refused = k.get(streamPath(project, sseToken(project, alice)), null);
    SseClient bobsStream = connectUri(streamPath(bobs, sseToken(bobs, bob)), Map.of());

    assertThat(first.response.statusCode()).isEqualTo(200);
    assertThat(second.response.statusCode()).isEqualTo(200);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(detail(refused)).isEqualTo("Too many open event streams");
    assertThat(bobsStream.response.statusCode()).isEqualTo(200);
    first.close();
    long deadline = System.currentTimeMillis() + WAIT.toMillis();
    int status;
    do {
      SseClient.sleep(50);
      SseClient again = connect(project, Map.of());
      status = again.response.statusCode();
      if (status != 200) {
        again.close();
      }
    } while (status != 200 && System.currentTimeMillis() < deadline);
    assertThat(status).as("a place once the first stream closed").isEqualTo(200);
  }

  @Test
  @DisplayName("a closed stream lets go of its bus subscription")
  void unsubscribesOnClose() {
    AtomicInteger deliveries = new AtomicInteger();
    String address = dev.orch.kernel.progress.ProgressAddresses.project(project);
    k.vertx.eventBus().addInboundInterceptor(ctx -> {
      if (address.equals(ctx.message().address())) {
        deliveries.incrementAndGet();
      }
      ctx.next();
    });
    SseClient a = connect(project, Map.of());
    SseClient b = connect(project, Map.of());
    awaitSubscribed(a);
    awaitSubscribed(b);
    emit(EventTypes.TOOL_CALL);
    a.awaitEvents(1, WAIT);
    b.awaitEvents(1, WAIT);
    assertThat(deliveries.get()).isEqualTo(2);
    a.close();
    b.close();
    SseClient.sleep(300);
    deliveries.set(0);
    emit(EventTypes.TOOL_CALL);
    SseClient.sleep(300);
    assertThat(deliveries.get()).isZero();
  }

  @Test
  @DisplayName("a client that never reads neither delays a reading client nor makes the server buffer its events,"
      + " and later gets every event from the log")
  void slowClient() throws Exception {
    String token = sseToken(project, alice);
    String message = "x".repeat(2000);
    try (Socket stuck = new Socket()) {
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", k.kernel.httpPort()), 5000);
      OutputStream out = stuck.getOutputStream();
      out.write(("GET " + streamPath(project, token) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      SseClient reader = connect(project, Map.of("Last-Event-ID", "0"));
      awaitSubscribed(reader);

      long started = System.nanoTime();
      long last = emitMany(5000, 100, message);
      long emitted = System.nanoTime();
      reader.awaitEvents(5000, Duration.ofSeconds(30));
      long lag = (System.nanoTime() - emitted) / 1_000_000;
      assertThat(reader.ids()).containsExactlyElementsOf(range(1, last));
      assertThat(last).isEqualTo(5000);
      // The reader is done moments after the last event is stored, although ~10 MB went unread.
      assertThat(lag).as("ms from the last emit to the reader's last event (emitting took %d ms)",
          (emitted - started) / 1_000_000).isLessThan(3_000);
      // What the server holds for the stuck client is its write queue, not 10 MB of events (and not
      // nothing, or the socket took it all and this test proved little).
      assertThat(EventStream.queuedBytes()).isBetween(1L, 512L * 1024);

      // Once it reads, the stuck client gets everything, in order, from the log.
      List<Long> ids = readEventIds(stuck.getInputStream(), 5000, Duration.ofSeconds(60));
      assertThat(ids).containsExactlyElementsOf(range(1, 5000));
    }
  }

  /** Reads an HTTP/1.1 chunked event stream from a raw socket until {@code n} events arrived. */
  private static List<Long> readEventIds(InputStream raw, int n, Duration timeout) throws IOException {
    InputStream in = new BufferedInputStream(raw);
    long deadline = System.nanoTime() + timeout.toNanos();
    String head = readUntil(in, "\r\n\r\n");
    assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
    StringBuilder body = new StringBuilder();
    List<Long> ids = new ArrayList<>();
    while (ids.size() < n && System.nanoTime() < deadline) {
      int size = Integer.parseInt(readUntil(in, "\r\n").trim(), 16);
      if (size == 0) {
        break;
      }
      body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
      readUntil(in, "\r\n");
      int end;
      while ((end = body.indexOf("\n\n")) >= 0) {
        SseClient.Frame frame = SseClient.parse(body.substring(0, end));
        body.delete(0, end + 2);
        if (frame.isEvent()) {
          ids.add(frame.id());
        }
      }
    }
    return ids;
  }

  private static String readUntil(InputStream in, String terminator) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] end = terminator.getBytes(StandardCharsets.US_ASCII);
    int matched = 0;
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      out.write(b);
      matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
    }
    String text = out.toString(StandardCharsets.US_ASCII);
    return text.substring(0, text.length() - terminator.length());
  }
}
