package dev.orch.kernel.model;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Speaks the Anthropic Messages API ({@code POST /v1/messages}, {@code GET /v1/models}) like the
 * real one: {@code x-api-key} and {@code anthropic-version} are required, the body is checked
 * (model, max_tokens, alternating roles, non-empty text blocks, tool results matching the previous
 * tool uses, at most 4 {@code cache_control} breakpoints), and errors have the
 * {@code {"type": "error", "error": {...}}} shape.
 *
 * <p>The default answer counts prompt caching by Anthropic's rules ({@link #cacheUsage}); scripted
 * answers can use the same count.
 */
public final class LocalAnthropicServer extends LocalModelServer {
  public static final String KEY = "sk-ant-test-0123456789abcdef";
  public static final List<String> MODELS = List.of("claude-haiku-4-5-20251001", "claude-sonnet-4-6", "claude-opus-4-6");

  private final Map<String, Entry> cache = new HashMap<>();
  private final Set<String> written = ConcurrentHashMap.newKeySet();
  private final Stats stats = new Stats();
  private final java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.function.LongSupplier clock = () -> System.currentTimeMillis() + offset.get();
  private final AtomicInteger ids = new AtomicInteger();

  public LocalAnthropicServer(Vertx vertx) {
    super(vertx);
  }

  public static JsonObject error(String type, String message) {
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message))
        .put("request_id", "req_test");
  }

  public static Reply errorReply(int status, String type, String message) {
    return Reply.json(status, error(type, message));
  }

  public static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  public static JsonObject toolUse(String id, String name, JsonObject input) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", name).put("input", input);
  }

  /** A scripted message answer. */
  public static Reply message(String model, String stopReason, JsonObject usage, JsonObject... content) {
    return Reply.json(200, new JsonObject().put("id", "msg_scripted").put("type", "message").put("role", "assistant")
        .put("model", model).put("content", new JsonArray(List.of((Object[]) content)))
        .put("stop_reason", stopReason).putNull("stop_sequence").put("usage", usage));
  }

  public static JsonObject usage(long input, long output) {
    return new JsonObject().put("input_tokens", input).put("output_tokens", output)
        .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0);
  }

  /** One Message Batch: its requests, its state, and once ended its results as JSON lines. */
  private static final class Batch {
    final String id;
    final JsonArray requests;
    final String createdAt;
    final String expiresAt;
    volatile String status = "in_progress";
    volatile String endedAt;
    volatile String results;
    final JsonObject counts = new JsonObject().put("processing", 0).put("succeeded", 0).put("errored", 0)
        .put("canceled", 0).put("expired", 0);

    Batch(String id, JsonArray requests, java.time.Instant now) {
      this.id = id;
      this.requests = requests;
      this.createdAt = now.toString();
      this.expiresAt = now.plus(java.time.Duration.ofHours(24)).toString();
      counts.put("processing", requests.size());
    }
  }

  private static final Pattern BATCH = Pattern.compile("/v1/messages/batches/(msgbatch_[A-Za-z0-9]+)(/results)?");
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private final Map<String, Batch> batches = new ConcurrentHashMap<>();
  private volatile long batchMs = 50;
  private volatile java.util.function.Function<JsonObject, String> batchOutcome = params -> "succeeded";

  /** How long a batch takes to end after it was created (50 ms unless set). */
  public void batchProcessing(long ms) {
    batchMs = ms;
  }

  /**
   * How each batch request ends, by its params: {@code succeeded} (answered as a Messages call would
   * be), {@code errored} (with an {@code api_error}), {@code expired} or {@code canceled}.
   */
  public void batchOutcome(java.util.function.Function<JsonObject, String> outcome) {
    batchOutcome = outcome;
  }

  /** How many batches were created. */
  public int batchCount() {
    return batches.size();
  }

  @Override
  protected Reply validate(Recorded r, boolean bodyIsJson) {
    boolean messages = r.method().equals("POST") && r.path().equals("/v1/messages");
    boolean models = r.method().equals("GET") && r.path().equals("/v1/models");
    boolean createBatch = r.method().equals("POST") && r.path().equals("/v1/messages/batches");
    boolean getBatch = r.method().equals("GET") && BATCH.matcher(r.path()).matches();
    if (!messages && !models && !createBatch && !getBatch) {
      return errorReply(404, "not_found_error", "Not found");
    }
    if (r.header("x-api-key") == null) {
      return errorReply(401, "authentication_error", "x-api-key header is required");
    }
    if (!KEY.equals(r.header("x-api-key"))) {
      return errorReply(401, "authentication_error", "invalid x-api-key");
    }
    if (!"2023-06-01".equals(r.header("anthropic-version"))) {
      return errorReply(400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (models) {
      return null;
    }
    if (getBatch) {
      var m = BATCH.matcher(r.path());
      m.matches();
      Batch batch = batches.get(m.group(1));
      if (batch == null) {
        return errorReply(404, "not_found_error", "message batch not found: " + m.group(1));
      }
      if (m.group(2) != null && batch.results == null) {
        return errorReply(400, "invalid_request_error", "Batch " + batch.id + " has not ended: no results yet");
      }
      return null;
    }
    if (!bodyIsJson || r.body() == null) {
      return errorReply(400, "invalid_request_error", "There was an issue with the request body: not JSON");
    }
    if (createBatch) {
      String bad = batchProblem(r.body());
      return bad == null ? null : errorReply(400, "invalid_request_error", bad);
    }
    String problem = problem(r.body());
    return problem == null ? null : errorReply(400, "invalid_request_error", problem);
  }

  private static String problem(JsonObject body) {
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      return "model: Field required";
    }
    if (!MODELS.contains(model)) {
      return null; // the real API answers 404 not_found_error; checked in answer() so scripts can override
    }
    if (!(body.getValue("max_tokens") instanceof Integer maxTokens)) {
      return "max_tokens: Field required";
    }
    if (maxTokens < 1) {
      return "max_tokens: Input should be greater than or equal to 1";
    }
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      return "messages: at least one message is required";
    }
    int breakpoints = 0;
    Object system = body.getValue("system");
    if (system != null && !(system instanceof String)) {
      if (!(system instanceof JsonArray blocks)) {
        return "system: Input should be a valid list";
      }
      for (Object b : blocks) {
        if (!(b instanceof JsonObject block) || !"text".equals(block.getString("type"))) {
          return "system: blocks must be of type text";
        }
        if (block.getString("text", "").isEmpty()) {
          return "system: text content blocks must be non-empty";
        }
        breakpoints += block.containsKey("cache_control") ? 1 : 0;
      }
    }
    if (body.getValue("tools") instanceof JsonArray tools) {
      for (Object t : tools) {
        if (!(t instanceof JsonObject tool) || !(tool.getValue("name") instanceof String)
            || !(tool.getValue("input_schema") instanceof JsonObject)) {
          return "tools: each tool needs a name and an input_schema";
        }
        breakpoints += tool.containsKey("cache_control") ? 1 : 0;
      }
    }
    Set<String> pendingToolUses = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m)) {
        return "messages." + i + ": Input should be an object";
      }
      String expected = i % 2 == 0 ? "user" : "assistant";
      if (!expected.equals(m.getString("role"))) {
        return "messages: roles must alternate between \"user\" and \"assistant\", starting with \"user\"";
      }
      Object content = m.getValue("content");
      if (content instanceof String s) {
        if (s.isEmpty() && i < messages.size() - 1) {
          return "messages." + i + ": all messages must have non-empty content";
        }
        if (!pendingToolUses.isEmpty()) {
          return "messages." + i + ": tool_use ids were found without tool_result blocks immediately after: "
              + pendingToolUses;
        }
        continue;
      }
      if (!(content instanceof JsonArray blocks) || blocks.isEmpty()) {
        return "messages." + i + ": all messages must have non-empty content";
      }
      Set<String> answered = new HashSet<>();
      Set<String> uses = new HashSet<>();
      for (Object b : blocks) {
        if (!(b instanceof JsonObject block)) {
          return "messages." + i + ".content: Input should be an object";
        }
        breakpoints += block.containsKey("cache_control") ? 1 : 0;
        switch (block.getString("type", "")) {
          case "text" -> {
            if (block.getString("text", "").isEmpty()) {
              return "messages: text content blocks must be non-empty";
            }
          }
          case "tool_use" -> {
            if (!expected.equals("assistant")) {
              return "messages." + i + ": tool_use blocks are only allowed in assistant messages";
            }
            uses.add(block.getString("id"));
          }
          case "tool_result" -> {
            if (!expected.equals("user")) {
              return "messages." + i + ": tool_result blocks are only allowed in user messages";
            }
            String id = block.getString("tool_use_id");
            if (!pendingToolUses.contains(id)) {
              return "messages." + i + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id
                  + ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.";
            }
            answered.add(id);
          }
          default -> {
            return "messages." + i + ": unknown content block type " + block.getString("type");
          }
        }
      }
      if (expected.equals("user")) {
        if (!answered.containsAll(pendingToolUses)) {
          return "messages." + i + ": tool_use ids were found without tool_result blocks immediately after";
        }
        pendingToolUses.clear();
      } else {
        pendingToolUses = uses;
      }
    }
    String badMark = badCacheControl(body);
    if (badMark != null) {
      return badMark;
    }
    if (breakpoints > 4) {
      return "A maximum of 4 blocks with cache_control may be provided. Found " + breakpoints + ".";
    }
    return null;
  }

  /** A {@code cache_control} that is not {@code {"type": "ephemeral", "ttl"?: "5m"|"1h"}}, named; else null. */
  private static String badCacheControl(Object node) {
    if (node instanceof JsonObject o) {
      Object mark = o.getValue("cache_control");
      if (mark != null) {
        if (!(mark instanceof JsonObject m) || !"ephemeral".equals(m.getValue("type"))) {
          return "cache_control.type: Input should be 'ephemeral'";
        }
        Object ttl = m.getValue("ttl");
        if (ttl != null && !"5m".equals(ttl) && !"1h".equals(ttl)) {
          return "cache_control.ttl: Input should be '5m' or '1h'";
        }
      }
      for (String f : o.fieldNames()) {
        String bad = f.equals("cache_control") ? null : badCacheControl(o.getValue(f));
        if (bad != null) {
          return bad;
        }
      }
    } else if (node instanceof JsonArray a) {
      for (Object v : a) {
        String bad = badCacheControl(v);
        if (bad != null) {
          return bad;
        }
      }
    }
    return null;
  }

  private static String batchProblem(JsonObject body) {
    if (!(body.getValue("requests") instanceof JsonArray requests) || requests.isEmpty()) {
      return "requests: List should have at least 1 item";
    }
    if (requests.size() > 100_000) {
      return "requests: List should have at most 100000 items";
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      if (!(requests.getValue(i) instanceof JsonObject request)
          || !(request.getValue("custom_id") instanceof String id) || !CUSTOM_ID.matcher(id).matches()) {
        return "requests." + i + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'";
      }
      if (!ids.add(id)) {
        return "requests." + i + ".custom_id: duplicate custom_id " + id;
      }
      if (!(request.getValue("params") instanceof JsonObject params)) {
        return "requests." + i + ".params: Field required";
      }
      String problem = problem(params);
      if (problem != null) {
        return "requests." + i + ".params." + problem;
      }
    }
    return null;
  }

  private JsonObject batchJson(Batch b) {
    JsonObject out = new JsonObject().put("id", b.id).put("type", "message_batch")
        .put("processing_status", b.status).put("request_counts", b.counts.copy())
        .put("created_at", b.createdAt).put("expires_at", b.expiresAt).putNull("archived_at")
        .putNull("cancel_initiated_at");
    out.put("ended_at", b.endedAt);
    out.put("results_url", b.results == null ? null : baseUrl() + "/v1/messages/batches/" + b.id + "/results");
    return out;
  }

  /** Ends a batch: each request answered as a Messages call, or ended as {@link #batchOutcome} says. */
  private void process(Batch b, Recorded create) {
    StringBuilder lines = new StringBuilder();
    for (Object o : b.requests) {
      JsonObject request = (JsonObject) o;
      JsonObject params = request.getJsonObject("params");
      String outcome = batchOutcome.apply(params);
      JsonObject result;
      if ("succeeded".equals(outcome)) {
        Reply reply = respond(new Recorded("POST", "/v1/messages", create.headers(), params));
        JsonObject answer = new JsonObject(reply.body());
        result = reply.status() == 200 ? new JsonObject().put("type", "succeeded").put("message", answer)
            : new JsonObject().put("type", "errored").put("error", answer);
        outcome = reply.status() == 200 ? "succeeded" : "errored";
      } else if ("errored".equals(outcome)) {
        result = new JsonObject().put("type", "errored").put("error", error("api_error", "Internal server error"));
      } else {
        result = new JsonObject().put("type", outcome);
      }
      b.counts.put(outcome, b.counts.getInteger(outcome, 0) + 1);
      lines.append(new JsonObject().put("custom_id", request.getString("custom_id")).put("result", result).encode())
          .append('\n');
    }
    b.counts.put("processing", 0);
    b.results = lines.toString();
    b.endedAt = java.time.Instant.now().toString();
    b.status = "ended";
  }

  @Override
  protected Reply answer(Recorded r) {
    if (r.path().equals("/v1/messages/batches") && r.method().equals("POST")) {
      Batch b = new Batch("msgbatch_" + ids.incrementAndGet() + "x" + Integer.toHexString(r.hashCode()),
          r.body().getJsonArray("requests").copy(), java.time.Instant.now());
      batches.put(b.id, b);
      vertx.setTimer(Math.max(1, batchMs), t -> process(b, r));
      return Reply.json(200, batchJson(b));
    }
    if (r.path().startsWith("/v1/messages/batches/")) {
      var m = BATCH.matcher(r.path());
      m.matches();
      Batch b = batches.get(m.group(1));
      return m.group(2) == null ? Reply.json(200, batchJson(b))
          : Reply.text(200, "application/binary", b.results);
    }
    if (r.path().equals("/v1/models")) {
      JsonArray data = new JsonArray();
      MODELS.forEach(m -> data.add(new JsonObject().put("type", "model").put("id", m).put("display_name", m)));
      return Reply.json(200, new JsonObject().put("data", data).put("has_more", false));
    }
    JsonObject body = r.body();
    String model = body.getString("model");
    if (!MODELS.contains(model)) {
      return errorReply(404, "not_found_error", "model: " + model);
    }
    JsonObject usage = cacheUsage(body).put("output_tokens", 3);
    return Reply.json(200, new JsonObject().put("id", "msg_" + ids.incrementAndGet()).put("type", "message")
        .put("role", "assistant").put("model", model)
        .put("content", new JsonArray().add(text("ok")))
        .put("stop_reason", "end_turn").putNull("stop_sequence").put("usage", usage));
  }

  /** One block of the prompt in cache order, its tokens, and its breakpoint's lifetime (null: none). */
  private record Segment(String json, long tokens, String ttl) {}

  /**
   * The input side of a request's usage by Anthropic's caching rules, and the cache updated: the
   * prompt is the tools, then the system blocks, then the turns' blocks. A breakpoint
   * ({@code cache_control}) counts only where the prefix up to it reaches the model's minimum
   * ({@link #minCacheTokens}). For each counted breakpoint the cache is looked up at it and at up to
   * 19 block boundaries before it; the longest prefix found is read (and its lifetime renewed), the
   * rest up to the last counted breakpoint is written with that breakpoint's lifetime (5 minutes, or
   * an hour with {@code "ttl": "1h"}). A token is 4 characters of a block's JSON without its mark.
   * The totals are kept in {@link #stats()}.
   */
  public JsonObject cacheUsage(JsonObject body) {
    String model = body.getString("model");
    List<Segment> segments = new ArrayList<>();
    for (Object t : body.getJsonArray("tools", new JsonArray())) {
      segments.add(segment((JsonObject) t));
    }
    Object system = body.getValue("system");
    if (system instanceof String s) {
      segments.add(new Segment(s, tokens(s), null));
    } else if (system instanceof JsonArray blocks) {
      blocks.forEach(b -> segments.add(segment((JsonObject) b)));
    }
    for (Object m : body.getJsonArray("messages")) {
      Object content = ((JsonObject) m).getValue("content");
      if (content instanceof JsonArray blocks) {
        blocks.forEach(b -> segments.add(segment((JsonObject) b)));
      } else {
        String text = String.valueOf(content);
        segments.add(new Segment(text, tokens(text), null));
      }
    }
    long now = clock.getAsLong();
    long min = minCacheTokens(model);
    long total = 0;
    long[] prefixTokens = new long[segments.size()];
    String[] prefixes = new String[segments.size()];
    StringBuilder prefix = new StringBuilder(model).append('\u0000');
    for (int i = 0; i < segments.size(); i++) {
      total += segments.get(i).tokens();
      prefixTokens[i] = total;
      prefix.append(segments.get(i).json()).append('\u0000');
      prefixes[i] = prefix.toString();
    }
    List<Integer> breakpoints = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).ttl() != null && prefixTokens[i] >= min) {
        breakpoints.add(i);
      }
    }
    long read = 0;
    int readAt = -1;
    synchronized (cache) {
      cache.values().removeIf(e -> e.expiresAt() <= now);
      for (int bp : breakpoints) {
        for (int j = bp; j >= Math.max(0, bp - 19); j--) {
          if (cache.containsKey(prefixes[j]) && prefixTokens[j] > read) {
            read = prefixTokens[j];
            readAt = j;
            break;
          }
        }
      }
      if (readAt >= 0) {
        Entry hit = cache.get(prefixes[readAt]);
        cache.put(prefixes[readAt], new Entry(now + hit.lifetime(), hit.lifetime()));
      }
      long written5m = 0;
      long written1h = 0;
      long from = read;
      for (int bp : breakpoints) {
        long lifetime = "1h".equals(segments.get(bp).ttl()) ? 3_600_000 : 300_000;
        if (prefixTokens[bp] > from) {
          if (lifetime > 300_000) {
            written1h += prefixTokens[bp] - from;
          } else {
            written5m += prefixTokens[bp] - from;
          }
          from = prefixTokens[bp];
        }
        if (bp != readAt) {
          cache.put(prefixes[bp], new Entry(now + lifetime, lifetime));
          written.add(prefixes[bp]);
        }
      }
      long created = written5m + written1h;
      stats.add(total - read - created, created, read, written1h);
      return new JsonObject()
          .put("input_tokens", total - read - created)
          .put("cache_creation_input_tokens", created)
          .put("cache_read_input_tokens", read)
          .put("cache_creation", new JsonObject().put("ephemeral_5m_input_tokens", written5m)
              .put("ephemeral_1h_input_tokens", written1h));
    }
  }

  private static Segment segment(JsonObject block) {
    JsonObject copy = block.copy();
    Object mark = copy.remove("cache_control");
    String json = copy.encode();
    String ttl = mark instanceof JsonObject m ? m.getString("ttl", "5m") : null;
    return new Segment(json, tokens(json), ttl);
  }

  /**
   * The shortest prefix a model caches, as Anthropic documents it: 4,096 tokens for Opus 4.5 and 4.6
   * and Haiku 4.5, 2,048 for older Haiku models, 1,024 for the others (Sonnet 4.x, Opus 4 and 4.1).
   */
  public static long minCacheTokens(String model) {
    if (model.contains("haiku-4-5") || model.contains("opus-4-5") || model.contains("opus-4-6")) {
      return 4096;
    }
    return model.contains("haiku") ? 2048 : 1024;
  }

  /** Moves the server's clock forward: cache entries expire as if {@code ms} had passed. */
  public void advance(long ms) {
    offset.addAndGet(ms);
  }

  /** Tokens and cache use over every answered request, since the start or the last {@link Stats#reset}. */
  public Stats stats() {
    return stats;
  }

  /** How many distinct prefixes were written to the cache (each breakpoint's prefix counts once). */
  public int distinctPrefixesWritten() {
    return written.size();
  }

  /** A cache entry: when it expires unless read, and its lifetime. */
  private record Entry(long expiresAt, long lifetime) {}

  /** Running totals of input tokens by kind. */
  public static final class Stats {
    private final java.util.concurrent.atomic.AtomicLong input = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong writes1h = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();

    void add(long in, long w, long r, long w1h) {
      input.addAndGet(in);
      writes.addAndGet(w);
      reads.addAndGet(r);
      writes1h.addAndGet(w1h);
      requests.incrementAndGet();
    }

    public long input() {
      return input.get();
    }

    public long cacheWrites() {
      return writes.get();
    }

    public long cacheReads() {
      return reads.get();
    }

    public long cacheWrites1h() {
      return writes1h.get();
    }

    public int requests() {
      return requests.get();
    }

    /** Every input token, cached or not. */
    public long totalInput() {
      return input() + cacheWrites() + cacheReads();
    }
  }

  private static long tokens(String s) {
    return Math.max(1, s.length() / 4);
  }
}
