package dev.orch.kernel.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code limit}/{@code offset} query parameters (API.md §1.7), validated with the contract's 422.
 */
public record Paging(int limit, int offset) {

  /** Reads and bounds the parameters; {@code maxLimit} is the endpoint's upper bound. */
  public static Paging of(RoutingContext ctx, int defaultLimit, int maxLimit) {
    JsonArray errors = new JsonArray();
    int limit = intParam(ctx, "limit", defaultLimit, 1, maxLimit, errors);
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new Paging(limit, offset);
  }

  /** An integer query parameter within [min, max]; problems are added to {@code errors}. */
  public static int intParam(RoutingContext ctx, String name, int fallback, int min, int max, JsonArray errors) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return fallback;
    }
    List<Object> loc = List.of("query", name);
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      errors.add(Fields.error("int_parsing", loc,
          "Input should be a valid integer, unable to parse string as an integer", raw));
      return fallback;
    }
    if (value < min) {
      errors.add(Fields.error("greater_than_equal", loc, "Input should be greater than or equal to " + min, raw)
          .put("ctx", new JsonObject().put("ge", min)));
    } else if (value > max) {
      errors.add(Fields.error("less_than_equal", loc, "Input should be less than or equal to " + max, raw)
          .put("ctx", new JsonObject().put("le", max)));
    }
    return value;
  }
}
