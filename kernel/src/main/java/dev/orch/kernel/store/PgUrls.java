package dev.orch.kernel.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reads connection parameters out of a PostgreSQL JDBC URL. */
public final class PgUrls {
  private PgUrls() {}

  /** The {@code currentSchema} parameter, or null. */
  public static String currentSchema(String url) {
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : url.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals("currentSchema")) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
