package dev.orch.kernel.store;

import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The database: a pool over SQLite (one connection, since SQLite has one writer) or PostgreSQL,
 * with the schema brought up to date by Flyway before the pool opens.
 */
public final class Db {
  private static final Logger LOG = LoggerFactory.getLogger(Db.class);
  /**
   * The PostgreSQL driver's timeouts unless the URL sets its own: a connection attempt gives up after
   * 5 s, a statement whose answer does not come in 60 s fails (and its connection is replaced), so a
   * database that stops answering without closing connections cannot hold the pool forever.
   */
  private static final java.util.Properties PG_TIMEOUTS = new java.util.Properties();
  /** The transaction-wide advisory lock every PostgreSQL group commit takes first (any fixed number). */
  private static final String GROUP_LOCK = "SELECT pg_advisory_xact_lock(4207311)";

  static {
    PG_TIMEOUTS.setProperty("connectTimeout", "5");
    PG_TIMEOUTS.setProperty("socketTimeout", "60");
  }

  private final Pool pool;
  private final Pool reads;
  private final Dialect dialect;
  private final GroupCommit group;
  private final WalCheckpointer checkpointer;

  private Db(Pool pool, Pool reads, Dialect dialect, GroupCommit group, WalCheckpointer checkpointer) {
    this.pool = pool;
    this.reads = reads;
    this.dialect = dialect;
    this.group = group;
    this.checkpointer = checkpointer;
  }

  /** Migrates the schema (on a worker thread) and opens the pool. */
  public static Future<Db> open(Vertx vertx, OrchConfig.Db config) {
    return vertx.executeBlocking(() -> migrate(config))
        .compose(dataSource -> {
          if (dataSource != null) {
            boolean file = sqliteFile(config) != null;
            Pool sqlite = JDBCPool.pool(vertx, new AutoCommitRestoring(() -> {
              Connection c = dataSource.getConnection();
              if (file) {
                try (var st = c.createStatement()) {
                  st.execute("PRAGMA wal_autocheckpoint = 0"); // the WalCheckpointer's job
                }
              }
              return c;
            }), new PoolOptions().setMaxSize(1));
            Future<WalCheckpointer> checkpointer = file ? WalCheckpointer.start(vertx, dataSource)
                : Future.succeededFuture(null);
            // In WAL mode readers run beside the one writer: reads get connections of their own. An
            // in-memory database is private to its connection, so there reads share the writer's.
            Pool reads = file ? VertxJdbcInternals.poolWithoutGeneratedKeys(vertx, new AutoCommitRestoring(() -> {
              Connection c = dataSource.getConnection();
              try (var st = c.createStatement()) {
                st.execute("PRAGMA query_only = ON");
              }
              return SqliteReads.of(c);
            }), new PoolOptions().setMaxSize(config.maxPoolSize())) : sqlite;
            return checkpointer.map(cp -> new Db(sqlite, reads, Dialect.SQLITE, sqliteGroupCommit(vertx, sqlite, config),
                cp));
          }
          Pool pg = JDBCPool.pool(vertx, new AutoCommitRestoring(() -> DriverManager.getConnection(config.url(),
              PG_TIMEOUTS), true), new PoolOptions().setMaxSize(config.maxPoolSize()));
          return Future.succeededFuture(new Db(pg, pg, Dialect.POSTGRES,
              GroupCommit.serializedAcrossNodes(vertx, pg, GROUP_LOCK), null));
        });
  }

  /** Runs the migrations; returns the SQLite data source to pool, or null for PostgreSQL. */
  private static DataSource migrate(OrchConfig.Db config) {
    Dialect dialect = config.postgres() ? Dialect.POSTGRES : Dialect.SQLITE;
    var flyway = Flyway.configure(Db.class.getClassLoader())
        .locations("classpath:db/migration")
        .placeholders(dialect.placeholders())
        .failOnMissingLocations(true);
    SQLiteDataSource sqlite = null;
    if (dialect == Dialect.SQLITE) {
      sqlite = sqliteDataSource(config);
      flyway.dataSource(sqlite);
    } else {
      flyway.dataSource(config.url(), null, null);
      String schema = PgUrls.currentSchema(config.url());
      if (schema != null) {
        flyway.schemas(schema).createSchemas(true);
      }
    }
    Flyway loaded = flyway.load();
    var result = loaded.migrate();
    var current = loaded.info().current();
    LOG.info("database ready [dialect: {}, migrations applied: {}, schema version: {}]",
        dialect, result.migrationsExecuted, current == null ? "none" : current.getVersion());
    return sqlite;
  }

  private static SQLiteDataSource sqliteDataSource(OrchConfig.Db config) {
    Path file = sqliteFile(config);
    if (file != null) {
      Path parent = file.getParent();
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the database folder " + parent, e);
      }
    }
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.synchronous()));
    sqlite.enforceForeignKeys(true);
    sqlite.setBusyTimeout(config.busyTimeoutMs());
    // Sorts and groupings in memory, not in temporary files; a page cache that holds a busy
    // database's task rows (their contexts carry forwarded outputs), and reads by memory map.
    sqlite.setTempStore(SQLiteConfig.TempStore.MEMORY);
    sqlite.setCacheSize(-64 * 1024);
    sqlite.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, String.valueOf(256L * 1024 * 1024));
    SQLiteDataSource ds = new SQLiteDataSource(sqlite);
    ds.setUrl(config.url());
    return ds;
  }

  /**
   * With {@code synchronous} FULL or EXTRA on a database file, group commits fsync the write-ahead
   * log themselves, after the commit, so the connection is not held through the fsync (see
   * {@link GroupCommit.Syncer}). The file is opened per fsync: SQLite may replace the log file when
   * its last connection closes, and a held channel would then sync the old one.
   */
  private static GroupCommit sqliteGroupCommit(Vertx vertx, Pool pool, OrchConfig.Db config) {
    boolean full = config.synchronous().equals("FULL") || config.synchronous().equals("EXTRA");
    Path file = sqliteFile(config);
    if (!full || file == null) {
      return new GroupCommit(vertx, pool);
    }
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    return new GroupCommit(vertx, pool, () -> {
      try (FileChannel log = FileChannel.open(wal, StandardOpenOption.WRITE)) {
        log.force(false);
      }
    }, config.synchronous());
  }

  /** The SQLite database file named by path, absolute; null in memory or for a {@code file:} URI. */
  private static Path sqliteFile(OrchConfig.Db config) {
    String file = config.url().substring("jdbc:sqlite:".length());
    return file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:") ? null
        : Path.of(file).toAbsolutePath();
  }

  public Pool pool() {
    return pool;
  }

  public Dialect dialect() {
    return dialect;
  }

  /**
   * Runs {@code work} in one transaction, first taking the dialect's write lock on {@code table}
   * when the dialect needs one to serialise check-then-insert sequences.
   */
  public <T> Future<T> serialized(String table, Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(conn -> {
      String lock = dialect.lockTable(table);
      return lock == null ? work.apply(conn) : conn.query(lock).execute().compose(ignored -> work.apply(conn));
    });
  }

  /** The group committer for the hot path's writes (see {@link GroupCommit}). */
  public GroupCommit group() {
    return group;
  }

  /** The plain client for single statements. */
  public SqlClient client() {
    return pool;
  }

  /**
   * The client for reads that need not see writes still in flight: on SQLite, read-only connections
   * beside the writer (each read sees the last commit); on PostgreSQL, the same pool. A write whose
   * future has completed is visible here, except a group-commit unit completed before its commit
   * ({@link GroupCommit#submitVisible}, for reads only).
   */
  public SqlClient reads() {
    return reads;
  }

  /** Closes the pool once every unit already submitted to the group commit is durable. */
  public Future<Void> close() {
    // Group commits land in order: once a last empty unit is durable, so is everything before it.
    return group.submit(sql -> null).transform(flushed -> reads == pool ? pool.close()
            : Future.join(reads.close(), pool.close()).<Void>mapEmpty())
        .transform(closed -> checkpointer == null ? Future.<Void>succeededFuture() : checkpointer.stop());
  }
}
