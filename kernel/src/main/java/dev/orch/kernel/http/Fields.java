package dev.orch.kernel.http;

import dev.orch.kernel.auth.EmailAddress;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict reads of a JSON request body. Every problem is collected, then {@link #check()} throws one
 * {@link ValidationException} naming each field. Types are never coerced (API.md §18.1): a number
 * where a string is expected is an error, as is a fraction where an integer is expected.
 */
public final class Fields {

  private final JsonObject body;
  private final JsonArray errors = new JsonArray();

  private Fields(JsonObject body) {
    this.body = body;
  }

  /** The request's body as a JSON object; 422 when it is missing, malformed or not an object. */
  public static Fields of(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw invalid(error("missing", List.of("body"), "Field required", null));
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw invalid(error("json_invalid", List.of("body", 0), "JSON decode error", new JsonObject())
          .put("ctx", new JsonObject().put("error", "Invalid JSON")));
    }
    if (!(parsed instanceof JsonObject object)) {
      throw invalid(error("model_attributes_type", List.of("body"),
          "Input should be a valid dictionary or object to extract fields from", parsed));
    }
    return new Fields(object);
  }

  public JsonObject body() {
    return body;
  }

  /** A required string of {@code min}..{@code max} characters (max ≤ 0: unbounded). */
  public String string(String name, int min, int max) {
    if (!body.containsKey(name)) {
      add("missing", name, "Field required", body, null);
      return null;
    }
    return checkString(name, min, max);
  }

  /** An optional string; absent or null gives {@code fallback}. */
  public String optionalString(String name, String fallback, int min, int max) {
    if (body.getValue(name) == null) {
      return fallback;
    }
    return checkString(name, min, max);
  }

  /** An optional boolean; absent or null gives null. */
  public Boolean optionalBool(String name) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    add("bool_type", name, "Input should be a valid boolean", value, null);
    return null;
  }

  /** An optional value out of {@code allowed}; absent or null gives null. */
  public String optionalLiteral(String name, List<String> allowed) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    return checkLiteral(name, value, allowed);
  }

  private String checkLiteral(String name, Object value, List<String> allowed) {
    if (value instanceof String s && allowed.contains(s)) {
      return s;
    }
    String expected = String.join(" or ", allowed.stream().map(a -> "'" + a + "'").toList());
    add("literal_error", name, "Input should be " + expected, value, new JsonObject().put("expected", expected));
    return null;
  }

  /** A required value out of {@code allowed}; absent is {@code missing}, anything else not listed (null too) a literal error. */
  public String literal(String name, List<String> allowed) {
    if (!body.containsKey(name)) {
      add("missing", name, "Field required", body, null);
      return null;
    }
    return checkLiteral(name, body.getValue(name), allowed);
  }

  /**
   * An optional whole number within [{@code min}, {@code max}]; absent or null gives {@code fallback}. A
   * JSON number with a zero fraction ({@code 5.0}) counts as whole, as in the original; a string,
   * a boolean or a fraction is an error.
   */
  public Long optionalLong(String name, Long fallback, long min, long max) {
    Object value = body.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || value instanceof Boolean) {
      add("int_type", name, "Input should be a valid integer", value, null);
      return null;
    }
    BigDecimal exact;
    try {
      exact = new BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      add("int_type", name, "Input should be a valid integer", value, null);
      return null;
    }
    if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
      add("int_from_float", name, "Input should be a valid integer, got a number with a fractional part", value, null);
      return null;
    }
    if (exact.compareTo(BigDecimal.valueOf(min)) < 0) {
      add("greater_than_equal", name, "Input should be greater than or equal to " + min, value,
          new JsonObject().put("ge", min));
      return null;
    }
    if (exact.compareTo(BigDecimal.valueOf(max)) > 0) {
      add("less_than_equal", name, "Input should be less than or equal to " + max, value,
          new JsonObject().put("le", max));
      return null;
    }
    return exact.longValueExact();
  }

  /** A required list of {@code minItems}..{@code maxItems} strings; a bad item is named by its index. */
  public List<String> stringList(String name, int minItems, int maxItems) {
    if (!body.containsKey(name)) {
      add("missing", name, "Field required", body, null);
      return null;
    }
    if (!(body.getValue(name) instanceof JsonArray array)) {
      add("list_type", name, "Input should be a valid list", body.getValue(name), null);
      return null;
    }
    if (array.size() < minItems) {
      add("too_short", name, "List should have at least " + minItems + " item" + (minItems == 1 ? "" : "s")
          + " after validation, not " + array.size(), array, new JsonObject().put("field_type", "List")
          .put("min_length", minItems).put("actual_length", array.size()));
      return null;
    }
    if (array.size() > maxItems) {
      add("too_long", name, "List should have at most " + maxItems + " item" + (maxItems == 1 ? "" : "s")
          + " after validation, not " + array.size(), array, new JsonObject().put("field_type", "List")
          .put("max_length", maxItems).put("actual_length", array.size()));
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < array.size(); i++) {
      if (array.getValue(i) instanceof String s) {
        out.add(s);
      } else {
        errors.add(error("string_type", List.of("body", name, i), "Input should be a valid string", array.getValue(i)));
        ok = false;
      }
    }
    return ok ? out : null;
  }

  /** An optional JSON object; absent or null gives null. */
  public JsonObject optionalObject(String name) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    add("dict_type", name, "Input should be a valid dictionary", value, null);
    return null;
  }

  /** Records a custom validation failure of {@code name} (pydantic's {@code value_error}). */
  public void reject(String name, String reason) {
    add("value_error", name, "Value error, " + reason, body.getValue(name), new JsonObject().put("error", reason));
  }

  /** True when the body has {@code name} with a non-null value. */
  public boolean present(String name) {
    return body.getValue(name) != null;
  }

  /** A required email address, normalised with a lower-case domain. */
  public String email(String name) {
    String raw = string(name, 0, 0);
    if (raw == null) {
      return null;
    }
    String trimmed = raw.strip();
    if (!EmailAddress.valid(trimmed)) {
      add("value_error", name, "value is not a valid email address: An email address must have an @-sign"
          + " followed by a valid domain.", raw, new JsonObject().put("reason", "invalid email address"));
      return null;
    }
    return EmailAddress.normalised(trimmed);
  }

  /** Throws when any read failed. */
  public void check() {
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  private String checkString(String name, int min, int max) {
    Object value = body.getValue(name);
    if (!(value instanceof String s)) {
      add("string_type", name, "Input should be a valid string", value, null);
      return null;
    }
    int length = s.codePointCount(0, s.length());
    if (length < min) {
      add("string_too_short", name, "String should have at least " + min + " character" + (min == 1 ? "" : "s"),
          s, new JsonObject().put("min_length", min));
      return null;
    }
    if (max > 0 && length > max) {
      add("string_too_long", name, "String should have at most " + max + " character" + (max == 1 ? "" : "s"),
          s, new JsonObject().put("max_length", max));
      return null;
    }
    return s;
  }

  private void add(String type, String field, String msg, Object input, JsonObject ctx) {
    JsonObject e = error(type, List.of("body", field), msg, input);
    if (ctx != null) {
      e.put("ctx", ctx);
    }
    errors.add(e);
  }

  static JsonObject error(String type, List<Object> loc, String msg, Object input) {
    return new JsonObject().put("type", type).put("loc", new JsonArray(loc)).put("msg", msg).put("input", input);
  }

  static ValidationException invalid(JsonObject error) {
    return new ValidationException(new JsonArray().add(error));
  }
}
