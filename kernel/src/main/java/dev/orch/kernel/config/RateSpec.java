package dev.orch.kernel.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fixed-window rate such as {@code 60/minute} (also {@code second}, {@code hour}, {@code day},
 * plural forms and the {@code 10 per minute} spelling).
 */
public record RateSpec(long permits, Duration window) {
  private static final Pattern FORMAT =
      Pattern.compile("\\s*(\\d+)\\s*(?:/|per)\\s*(\\d+\\s*)?(second|minute|hour|day)s?\\s*");

  public RateSpec {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1");
    }
  }

  public static RateSpec perMinute(long permits) {
    return new RateSpec(permits, Duration.ofMinutes(1));
  }

  /** Parses the text; the key is only used to name it in the error. */
  public static RateSpec parse(String key, String text) {
    Matcher m = FORMAT.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
      throw new ConfigException(key + " must look like '60/minute', got '" + text + "'");
    }
    long count = m.group(2) == null ? 1 : Long.parseLong(m.group(2).trim());
    Duration unit = switch (m.group(3)) {
      case "second" -> Duration.ofSeconds(1);
      case "minute" -> Duration.ofMinutes(1);
      case "hour" -> Duration.ofHours(1);
      default -> Duration.ofDays(1);
    };
    return new RateSpec(Long.parseLong(m.group(1)), unit.multipliedBy(Math.max(count, 1)));
  }
}
