package dev.orch.kernel.http;

import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Typed query parameters with the contract's 422 (API.md §1.1, §1.4). */
final class QueryParams {
  private static final Set<String> TRUE = Set.of("true", "1", "yes", "on");
  private static final Set<String> FALSE = Set.of("false", "0", "no", "off");

  private QueryParams() {}

  /**
   * A boolean query parameter: {@code true}/{@code false}, {@code 1}/{@code 0}, {@code yes}/{@code no} or
   * {@code on}/{@code off} in any case; {@code fallback} when absent. Anything else adds a
   * {@code bool_parsing} error to {@code errors} and gives {@code fallback}.
   */
  static boolean bool(RoutingContext ctx, String name, boolean fallback, JsonArray errors) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) {
      return fallback;
    }
    // A repeated parameter: the last one wins, as in the original's framework.
    String raw = values.get(values.size() - 1);
    String value = raw.toLowerCase(Locale.ROOT);
    if (TRUE.contains(value)) {
      return true;
    }
    if (FALSE.contains(value)) {
      return false;
    }
    errors.add(Fields.error("bool_parsing", List.of("query", name),
        "Input should be a valid boolean, unable to interpret input", raw));
    return fallback;
  }
}
