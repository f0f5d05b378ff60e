package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.testing.PgSchemas;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pooled PostgreSQL connections that the database dropped (a restart, an operator, a network cut). */
class DroppedConnectionsTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();
  final List<Connection> opened = new ArrayList<>();

  private Connection pooled(Duration validateAfterIdle) throws SQLException {
    String url = schemas.db().url();
    return new AutoCommitRestoring(() -> {
      Connection c = DriverManager.getConnection(url);
      opened.add(c);
      return c;
    }, true, validateAfterIdle).getConnection();
  }

  private static int backend(Connection c) throws SQLException {
    try (var st = c.createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Ends the backend as {@code pg_terminate_backend} does, and waits until it is gone. */
  private void drop(int pid) throws Exception {
    try (Connection admin = DriverManager.getConnection(schemas.db().url())) {
      try (var st = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
        st.setInt(1, pid);
        st.executeQuery().close();
      }
      for (int i = 0; i < 100; i++) {
        try (var st = admin.prepareStatement("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?")) {
          st.setInt(1, pid);
          try (var rs = st.executeQuery()) {
            rs.next();
            if (rs.getInt(1) == 0) {
              return;
            }
          }
        }
        Thread.sleep(50);
      }
      throw new AssertionError("backend " + pid + " still there");
    }
  }

  @Test
  @DisplayName("a connection dropped while it sat idle is replaced before the next statement, which succeeds")
  void idleConnectionCheckedFirst() throws Exception {
    Connection c = pooled(Duration.ZERO);
    int first = backend(c);
    drop(first);

    assertThat(backend(c)).isNotEqualTo(first);
    assertThat(opened).hasSize(2);
  }

  @Test
  @DisplayName("a connection in steady use is not checked: the statement that finds it dropped fails, the next one reconnects")
  void busyConnectionNotChecked() throws Exception {
    Connection c = pooled(Duration.ofHours(1));
    int first = backend(c);
    drop(first);

    assertThatThrownBy(() -> backend(c)).isInstanceOf(SQLException.class);
    assertThat(backend(c)).isNotEqualTo(first);
    assertThat(opened).hasSize(2);
  }
}
