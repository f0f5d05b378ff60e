package dev.orch.kernel;

import dev.orch.kernel.cluster.ClusterJoin;
import dev.orch.kernel.cluster.Membership;
import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code orch serve [--config PATH] [--cluster]}: loads the configuration, starts the kernel, and
 * stops cleanly with exit code 0 on SIGTERM or SIGINT.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Path cwd = Path.of("").toAbsolutePath();
    Path override = null;
    boolean cluster = false;
    int i = 0;
    if (args.length > 0 && args[0].equals("serve")) {
      i = 1;
    }
    for (; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) {
            fail("--config needs a file path");
          }
          override = cwd.resolve(args[++i]);
        }
        case "--cluster" -> cluster = true;
        case "-h", "--help" -> {
          System.out.println("usage: orch serve [--config PATH] [--cluster]");
          return;
        }
        default -> fail("unknown argument '" + args[i] + "' (usage: orch serve [--config PATH] [--cluster])");
      }
    }

    OrchConfig config;
    Kernel.Sections sections;
    try {
      config = OrchConfig.from(ConfigLoader.load(cwd.resolve("conf/config.json"), override, System.getenv()), cwd);
      sections = Kernel.Sections.from(config);
    } catch (ConfigException e) {
      fail("invalid configuration: " + e.getMessage());
      return;
    }
    if ((cluster || config.server().cluster()) && !config.db().postgres()) {
      // SQLite has one writer per file, and each node would be one: nodes share a PostgreSQL database.
      fail("invalid configuration: a cluster needs PostgreSQL (db.url): nodes cannot share one SQLite file");
      return;
    }
    if (!cluster && !config.server().cluster()) {
      try {
        SingleServer.hold(config.dataDir());
        if (config.db().postgres()) {
          SingleServer.holdDatabase(config.db().url());
        }
      } catch (SingleServer.InUse e) {
        fail(e.getMessage());
        return;
      } catch (java.io.IOException e) {
        fail("cannot use the data folder " + config.dataDir() + ": " + e.getMessage());
        return;
      } catch (java.sql.SQLException unreachable) {
        // The kernel's start reaches the database next and says what is wrong with it.
      }
    }
    Logging.configure(config.server().logFormat(), config.server().logLevel());
    Logger log = LoggerFactory.getLogger(Main.class);

    Vertx vertx;
    Membership membership;
    try {
      if (cluster || config.server().cluster()) {
        Path clusterXml = cwd.resolve("conf/cluster.xml");
        ClusterJoin.Joined joined = ClusterJoin.join(ClusterJoin.hazelcast(clusterXml, sections.cluster(),
            config.server().port())).await(2, TimeUnit.MINUTES);
        vertx = joined.vertx();
        membership = joined.membership();
        log.info("joined the cluster [node: {}, members: {}, failure detection: {}s]", membership.nodeId(),
            membership.members().size(), sections.cluster().failureDetectionSeconds());
      } else {
        vertx = Vertx.vertx(new VertxOptions());
        membership = Membership.local(false);
      }
    } catch (Exception e) {
      log.error("cannot join the cluster", e);
      System.exit(1);
      return;
    }
    Kernel kernel;
    try {
      kernel = Kernel.start(vertx, config, sections, Clock.systemUTC(), membership).await(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      log.error("startup failed: {}", e.getMessage(), e);
      vertx.close();
      System.exit(1);
      return;
    }
    log.info("orch ready [port: {}, data: {}, db: {}]", kernel.httpPort(), config.dataDir(),
        config.db().postgres() ? "postgresql" : "sqlite");

    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stop = () -> {
      log.info("stopping");
      kernel.stop().onComplete(ar -> stopped.countDown());
    };
    Signal.handle(new Signal("TERM"), sig -> stop.run());
    Signal.handle(new Signal("INT"), sig -> stop.run());
    try {
      stopped.await();
      log.info("stopped [grace seconds: {}]", sections.executor().shutdownGraceSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(0);
  }

  private static void fail(String message) {
    System.err.println("orch: " + message);
    System.exit(2);
  }
}
