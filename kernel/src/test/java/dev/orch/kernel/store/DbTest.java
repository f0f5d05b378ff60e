package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What every component relies on from the pool, on SQLite here and on PostgreSQL in {@link DbPostgresTest}. */
@ExtendWith(VertxExtension.class)
class DbTest {
  @TempDir Path dir;
  Db db;

  protected OrchConfig.Db dbConfig() {
    return new OrchConfig.Db("jdbc:sqlite:" + dir.resolve("orch.db"), "NORMAL", 5000, 8);
  }

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    db = Db.open(vertx, dbConfig()).await(60, TimeUnit.SECONDS);
    db.pool().query("CREATE TABLE probe (x DOUBLE PRECISION)").execute().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    db.close().await(10, TimeUnit.SECONDS);
  }

  /** Rows as another process sees them: through a connection of its own. */
  private long committedRows() throws Exception {
    try (Connection c = DriverManager.getConnection(dbConfig().url());
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM probe")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @DisplayName("a single statement after a transaction is committed at once, and a later rollback cannot undo it")
  void singleStatementsAutocommitAfterTransactions() throws Exception {
    var pool = db.pool();
    for (int i = 0; i < 8; i++) {
      // Once per pooled connection, so that every connection has been through a transaction.
      pool.withTransaction(c -> c.query("INSERT INTO probe VALUES (1)").execute()).await(10, TimeUnit.SECONDS);
    }
    pool.query("INSERT INTO probe VALUES (2)").execute().await(10, TimeUnit.SECONDS);
    assertThat(committedRows()).as("visible to another connection").isEqualTo(9);
    try {
      pool.withTransaction(c -> c.query("INSERT INTO probe VALUES (3)").execute()
          .compose(r -> Future.failedFuture("roll back"))).await(10, TimeUnit.SECONDS);
    } catch (Exception expected) {
      // the rollback is the point
    }
    assertThat(committedRows()).isEqualTo(9);
  }

  @Test
  @DisplayName("computed reals (SUM, AVG) come back as doubles with every digit")
  void computedRealsAreDoubles() throws Exception {
    db.pool().query("INSERT INTO probe VALUES (0.1), (0.2), (1234.5678901)").execute().await(10, TimeUnit.SECONDS);
    var row = db.pool().query("SELECT SUM(x) AS s, AVG(x) AS a, MAX(x) - MIN(x) AS d FROM probe").execute()
        .await(10, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getValue("s")).isInstanceOf(Double.class);
    assertThat(row.getDouble("s")).isEqualTo(0.1 + 0.2 + 1234.5678901);
    assertThat(row.getDouble("a")).isEqualTo((0.1 + 0.2 + 1234.5678901) / 3);
    assertThat(row.getDouble("d")).isEqualTo(1234.5678901 - 0.1);
  }

  @Test
  @DisplayName("group commit: units submitted together share a commit, run in order, and are durable when they complete")
  void groupCommitBatchesUnits(Vertx vertx) throws Exception {
    int n = 200;
    java.util.List<Future<Integer>> done = new java.util.ArrayList<>();
    java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
    java.util.List<Integer> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      for (int i = 0; i < n; i++) {
        int x = i;
        done.add(db.group().submit(sql -> {
          ran.add(x);
          return sql.update("INSERT INTO probe VALUES (?)", (double) x);
        }));
      }
      submitted.countDown();
    });
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    Future.all(done).await(30, TimeUnit.SECONDS);
    assertThat(committedRows()).isEqualTo(n);
    assertThat(db.group().groups()).as("one commit serves many units").isLessThan(n / 4);
    assertThat(ran).as("run in submission order").isSorted().hasSize(n);
    // The pool's own statements still commit on their own after a group used its connection.
    db.pool().query("INSERT INTO probe VALUES (-1)").execute().await(10, TimeUnit.SECONDS);
    assertThat(committedRows()).isEqualTo(n + 1);
  }

  @Test
  @DisplayName("group commit: a failing unit is undone alone and fails only its own future")
  void groupCommitIsolatesAFailingUnit(Vertx vertx) throws Exception {
    java.util.List<Future<?>> units = new java.util.ArrayList<>();
    java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
    vertx.getOrCreateContext().runOnContext(v -> {
      units.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (1)")));
      units.add(db.group().submit(sql -> {
        sql.update("INSERT INTO probe VALUES (2)");
        throw new IllegalStateException("refused");
      }));
      units.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (3)")));
      units.add(db.group().submit(sql -> sql.update("INSERT INTO no_such_table VALUES (4)")));
      submitted.countDown();
    });
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    Future.join(units).otherwiseEmpty().await(30, TimeUnit.SECONDS);
    assertThat(units.get(0).succeeded()).isTrue();
    assertThat(units.get(1).cause()).hasMessage("refused");
    assertThat(units.get(2).succeeded()).isTrue();
    assertThat(units.get(3).cause()).isInstanceOf(java.sql.SQLException.class);
    var rows = db.group().submit(sql -> sql.query("SELECT x FROM probe ORDER BY x")).await(10, TimeUnit.SECONDS);
    assertThat(rows).extracting(r -> r.getDouble("x")).containsExactly(1.0, 3.0);
    assertThat(committedRows()).isEqualTo(2);
  }

  @Test
  @DisplayName("group commit: a unit submitted as visible completes once run, before its group's commit")
  void visibleUnitsCompleteBeforeTheCommit(Vertx vertx) throws Exception {
    var visibleSawDurableDone = new java.util.concurrent.CompletableFuture<Boolean>();
    java.util.List<Future<?>> units = new java.util.ArrayList<>();
    java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
    vertx.getOrCreateContext().runOnContext(v -> {
      // Holds the connection, so the next two share one group.
      units.add(db.group().submit(sql -> {
        Thread.sleep(200);
        return sql.update("INSERT INTO probe VALUES (0)");
      }));
      Future<Integer> visible = db.group().submitVisible(sql -> sql.update("INSERT INTO probe VALUES (1)"));
      Future<Integer> durable = db.group().submit(sql -> {
        Thread.sleep(300);
        return sql.update("INSERT INTO probe VALUES (2)");
      });
      visible.onComplete(ar -> visibleSawDurableDone.complete(durable.isComplete()));
      units.add(visible);
      units.add(durable);
      submitted.countDown();
    });
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(visibleSawDurableDone.get(10, TimeUnit.SECONDS)).as("the durable unit of the same group was done")
        .isFalse();
    Future.all(units).await(30, TimeUnit.SECONDS);
    assertThat(committedRows()).isEqualTo(3);
  }

  @Test
  @DisplayName("group commit: kept statements give fresh results, and one that failed works again next time")
  void keptStatementsStayCorrect(Vertx vertx) throws Exception {
    db.pool().query("CREATE TABLE uniq (x INTEGER PRIMARY KEY)").execute().await(10, TimeUnit.SECONDS);
    String insert = "INSERT INTO uniq VALUES (?)";
    String count = "SELECT COUNT(*) AS n FROM uniq WHERE x > ?";
    for (int i = 1; i <= 3; i++) {
      int x = i;
      db.group().submit(sql -> sql.update(insert, x)).await(10, TimeUnit.SECONDS);
      assertThat(db.group().submit(sql -> sql.first(count, 0).getLong("n")).await(10, TimeUnit.SECONDS))
          .isEqualTo((long) i);
    }
    Future<Integer> duplicate = db.group().submit(sql -> sql.update(insert, 2));
    assertThat(duplicate.otherwiseEmpty().await(10, TimeUnit.SECONDS)).isNull();
    assertThat(duplicate.cause()).isInstanceOf(java.sql.SQLException.class);
    assertThat(db.group().submit(sql -> sql.update(insert, 4)).await(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(db.group().submit(sql -> sql.first(count, 1).getLong("n")).await(10, TimeUnit.SECONDS)).isEqualTo(3L);
  }

  @Test
  @DisplayName("reads see each commit at once, though their statements are kept prepared between runs")
  void readsSeeEveryCommit() throws Exception {
    for (int i = 1; i <= 5; i++) {
      db.pool().query("INSERT INTO probe VALUES (" + i + ")").execute().await(10, TimeUnit.SECONDS);
      // The same SQL each time: on SQLite the read connections hand back their kept statement.
      var row = db.reads().preparedQuery("SELECT COUNT(*) AS n, SUM(x) AS s FROM probe WHERE x > ?").execute(
          io.vertx.sqlclient.Tuple.of(0)).await(10, TimeUnit.SECONDS).iterator().next();
      assertThat(row.getLong("n")).isEqualTo(i);
      assertThat(row.getDouble("s")).isEqualTo(i * (i + 1) / 2.0);
    }
  }

  @Test
  @DisplayName("reads return every stored kind of value as the row's typed getters expect, by column name")
  void readsDecodeEveryKind() throws Exception {
    db.pool().query("CREATE TABLE kinds (i INTEGER, b BIGINT, r DOUBLE PRECISION, t TEXT, n TEXT)").execute()
        .await(10, TimeUnit.SECONDS);
    db.pool().preparedQuery("INSERT INTO kinds VALUES (?, ?, ?, ?, ?)").execute(io.vertx.sqlclient.Tuple.of(
        7, 1L << 40, 0.1 + 0.2, "héllo", null)).await(10, TimeUnit.SECONDS);
    var row = db.reads().query("SELECT n, t, r, b, i, i * 2 AS twice FROM kinds").execute()
        .await(10, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getInteger("i")).isEqualTo(7);
    assertThat(row.getLong("b")).isEqualTo(1L << 40);
    assertThat(row.getDouble("r")).isEqualTo(0.1 + 0.2);
    assertThat(row.getString("t")).isEqualTo("héllo");
    assertThat(row.getString("n")).isNull();
    assertThat(row.getLong("twice")).isEqualTo(14L);
    assertThat(row.getColumnIndex("twice")).isEqualTo(5);
  }
}
