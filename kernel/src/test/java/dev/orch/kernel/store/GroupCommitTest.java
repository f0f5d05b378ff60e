package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The fsync stage of SQLite group commits with synchronous FULL (see {@link GroupCommit.Syncer}). */
@ExtendWith(VertxExtension.class)
class GroupCommitTest {
  @TempDir Path dir;
  Db db;

  private Db open(Vertx vertx, String synchronous) throws Exception {
    db = Db.open(vertx, new OrchConfig.Db("jdbc:sqlite:" + dir.resolve("orch.db"), synchronous, 5000, 1))
        .await(60, TimeUnit.SECONDS);
    db.pool().query("CREATE TABLE probe (x DOUBLE PRECISION)").execute().await(10, TimeUnit.SECONDS);
    return db;
  }

  @AfterEach
  void close() throws Exception {
    db.close().await(10, TimeUnit.SECONDS);
  }

  private long committedRows() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("orch.db"));
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM probe")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @DisplayName("with synchronous FULL, concurrent units all land, in few commits, through the log's own fsync")
  void fullSynchronousCommitsThroughTheLogFsync(Vertx vertx) throws Exception {
    open(vertx, "FULL");
    List<Future<Integer>> done = new ArrayList<>();
    CountDownLatch submitted = new CountDownLatch(1);
    vertx.getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < 300; i++) {
        done.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (1)")));
      }
      submitted.countDown();
    });
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    Future.all(done).await(30, TimeUnit.SECONDS);
    assertThat(committedRows()).isEqualTo(300);
    assertThat(db.group().groups()).isLessThan(100);
    // The pool's own writes are back on FULL after the groups.
    var mode = db.pool().query("PRAGMA synchronous").execute().await(10, TimeUnit.SECONDS);
    assertThat(mode.iterator().next().getInteger(0)).as("2 is FULL").isEqualTo(2);
  }

  @Test
  @DisplayName("the connection is free while a group's fsync runs: the next group runs, and a durable unit waits for its fsync")
  void theNextGroupRunsDuringTheFsync(Vertx vertx) throws Exception {
    open(vertx, "NORMAL");
    CountDownLatch syncing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GroupCommit group = new GroupCommit(vertx, db.pool(), () -> {
      syncing.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "NORMAL");
    Future<Integer> durable = group.submit(sql -> sql.update("INSERT INTO probe VALUES (1)"));
    assertThat(syncing.await(10, TimeUnit.SECONDS)).as("the first group reached its fsync").isTrue();
    Integer inserted = group.submitVisible(sql -> sql.update("INSERT INTO probe VALUES (2)"))
        .await(10, TimeUnit.SECONDS);
    assertThat(inserted).as("a second group ran while the first one's fsync was held").isEqualTo(1);
    assertThat(durable.isComplete()).as("the durable unit waits for its fsync").isFalse();
    release.countDown();
    assertThat(durable.await(10, TimeUnit.SECONDS)).isEqualTo(1);
    // The second unit completed once run, before its group's commit: that commit follows shortly.
    long deadline = System.currentTimeMillis() + 10_000;
    while (committedRows() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(committedRows()).isEqualTo(2);
  }

  @Test
  @DisplayName("commits never checkpoint: the checkpointer copies the log into the database file on its own connection")
  void theCheckpointerCopiesTheLog(Vertx vertx) throws Exception {
    open(vertx, "FULL");
    var autocheckpoint = db.pool().query("PRAGMA wal_autocheckpoint").execute().await(10, TimeUnit.SECONDS);
    assertThat(autocheckpoint.iterator().next().getInteger(0)).isZero();
    String blob = "x".repeat(100_000);
    List<Future<Integer>> done = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      done.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (?)", blob)));
    }
    Future.all(done).await(30, TimeUnit.SECONDS);
    Path file = dir.resolve("orch.db");
    long deadline = System.currentTimeMillis() + 10_000;
    while (java.nio.file.Files.size(file) < 80L * 100_000 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(java.nio.file.Files.size(file)).as("the 8 MB written reached the database file").isGreaterThan(80L * 100_000);
  }

  @Test
  @DisplayName("a group whose commit fails fails every durable unit in it, so nothing is announced that was rolled back")
  void aFailedCommitFailsItsUnits(Vertx vertx) throws Exception {
    open(vertx, "FULL");
    db.pool().query("CREATE TABLE parent (id TEXT PRIMARY KEY)").execute().await(10, TimeUnit.SECONDS);
    db.pool().query("CREATE TABLE child (parent_id TEXT REFERENCES parent(id))").execute().await(10, TimeUnit.SECONDS);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch hold = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    CountDownLatch submitted = new CountDownLatch(1);
    // A unit that holds the group worker: once it runs, the next three queue together for the next group.
    vertx.getOrCreateContext().runOnContext(v -> db.group().submit(sql -> {
      running.countDown();
      return hold.await(10, TimeUnit.SECONDS);
    }));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    vertx.getOrCreateContext().runOnContext(v -> {
      done.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (1)")));
      // A deferred foreign key is checked at COMMIT: the unit itself succeeds, the group's commit fails.
      done.add(db.group().submit(sql -> {
        sql.update("PRAGMA defer_foreign_keys = ON");
        return sql.update("INSERT INTO child VALUES ('missing')");
      }));
      done.add(db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (2)")));
      submitted.countDown();
      hold.countDown();
    });
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    Future.join(done).otherwiseEmpty().await(30, TimeUnit.SECONDS);

    assertThat(done).allMatch(Future::failed);
    assertThat(committedRows()).isZero();
    Integer after = db.group().submit(sql -> sql.update("INSERT INTO probe VALUES (3)")).await(10, TimeUnit.SECONDS);
    assertThat(after).as("the next group commits normally").isEqualTo(1);
    assertThat(committedRows()).isEqualTo(1);
  }
}
