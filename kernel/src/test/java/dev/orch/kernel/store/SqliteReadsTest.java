package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import org.apache.commons.dbcp2.DelegatingStatement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteReadsTest {
  private static final String COUNT = "SELECT COUNT(*) AS n FROM probe WHERE x > ?";
  @TempDir Path dir;
  Connection writer;
  Connection reader;

  @BeforeEach
  void open() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("reads.db");
    writer = DriverManager.getConnection(url);
    try (var st = writer.createStatement()) {
      st.execute("PRAGMA journal_mode = WAL");
      st.execute("CREATE TABLE probe (x INTEGER)");
    }
    reader = SqliteReads.of(DriverManager.getConnection(url));
  }

  @AfterEach
  void close() throws Exception {
    reader.close();
    writer.close();
  }

  private long count(PreparedStatement statement) throws Exception {
    statement.setInt(1, 0);
    statement.execute();
    try (ResultSet rs = statement.getResultSet()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void insert(int x) throws Exception {
    try (var st = writer.createStatement()) {
      st.execute("INSERT INTO probe VALUES (" + x + ")");
    }
  }

  @Test
  @DisplayName("a statement closed after its run is handed out again, not prepared anew")
  void statementsAreKept() throws Exception {
    Object first;
    try (PreparedStatement statement = reader.prepareStatement(COUNT)) {
      first = ((DelegatingStatement) statement).getInnermostDelegate();
      count(statement);
    }
    try (PreparedStatement statement = reader.prepareStatement(COUNT)) {
      assertThat(((DelegatingStatement) statement).getInnermostDelegate()).isSameAs(first);
    }
    try (PreparedStatement other = reader.prepareStatement("SELECT x FROM probe")) {
      assertThat(((DelegatingStatement) other).getInnermostDelegate()).isNotSameAs(first);
    }
  }

  @Test
  @DisplayName("a kept statement sees what another connection committed since its last run, and holds no snapshot")
  void keptStatementsReadTheLastCommit() throws Exception {
    for (int i = 1; i <= 3; i++) {
      insert(i);
      try (PreparedStatement statement = reader.prepareStatement(COUNT)) {
        assertThat(count(statement)).isEqualTo(i);
      }
    }
    // A reader holding a snapshot would keep the checkpoint from resetting the log.
    try (var st = writer.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      rs.next();
      assertThat(rs.getInt(1)).as("checkpoint not blocked by a reader").isZero();
    }
  }

  @Test
  @DisplayName("result sets name their columns and leave out the types the decoder does not use")
  void resultSetsNameTheirColumns() throws Exception {
    insert(5);
    try (PreparedStatement statement = reader.prepareStatement("SELECT x, x * 2 AS twice FROM probe")) {
      statement.execute();
      try (ResultSet rs = statement.getResultSet()) {
        var meta = rs.getMetaData();
        assertThat(meta.getColumnCount()).isEqualTo(2);
        assertThat(meta.getColumnLabel(2)).isEqualTo("twice");
        assertThat(meta.getColumnType(1)).isEqualTo(Types.OTHER);
        assertThat(meta.getColumnClassName(1)).isNull();
        assertThat(rs.next()).isTrue();
        assertThat(rs.getObject(2)).isEqualTo(10);
      }
    }
  }
}
