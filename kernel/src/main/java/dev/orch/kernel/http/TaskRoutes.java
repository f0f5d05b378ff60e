package dev.orch.kernel.http;

import dev.orch.kernel.tasks.TaskEnums;
import dev.orch.kernel.tasks.TaskService;
import dev.orch.kernel.tasks.TaskService.TaskFields;
import dev.orch.kernel.tasks.TaskService.TaskQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /api/tasks} (API.md §3.5): requests are validated here, the rest is {@link TaskService}. */
final class TaskRoutes {
  private static final List<String> REVIEW_ACTIONS = List.of("approve", "retry");
  private static final List<String> BULK_ACTIONS = List.of("retry", "cancel");

  private final TaskService tasks;

  TaskRoutes(TaskService tasks) {
    this.tasks = tasks;
  }

  void mount(Router router, Authn authn) {
    // Before the /tasks/{task_id} routes, as in the contract's route precedence.
    router.post("/api/tasks/bulk").handler(authn::user).handler(this::bulk);
    router.get("/api/tasks/project/:project_id").handler(authn::user).handler(this::list);
    router.get("/api/tasks/:task_id").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, tasks.get(Authn.principal(ctx), ctx.pathParam("task_id"))));
    router.get("/api/tasks/:task_id/attempts").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, tasks.attempts(Authn.principal(ctx), ctx.pathParam("task_id"))));
    router.patch("/api/tasks/:task_id").handler(authn::user).handler(this::patch);
    router.post("/api/tasks/:task_id/retry").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, tasks.retry(Authn.principal(ctx), ctx.pathParam("task_id"))));
    router.post("/api/tasks/:task_id/cancel").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, tasks.cancel(Authn.principal(ctx), ctx.pathParam("task_id"))));
    router.post("/api/tasks/:task_id/review").handler(authn::user).handler(this::review);
  }

  private void list(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    String status = literal(ctx, "status", TaskEnums.STATUSES, null, errors);
    Integer wave = last(ctx, "wave") == null ? null
        : Paging.intParam(ctx, "wave", 0, 0, Integer.MAX_VALUE, errors);
    String phase = text(ctx, "phase", 200, errors);
    String tier = text(ctx, "model_tier", 0, errors);
    String search = text(ctx, "search", 200, errors);
    String sort = literal(ctx, "sort", TaskEnums.SORT_FIELDS, "priority", errors);
    String sortDir = literal(ctx, "sort_dir", TaskEnums.SORT_DIRECTIONS, "asc", errors);
    boolean excludeOutput = QueryParams.bool(ctx, "exclude_output", false, errors);
    int limit = Paging.intParam(ctx, "limit", 100, 1, 500, errors);
    int offset = Paging.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    StreamedJson.array(ctx, 200, tasks.list(Authn.principal(ctx), ctx.pathParam("project_id"),
        new TaskQuery(status, wave, phase, tier, search, sort, sortDir, excludeOutput, limit, offset)));
  }

  private void patch(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    TaskFields fields = new TaskFields(
        f.optionalString("title", null, 1, 200),
        f.optionalString("description", null, 1, 50_000),
        f.optionalLiteral("model_tier", TaskEnums.TIERS),
        asInt(f.optionalLong("priority", null, 0, 1000)),
        asInt(f.optionalLong("max_tokens", null, 1, 16_384)));
    f.check();
    Replies.json(ctx, 200, tasks.patch(Authn.principal(ctx), ctx.pathParam("task_id"), fields));
  }

  private void review(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String action = f.literal("action", REVIEW_ACTIONS);
    String feedback = f.optionalString("feedback", "", 0, 10_000);
    f.check();
    Replies.json(ctx, 200, tasks.review(Authn.principal(ctx), ctx.pathParam("task_id"), action, feedback));
  }

  private void bulk(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String action = f.literal("action", BULK_ACTIONS);
    List<String> ids = f.stringList("task_ids", 1, 100);
    f.check();
    Replies.json(ctx, 200, tasks.bulk(Authn.principal(ctx), action, ids));
  }

  private static Integer asInt(Long value) {
    return value == null ? null : value.intValue();
  }

  /** The last value of a repeated parameter, as the original's framework takes it; null when absent. */
  private static String last(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }

  /** A value out of {@code allowed}, else an {@code enum} error; {@code fallback} when absent. */
  private static String literal(RoutingContext ctx, String name, List<String> allowed, String fallback, JsonArray errors) {
    String raw = last(ctx, name);
    if (raw == null) {
      return fallback;
    }
    if (allowed.contains(raw)) {
      return raw;
    }
    List<String> quoted = allowed.stream().map(a -> "'" + a + "'").toList();
    String expected = String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
    errors.add(Fields.error("enum", List.of("query", name), "Input should be " + expected, raw)
        .put("ctx", new JsonObject().put("expected", expected)));
    return fallback;
  }

  /**
   * A free-text filter of at most {@code max} characters ({@code max} ≤ 0: unbounded); absent or
   * empty means no filter.
   */
  private static String text(RoutingContext ctx, String name, int max, JsonArray errors) {
    String raw = last(ctx, name);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    if (max > 0 && raw.codePointCount(0, raw.length()) > max) {
      errors.add(Fields.error("string_too_long", List.of("query", name),
          "String should have at most " + max + " characters", raw).put("ctx", new JsonObject().put("max_length", max)));
      return null;
    }
    return raw;
  }
}
