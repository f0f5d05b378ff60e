package dev.orch.kernel.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's static files (API.md §7.4, §18.20) and their caching.
 *
 * <ul>
 *   <li>{@code /webjars/<name>/<version>/...}: front-end libraries from WebJars on the classpath. The
 *       version is in the path, so the answers are cached for a year as immutable.
 *   <li>{@code /assets/<fingerprint>/...}: the files of the webroot. The fingerprint is a hash of the
 *       whole webroot taken at start, so any edit changes every asset URL and the answers can be cached
 *       for a year too; an old fingerprint is a 404. One hash for the tree, not one per file, because
 *       ES modules import each other by relative URL and would otherwise need an import map, that is
 *       an inline script.
 *   <li>every other GET outside {@code /api}: {@code index.html}, with the asset URLs filled in and
 *       {@code Cache-Control: no-cache}, so deep links work and a new start's assets are picked up.
 * </ul>
 *
 * The webroot is read once, when the HTTP verticle starts: edits to it show after a restart.
 */
final class Dashboard {
  private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
  /** In {@code index.html}: replaced by {@code /assets/<fingerprint>}. */
  static final String ASSETS_PLACEHOLDER = "{{assets}}";
  static final int IMMUTABLE_MAX_AGE = 365 * 24 * 3600;
  private static final String WEBJARS = "META-INF/resources/webjars";
  /** GET on non-API paths only: a catch-all route would turn an API 405 into a 404. */
  private static final String NOT_API = "^/(?!api(/|$)).*";

  private final Path webroot;
  private final String fingerprint;
  private final Buffer index;

  private Dashboard(Path webroot, String fingerprint, Buffer index) {
    this.webroot = webroot;
    this.fingerprint = fingerprint;
    this.index = index;
  }

  /** Reads and hashes the webroot off the event loop; null when there is no {@code index.html}. */
  static Future<Dashboard> load(Vertx vertx, Path webroot) {
    return vertx.executeBlocking(() -> read(webroot.toAbsolutePath().normalize()));
  }

  /** The current asset prefix, e.g. {@code /assets/3f2a9c0d1b7e}. */
  String assetsPath() {
    return "/assets/" + fingerprint;
  }

  void mount(Router router) {
    router.get("/webjars/*").handler(StaticHandler.create(FileSystemAccess.RELATIVE, WEBJARS)
        .setCachingEnabled(true).setMaxAgeSeconds(IMMUTABLE_MAX_AGE).setDirectoryListing(false)
        .setIncludeHidden(false));
    router.get(assetsPath() + "/*").handler(StaticHandler.create(FileSystemAccess.ROOT, webroot.toString())
        .setCachingEnabled(true).setMaxAgeSeconds(IMMUTABLE_MAX_AGE).setDirectoryListing(false)
        .setIncludeHidden(false));
    // A missing library or an asset of an earlier start: a plain 404, never the HTML page.
    router.get("/webjars/*").handler(ctx -> ctx.fail(404));
    router.get("/assets/*").handler(ctx -> ctx.fail(404));
    router.routeWithRegex(HttpMethod.GET, NOT_API).handler(this::index);
  }

  private void index(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .end(index);
  }

  private static Dashboard read(Path webroot) throws IOException {
    Path indexFile = webroot.resolve("index.html");
    if (!Files.isRegularFile(indexFile)) {
      LOG.warn("no dashboard [webroot: {}]", webroot);
      return null;
    }
    String fingerprint = fingerprint(webroot);
    String html = Files.readString(indexFile, StandardCharsets.UTF_8)
        .replace(ASSETS_PLACEHOLDER, "/assets/" + fingerprint);
    LOG.info("dashboard ready [webroot: {}, assets: {}]", webroot, fingerprint);
    return new Dashboard(webroot, fingerprint, Buffer.buffer(html, "UTF-8"));
  }

  /** SHA-256 over every file's relative path and content, in path order; the first 12 hex digits. */
  static String fingerprint(Path root) throws IOException {
    MessageDigest digest = sha256();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      digest.update(root.relativize(file).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      try {
        digest.update(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      digest.update((byte) 0);
    }
    return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
