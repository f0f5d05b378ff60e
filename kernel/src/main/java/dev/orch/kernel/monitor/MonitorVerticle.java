package dev.orch.kernel.monitor;

import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.tool.ToolAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource monitor (API.md §15.1): builds the catalogue from config at start, keeps the last
 * state of every resource, checks all of them concurrently every {@code resource_check_interval_sec}
 * and on request, answers {@link MonitorAddresses#STATUS} and publishes
 * {@link MonitorAddresses#CHANGED} when a status changes.
 *
 * <p>Each resource's check is a procedure of the shared {@link HealthChecks}, named
 * {@value #HEALTH_RESOURCES}{@code /<resource id>}; a sweep is {@code checkStatus("resources")}. Running
 * a procedure, from here or from a readiness view, checks the resource live and records the outcome;
 * it is DOWN when the resource is offline and UP otherwise, with the {@code ResourceOut} as data. The
 * procedure {@value #HEALTH_PING} pings {@link MonitorAddresses#STATUS}.
 */
public final class MonitorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MonitorVerticle.class);

  /** Health-check procedure that answers OK when the monitor replies on the bus. */
  public static final String HEALTH_PING = "monitor";
  /** Health-check group holding one procedure per resource, each a live check of it. */
  public static final String HEALTH_RESOURCES = "resources";
  // Beyond a check's own budget: room for the event loop to deliver its outcome.
  private static final long PROCEDURE_SLACK_MS = 2_000;
  private static final long PLUGINS_TIMEOUT_MS = 2_000;

  private final MonitorConfig config;
  private final HealthChecks health;
  // Catalogue order, as the reply lists it; touched only on this verticle's context.
  private final Map<String, ResourceCheck> checks = new LinkedHashMap<>();
  private final Map<String, Resource> states = new LinkedHashMap<>();
  // Per resource: the last check started and the newest one recorded, so a slow check that ends
  // after a newer one cannot overwrite the newer outcome.
  private final Map<String, Long> started = new HashMap<>();
  private final Map<String, Long> recorded = new HashMap<>();
  private Context context;
  private Future<Void> sweeping;
  private Future<Void> nextSweep;

  /**
   * A monitor that registers its procedures in {@code health} when deployed.
   *
   * @param config hosts, key, interval and PATH to check
   * @param health the registry the procedures go into; shared with readiness views
   */
  public MonitorVerticle(MonitorConfig config, HealthChecks health) {
    this.config = config;
    this.health = health;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    // No keep-alive: each check opens a fresh connection, so a pooled socket cannot hide a restart.
    HttpClient http = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(false).setConnectTimeout((int) AnthropicCheck.TIMEOUT_MS))
        // A port that answers something other than HTTP is an expected outcome (the tcp fallback), not
        // an error for Vert.x to log on every sweep; the request itself fails and says why.
        .withConnectHandler(conn -> conn.exceptionHandler(err ->
            LOG.debug("monitor connection failed [peer: {}, error: {}]", conn.remoteAddress(), err.toString())))
        .build();
    WebClient web = WebClient.wrap(http, new WebClientOptions().setUserAgent("orch-monitor"));
    var net = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) HostProbe.TCP_TIMEOUT_MS));
    HostProbe probe = new HostProbe(web, net);
    List<ResourceCheck> catalogue = new ArrayList<>();
    config.ollamaHosts().forEach(host -> catalogue.add(HttpHostCheck.ollama(host, probe)));
    config.comfyuiHosts().forEach(host -> catalogue.add(HttpHostCheck.comfyUi(host, probe)));
    catalogue.add(new AnthropicCheck(web, config.anthropicApiKey(), config.anthropicBaseUrl()));
    catalogue.add(new CliCheck(vertx, "gemini", "Gemini CLI", config.pathVariable()));
    catalogue.add(new CliCheck(vertx, "codex", "Codex CLI", config.pathVariable()));
    for (ResourceCheck check : catalogue) {
      checks.put(check.id(), check);
      states.put(check.id(), Resource.checking(check.id(), check.name(), check.category()));
      health.register(HEALTH_RESOURCES + "/" + check.id(), check.budgetMillis() + PROCEDURE_SLACK_MS,
          promise -> context.runOnContext(v -> procedure(check, promise)));
    }
    health.register(HEALTH_PING, MonitorAddresses.READ_TIMEOUT_MS + PROCEDURE_SLACK_MS, this::ping);

    MessageConsumer<Object> status = vertx.eventBus().localConsumer(MonitorAddresses.STATUS, this::onStatus);
    return status.completion().onSuccess(v -> {
      vertx.setPeriodic(config.interval().toMillis(), id -> tick());
      LOG.info("monitor listening [address: {}, resources: {}, interval ms: {}]", MonitorAddresses.STATUS,
          states.keySet(), config.interval().toMillis());
      tick();
    });
  }

  /** Takes the procedures out of the shared registry: they would wait on this context forever. */
  @Override
  public Future<?> stop() {
    checks.keySet().forEach(id -> health.unregister(HEALTH_RESOURCES + "/" + id));
    health.unregister(HEALTH_PING);
    return Future.succeededFuture();
  }

  private void onStatus(Message<Object> msg) {
    if (msg.body() != null && !(msg.body() instanceof JsonObject)) {
      Failures.reply(msg, OrchestratorException.badRequest("the body must be a JSON object"));
      return;
    }
    JsonObject body = msg.body() == null ? new JsonObject() : (JsonObject) msg.body();
    if (body.getValue("refresh") != null && !(body.getValue("refresh") instanceof Boolean)) {
      Failures.reply(msg, OrchestratorException.badRequest("refresh must be a boolean"));
      return;
    }
    if (body.getValue("id") != null && !(body.getValue("id") instanceof String)) {
      Failures.reply(msg, OrchestratorException.badRequest("id must be a string"));
      return;
    }
    boolean refresh = body.getBoolean("refresh", false);
    String id = body.getString("id");
    if (id != null && !states.containsKey(id)) {
      plugins().onComplete(ar -> {
        JsonObject plugin = ar.result().stream().map(JsonObject.class::cast)
            .filter(r -> id.equals(r.getString("id"))).findFirst().orElse(null);
        if (plugin == null) {
          Failures.reply(msg, OrchestratorException.notFound("Resource " + id + " not found"));
        } else {
          msg.reply(new JsonObject().put("resources", new JsonArray().add(plugin)));
        }
      });
      return;
    }
    Future<Void> ready;
    if (!refresh) {
      ready = Future.succeededFuture();
    } else if (id == null) {
      ready = freshSweep();
    } else {
      ready = health.checkStatus(HEALTH_RESOURCES + "/" + id).mapEmpty();
    }
    ready.onComplete(ar -> {
      JsonArray out = new JsonArray();
      if (id != null) {
        out.add(states.get(id).toJson());
        msg.reply(new JsonObject().put("resources", out));
        return;
      }
      states.values().forEach(r -> out.add(r.toJson()));
      plugins().onComplete(p -> msg.reply(new JsonObject().put("resources", out.addAll(p.result()))));
    });
  }

  /**
   * The plugins' resources, as this node's tool host reports them ({@link ToolAddresses#PLUGINS}): the
   * host owns that state, the monitor only shows it. None when there is no host.
   */
  private Future<JsonArray> plugins() {
    return vertx.eventBus().<JsonObject>request(ToolAddresses.PLUGINS, new JsonObject(),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(PLUGINS_TIMEOUT_MS))
        .map(reply -> reply.body().getJsonArray("resources", new JsonArray()))
        .otherwise(err -> {
          if (!(err instanceof io.vertx.core.eventbus.ReplyException re)
              || re.failureType() != io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
            LOG.warn("plugin states not read [reason: {}]", err.toString());
          }
          return new JsonArray();
        });
  }

  /** The periodic sweep; skipped while one is still running, so slow hosts cannot pile checks up. */
  private void tick() {
    if (sweeping != null) {
      LOG.debug("monitor sweep skipped: the previous one is still running");
      return;
    }
    startSweep();
  }

  /**
   * A sweep that starts now or, when one is running, the single sweep queued behind it: every refresh
   * gets states measured after it asked, and concurrent refreshes share one set of checks.
   */
  private Future<Void> freshSweep() {
    if (sweeping == null) {
      return startSweep();
    }
    if (nextSweep == null) {
      nextSweep = sweeping.transform(ar -> {
        nextSweep = null;
        return startSweep();
      });
    }
    return nextSweep;
  }

  private Future<Void> startSweep() {
    Future<Void> sweep = health.checkStatus(HEALTH_RESOURCES).mapEmpty();
    sweeping = sweep;
    // Procedures report outages as DOWN, so a failed sweep means the registry itself went wrong.
    sweep.onFailure(err -> LOG.warn("monitor sweep failed [error: {}]", err.toString()));
    sweep.onComplete(ar -> {
      if (sweeping == sweep) {
        sweeping = null;
      }
    });
    return sweep;
  }

  /** One resource's health-check procedure: check it, record the outcome, report it. */
  private void procedure(ResourceCheck check, Promise<Status> promise) {
    long generation = started.merge(check.id(), 1L, Long::sum);
    check.run()
        .otherwise(err -> {
          // Checks turn every failure into an outcome; reaching here is a bug, not an outage.
          LOG.error("monitor check failed [resource: {}]", check.id(), err);
          return Outcome.offline("none", new JsonObject().put("error", "check failed"));
        })
        .onSuccess(outcome -> {
          Resource resource = record(check.id(), generation, outcome);
          JsonObject data = resource.toJson();
          promise.tryComplete(resource.status() == ResourceStatus.OFFLINE ? Status.KO(data) : Status.OK(data));
        });
  }

  private Resource record(String id, long generation, Outcome outcome) {
    Resource before = states.get(id);
    if (generation <= recorded.getOrDefault(id, 0L)) {
      return before;
    }
    recorded.put(id, generation);
    Resource after = before.with(outcome);
    states.put(id, after);
    if (after.status() != before.status()) {
      LOG.info("resource status changed [resource: {}, from: {}, to: {}, method: {}]", id, before.status().wire(),
          after.status().wire(), after.method());
      vertx.eventBus().publish(MonitorAddresses.CHANGED,
          after.toJson().put("previous_status", before.status().wire()), new DeliveryOptions().setLocalOnly(true));
    }
    return after;
  }

  private void ping(Promise<Status> promise) {
    vertx.eventBus().<JsonObject>request(MonitorAddresses.STATUS, new JsonObject(),
            new DeliveryOptions().setSendTimeout(MonitorAddresses.READ_TIMEOUT_MS))
        .onSuccess(reply -> promise.tryComplete(Status.OK(new JsonObject()
            .put("resources", reply.body().getJsonArray("resources").size()))))
        .onFailure(err -> promise.tryComplete(Status.KO(new JsonObject().put("error", err.getMessage()))));
  }
}
