package dev.orch.kernel.monitor;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What the monitor checks and how often (API.md §15.1, §16).
 *
 * @param ollamaHosts {@code ollama.hosts}, key → host, in config order
 * @param comfyuiHosts {@code comfyui.hosts}, key → host, in config order
 * @param anthropicApiKey {@code anthropic.api_key} ({@code ANTHROPIC_API_KEY}); blank when unset. Never
 *     printed by {@link #toString()}
 * @param anthropicBaseUrl {@code anthropic.base_url} without a trailing slash
 * @param interval {@code resource_check_interval_sec}
 * @param pathVariable the {@code PATH} to search for the CLI binaries, read at every check; the
 *     process environment in production, a temporary folder in tests
 */
public record MonitorConfig(
    List<Host> ollamaHosts,
    List<Host> comfyuiHosts,
    String anthropicApiKey,
    String anthropicBaseUrl,
    Duration interval,
    Supplier<String> pathVariable) {

  /** The default of {@code resource_check_interval_sec}. */
  public static final double DEFAULT_INTERVAL_SEC = 30;
  /** The default of {@code anthropic.base_url}. */
  public static final String DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";

  private static final int OLLAMA_PORT = 11434;
  private static final int COMFYUI_PORT = 8188;
  // Keys become resource ids, URL path segments and health-check procedure names (split on '/').
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]+");

  /**
   * One configured host.
   *
   * @param key the config key, e.g. {@code local}
   * @param url the base URL without a trailing slash
   * @param host the host name or address to connect to
   * @param port the port, from the URL or the service's default
   */
  public record Host(String key, String url, String host, int port) {
    Host withKey(String newKey) {
      return new Host(newKey, url, host, port);
    }
  }

  public MonitorConfig {
    ollamaHosts = List.copyOf(ollamaHosts);
    comfyuiHosts = List.copyOf(comfyuiHosts);
  }

  /** Never prints the API key. */
  @Override
  public String toString() {
    return "MonitorConfig[ollamaHosts=" + ollamaHosts + ", comfyuiHosts=" + comfyuiHosts
        + ", anthropicKeyConfigured=" + !anthropicApiKey.isBlank() + ", anthropicBaseUrl=" + anthropicBaseUrl
        + ", interval=" + interval + "]";
  }

  /**
   * Reads the monitor's keys from the layered configuration, with the process {@code PATH}.
   *
   * @throws ConfigException naming the key when a host URL, a host key or the interval is invalid
   */
  public static MonitorConfig from(JsonObject raw) {
    return from(raw, () -> System.getenv("PATH"));
  }

  /** As {@link #from(JsonObject)}, searching {@code pathVariable} for the CLI binaries. */
  public static MonitorConfig from(JsonObject raw, Supplier<String> pathVariable) {
    Object seconds = raw.getValue("resource_check_interval_sec");
    double interval = DEFAULT_INTERVAL_SEC;
    if (seconds != null) {
      if (!(seconds instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() <= 0) {
        throw new ConfigException("resource_check_interval_sec must be a number > 0, got " + seconds);
      }
      interval = n.doubleValue();
    }
    String key = string(raw, "anthropic", "api_key", "");
    String baseUrl = string(raw, "anthropic", "base_url", "");
    baseUrl = baseUrl.isBlank() ? DEFAULT_ANTHROPIC_BASE_URL : baseUrl.trim().replaceAll("/+$", "");
    parse("anthropic.base_url", baseUrl, 443);
    return new MonitorConfig(hosts(raw, "ollama", OLLAMA_PORT), hosts(raw, "comfyui", COMFYUI_PORT), key.trim(),
        baseUrl, Duration.ofMillis(Math.max(1, Math.round(interval * 1000))), pathVariable);
  }

  private static List<Host> hosts(JsonObject raw, String section, int defaultPort) {
    Object node = section(raw, section).getValue("hosts");
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof JsonObject hosts)) {
      throw new ConfigException(section + ".hosts must be an object of key → URL, got " + node);
    }
    Map<String, Host> out = new LinkedHashMap<>();
    for (String key : hosts.fieldNames()) {
      String name = section + ".hosts." + key;
      if (!KEY.matcher(key).matches()) {
        throw new ConfigException(name + ": host keys may only hold letters, digits, '_' and '-'");
      }
      if (!(hosts.getValue(key) instanceof String url) || url.isBlank()) {
        throw new ConfigException(name + " must be a URL string, got " + hosts.getValue(key));
      }
      out.put(key, parse(name, url.trim(), defaultPort).withKey(key));
    }
    return List.copyOf(out.values());
  }

  /**
   * {@code http://h:1234}, {@code https://h}, or a bare {@code h:1234} / {@code h} as {@code OLLAMA_HOST}
   * allows; a bare host gets the service's default port, an http(s) URL without a port the scheme's.
   */
  private static Host parse(String name, String text, int defaultPort) {
    boolean bare = !text.contains("://");
    URI uri;
    try {
      uri = new URI(bare ? "http://" + text : text);
    } catch (URISyntaxException e) {
      throw new ConfigException(name + " is not a valid URL: '" + text + "'");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new ConfigException(name + " must be an http(s) URL with a host, got '" + text + "'");
    }
    int port = uri.getPort() != -1 ? uri.getPort() : bare ? defaultPort : scheme.equals("https") ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    String host = uri.getHost();
    String authority = (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return new Host("", scheme + "://" + authority + path, bareHost, port);
  }

  private static String string(JsonObject raw, String section, String field, String fallback) {
    Object value = section(raw, section).getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s)) {
      throw new ConfigException(section + "." + field + " must be a string");
    }
    return s;
  }

  private static JsonObject section(JsonObject raw, String name) {
    Object node = raw.getValue(name);
    if (node == null) {
      return new JsonObject();
    }
    if (!(node instanceof JsonObject object)) {
      throw new ConfigException(name + " must be an object, got " + node);
    }
    return object;
  }
}
