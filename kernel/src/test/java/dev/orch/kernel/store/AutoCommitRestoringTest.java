package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pooled connection's autocommit repair (vert-x3/vertx-jdbc-client#356): the "autocommit off" the
 * client sends right after ending a transaction becomes "on", whether the end succeeded or failed.
 * Failures are real SQLite ones: a deferred foreign key fails the commit, and a rollback outside a
 * transaction is refused.
 */
class AutoCommitRestoringTest {
  @TempDir Path dir;
  final AtomicReference<Connection> physical = new AtomicReference<>();
  Connection pooled;

  @BeforeEach
  void open() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("probe.db");
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
      st.execute("CREATE TABLE child (id TEXT, parent_id TEXT REFERENCES parent(id))");
    }
    pooled = new AutoCommitRestoring(() -> {
      Connection c = DriverManager.getConnection(url);
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA foreign_keys = ON");
      }
      physical.set(c);
      return c;
    }).getConnection();
  }

  @Test
  @DisplayName("after a commit the client's autocommit-off turns autocommit back on")
  void afterCommit() throws SQLException {
    pooled.setAutoCommit(false);
    pooled.createStatement().execute("INSERT INTO parent VALUES ('p')");
    pooled.commit();
    pooled.setAutoCommit(false);

    assertThat(physical.get().getAutoCommit()).isTrue();
  }

  @Test
  @DisplayName("after a commit that failed, autocommit is still restored and the failed transaction is undone")
  void afterFailedCommit() throws SQLException {
    pooled.setAutoCommit(false);
    try (Statement st = pooled.createStatement()) {
      st.execute("PRAGMA defer_foreign_keys = ON");
      st.execute("INSERT INTO child VALUES ('c', 'missing')");
    }
    // The client's transaction end: commit, then autocommit off in a finally.
    assertThatThrownBy(pooled::commit).isInstanceOf(SQLException.class).hasMessageContaining("FOREIGN KEY");
    pooled.setAutoCommit(false);

    assertThat(physical.get().getAutoCommit()).isTrue();
    try (var rs = physical.get().createStatement().executeQuery("SELECT COUNT(*) FROM child")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  @DisplayName("after a rollback that failed, autocommit is still restored")
  void afterFailedRollback() throws SQLException {
    assertThatThrownBy(pooled::rollback).isInstanceOf(SQLException.class);
    pooled.setAutoCommit(false);

    assertThat(physical.get().getAutoCommit()).isTrue();
  }

  @Test
  @DisplayName("an autocommit-off that does not follow the end of a transaction is obeyed")
  void plainAutoCommitOff() throws SQLException {
    pooled.setAutoCommit(false);

    assertThat(physical.get().getAutoCommit()).isFalse();
  }

  /** A pooled connection over {@code url} that replaces a closed physical connection; opened ones in order. */
  private Connection reopening(String url, java.util.List<Connection> opened) throws SQLException {
    return new AutoCommitRestoring(() -> {
      Connection c = DriverManager.getConnection(url);
      opened.add(c);
      return c;
    }, true).getConnection();
  }

  @Test
  @DisplayName("a connection closed under the pool (the database went away) is replaced at the next statement")
  void closedConnectionReplaced() throws SQLException {
    var opened = new java.util.ArrayList<Connection>();
    Connection c = reopening("jdbc:sqlite:" + dir.resolve("probe.db"), opened);
    opened.get(0).close();

    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO parent VALUES ('after')");
    }

    assertThat(opened).hasSize(2);
    assertThat(c.isClosed()).isFalse();
  }

  @Test
  @DisplayName("inside a transaction a closed connection is not replaced: the transaction fails, the next one gets a new connection")
  void notReplacedInsideATransaction() throws SQLException {
    var opened = new java.util.ArrayList<Connection>();
    Connection c = reopening("jdbc:sqlite:" + dir.resolve("probe.db"), opened);
    c.setAutoCommit(false);
    c.createStatement().execute("INSERT INTO parent VALUES ('lost')");
    opened.get(0).close();

    assertThatThrownBy(() -> c.createStatement()).isInstanceOf(SQLException.class);
    assertThatThrownBy(c::rollback).isInstanceOf(SQLException.class);
    c.setAutoCommit(false); // the client's next begin: autocommit comes back on, on a new connection
    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO parent VALUES ('next')");
    }

    assertThat(opened).hasSize(2);
    try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT id FROM parent ORDER BY id")) {
      java.util.List<String> ids = new java.util.ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      assertThat(ids).containsExactly("next");
    }
  }
}
