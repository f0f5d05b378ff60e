package dev.orch.kernel.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: the writes of the hot path (task transitions, budget holds and spend, progress
 * events) from every caller that submitted while the previous group was committing, run as plain
 * JDBC in one transaction on one worker thread, with one commit (one fsync) for all of them.
 *
 * <p>Each unit of work runs under its own savepoint, so a unit that fails (a lost compare-and-set
 * is not a failure; a refused budget or an SQL error is) is undone alone and fails only its own
 * future; the others commit. Units run, and groups commit, in the order they were submitted. A
 * unit's future completes on the context that submitted it: once its group is durable
 * ({@link #submit}), or once it has run ({@link #submitVisible}).
 *
 * <p>The connection is checked out of the asynchronous pool for the length of a group, so nothing
 * else uses it meanwhile; on SQLite that pool holds the only connection, so the group also runs
 * alone against the file.
 */
public final class GroupCommit {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  /** Work against a plain JDBC connection inside the group's transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Sql sql) throws Exception;
  }

  private record Unit<T>(Work<T> work, Promise<T> promise, Context context, boolean early) {}

  /** The outcome of a unit already settled before its group committed. */
  private static final Object SETTLED = new Object();

  /**
   * Makes committed groups durable away from the connection. For SQLite with {@code synchronous}
   * FULL or EXTRA, a group commits with NORMAL (no fsync while the connection is held) and this
   * fsyncs the write-ahead log afterwards, which is what FULL does at commit: the next group runs on
   * the connection meanwhile, and one fsync serves every group that committed before it started.
   */
  @FunctionalInterface
  interface Syncer {
    void sync() throws java.io.IOException;
  }

  /** A unit that ran and awaits the fsync of its group, with what it returned. */
  private record Ran(Unit<?> unit, Object outcome) {}

  private final Vertx vertx;
  private final Pool pool;
  private final Syncer syncer;
  private final String restoreSynchronous;
  /** Taken first in every group's transaction (PostgreSQL): groups of different nodes never interleave. */
  private final String groupLock;
  private final Queue<Unit<?>> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final Queue<List<Ran>> awaitingSync = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean syncing = new AtomicBoolean();
  /**
   * Statements kept prepared, per pooled connection (SQLite has one; PostgreSQL's pool a few). Groups
   * run one at a time, so the map is only ever used by one thread at once.
   */
  private final Map<Connection, Sql> statements = new IdentityHashMap<>();
  private final AtomicLong groups = new AtomicLong();
  private final AtomicLong units = new AtomicLong();

  /** Commits are durable when they return (PostgreSQL; SQLite with synchronous OFF or NORMAL). */
  GroupCommit(Vertx vertx, Pool pool) {
    this(vertx, pool, null, null, null);
  }

  /**
   * PostgreSQL shared by several nodes: each group first takes {@code groupLock}, a transaction-wide
   * lock, so the groups of different nodes run one after another. Without it two groups could take
   * the same locks in opposite orders (one a task row and then the budget's table lock, the other the
   * reverse) and PostgreSQL would abort one of them as a deadlock, failing a task's stored outcome.
   */
  static GroupCommit serializedAcrossNodes(Vertx vertx, Pool pool, String groupLock) {
    return new GroupCommit(vertx, pool, null, null, groupLock);
  }

  /**
   * SQLite with synchronous FULL or EXTRA: groups commit with NORMAL and {@code syncer} fsyncs the
   * log afterwards; the connection's own setting, {@code synchronous}, is restored after each group
   * for everything else that writes through the pool.
   */
  GroupCommit(Vertx vertx, Pool pool, Syncer syncer, String synchronous) {
    this(vertx, pool, syncer, synchronous, null);
  }

  private GroupCommit(Vertx vertx, Pool pool, Syncer syncer, String synchronous, String groupLock) {
    this.groupLock = groupLock;
    this.vertx = vertx;
    this.pool = pool;
    this.syncer = syncer;
    this.restoreSynchronous = synchronous == null ? null : "PRAGMA synchronous = " + synchronous;
  }

  /** Runs {@code work} in the next group; completes once that group has committed. */
  public <T> Future<T> submit(Work<T> work) {
    return enqueue(work, false);
  }

  /**
   * Runs {@code work} in the next group and completes as soon as it has run, before the group's
   * commit: for work a crash may lose at no cost, such as a budget hold, which dies with the process
   * that took it. Everything submitted later on this node runs after it on the same connection and
   * sees it, and on PostgreSQL other nodes wait on its locks until the commit, so checks made against
   * it stay exact. Use it where whatever depends on the work and is seen from outside (an event's
   * publish, an HTTP answer) is written after it, so it is durable before anyone hears of it. Only a
   * failed commit (a disk error) undoes it after its caller went on, and is logged as an error.
   */
  public <T> Future<T> submitVisible(Work<T> work) {
    return enqueue(work, true);
  }

  private <T> Future<T> enqueue(Work<T> work, boolean early) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    queue.add(new Unit<>(work, promise, context, early));
    drain();
    return promise.future();
  }

  /** Groups committed so far (for tests and the benchmark's figures). */
  public long groups() {
    return groups.get();
  }

  /** Units run so far. */
  public long units() {
    return units.get();
  }

  /**
   * Borrows the connection and runs groups back to back on the worker thread while units keep
   * coming, up to {@link #GROUPS_PER_BORROW}, then gives it back so the pool's other users get their
   * turn. Going back to an event loop between groups would queue the next group behind whatever that
   * loop is doing.
   */
  private void drain() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    if (queue.isEmpty()) {
      running.set(false);
      if (!queue.isEmpty()) {
        drain();
      }
      return;
    }
    pool.getConnection()
        .compose(conn -> vertx.executeBlocking(() -> runGroups(conn), false).eventually(() -> conn.close()))
        .onComplete(ar -> {
          if (ar.failed()) {
            // No connection, or the groups could not even start: what waits fails rather than spins.
            List<Unit<?>> waiting = new ArrayList<>();
            for (Unit<?> u; (u = queue.poll()) != null; ) {
              waiting.add(u);
            }
            waiting.forEach(u -> settle(u, ar.cause()));
            LOG.error("group commit could not run [units failed: {}, reason: {}]", waiting.size(),
                ar.cause().getMessage());
          }
          running.set(false);
          drain();
        });
  }

  /** Groups run on one borrowed connection before it goes back to the pool. */
  private static final int GROUPS_PER_BORROW = 8;

  private Void runGroups(SqlConnection conn) throws SQLException {
    Sql sql = sqlFor(VertxJdbcInternals.physical(conn));
    for (int i = 0; i < GROUPS_PER_BORROW; i++) {
      List<Unit<?>> group = new ArrayList<>();
      for (Unit<?> u; (u = queue.poll()) != null; ) {
        group.add(u);
      }
      if (group.isEmpty()) {
        break;
      }
      List<Object> outcomes = null;
      Throwable failure = null;
      try {
        outcomes = runGroup(sql, group, restoreSynchronous, groupLock);
      } catch (SQLException | RuntimeException e) {
        failure = e;
      }
      finished(group, outcomes, failure);
    }
    return null;
  }

  /** Settles a group's units (or hands them to the fsync) once its commit returned or failed. */
  private void finished(List<Unit<?>> group, List<Object> outcomes, Throwable failure) {
    groups.incrementAndGet();
    units.addAndGet(group.size());
    List<Ran> awaiting = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      Object outcome = failure == null ? outcomes.get(i) : failure;
      if (outcome == SETTLED) {
        continue; // a unit settled early keeps its outcome
      }
      if (failure == null && syncer != null) {
        awaiting.add(new Ran(group.get(i), outcome));
      } else {
        settle(group.get(i), outcome);
      }
    }
    if (!awaiting.isEmpty()) {
      awaitingSync.add(awaiting);
      sync();
    }
    if (failure != null) {
      // Units settled early had their callers go on; the database no longer holds what they did.
      LOG.error("group commit failed, its units are undone [units: {}, settled early: {}, reason: {}]",
          group.size(), group.stream().filter(Unit::early).count(), failure.getMessage());
    }
  }

  /** One fsync for every group committed since the last one began; then their units complete. */
  private void sync() {
    if (!syncing.compareAndSet(false, true)) {
      return;
    }
    List<Ran> batch = new ArrayList<>();
    for (List<Ran> g; (g = awaitingSync.poll()) != null; ) {
      batch.addAll(g);
    }
    if (batch.isEmpty()) {
      syncing.set(false);
      if (!awaitingSync.isEmpty()) {
        sync();
      }
      return;
    }
    vertx.executeBlocking(() -> {
      syncer.sync();
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("write-ahead log not synced, committed units fail [units: {}, reason: {}]", batch.size(),
            ar.cause().getMessage());
      }
      batch.forEach(ran -> settle(ran.unit(), ar.succeeded() ? ran.outcome() : ar.cause()));
      syncing.set(false);
      sync();
    });
  }

  /** The statement cache for {@code connection}; runs on the group's worker thread. */
  private Sql sqlFor(Connection connection) throws SQLException {
    // A connection the pool closed leaves its entry; its statements went with it.
    statements.keySet().removeIf(c -> {
      try {
        return c.isClosed();
      } catch (SQLException e) {
        return true;
      }
    });
    return statements.computeIfAbsent(connection, Sql::new);
  }

  /** Runs the group in one transaction; per unit, its result or the exception that failed it. */
  private static List<Object> runGroup(Sql sql, List<Unit<?>> group, String restoreSynchronous, String groupLock)
      throws SQLException {
    Connection connection = sql.connection();
    List<Object> outcomes = new ArrayList<>(group.size());
    if (restoreSynchronous != null) {
      pragma(connection, "PRAGMA synchronous = NORMAL");
    }
    connection.setAutoCommit(false);
    try {
      if (groupLock != null) {
        pragma(connection, groupLock);
      }
      for (Unit<?> unit : group) {
        Object outcome = null;
        for (int attempt = 1; outcome == null; attempt++) {
          Savepoint savepoint = connection.setSavepoint();
          try {
            outcome = new Ok(unit.work().run(sql));
            connection.releaseSavepoint(savepoint);
          } catch (Exception e) {
            connection.rollback(savepoint);
            connection.releaseSavepoint(savepoint);
            // Aborted as a deadlock with another transaction (not a group, which waits for the group
            // lock): the savepoint's locks are gone, so the other went on; the unit runs once more.
            outcome = attempt < MAX_ATTEMPTS && deadlock(e) ? null : e;
          }
        }
        if (unit.early()) {
          settle(unit, outcome);
          outcome = SETTLED;
        }
        outcomes.add(outcome);
      }
      connection.commit();
      return outcomes;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
      if (restoreSynchronous != null) {
        pragma(connection, restoreSynchronous);
      }
    }
  }

  /** Runs of one unit when PostgreSQL aborts it as a deadlock victim. */
  private static final int MAX_ATTEMPTS = 3;

  private static boolean deadlock(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  private static void pragma(Connection connection, String statement) throws SQLException {
    try (var st = connection.createStatement()) {
      st.execute(statement);
    }
  }

  /** A unit's successful result (which may itself be null or an exception-typed value). */
  private record Ok(Object value) {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void settle(Unit<?> unit, Object outcome) {
    Promise promise = unit.promise();
    unit.context().runOnContext(v -> {
      if (outcome instanceof Ok ok) {
        promise.tryComplete(ok.value());
      } else {
        promise.tryFail((Throwable) outcome);
      }
    });
  }
}
