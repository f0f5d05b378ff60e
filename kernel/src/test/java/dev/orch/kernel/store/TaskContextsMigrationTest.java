package dev.orch.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** V007 moves every task's context out of the task row: an upgraded database keeps them all. */
class TaskContextsMigrationTest {
  @TempDir Path dir;

  private Flyway flyway(String url, String target) {
    return Flyway.configure(Db.class.getClassLoader()).locations("classpath:db/migration")
        .placeholders(Dialect.SQLITE.placeholders()).dataSource(url, null, null).target(target).load();
  }

  @Test
  @DisplayName("a database from before V007 keeps each task's context, and tasks without one read as []")
  void contextsSurviveTheMove() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("orch.db");
    flyway(url, "6").migrate();
    try (Connection c = DriverManager.getConnection(url)) {
      String insert = "INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, context_json,"
          + " created_at, updated_at) VALUES (?, 'p1', 'plan1', 't', 'd', 'code', ?, 1, 1)";
      try (var st = c.prepareStatement(insert)) {
        st.setString(1, "t1");
        st.setString(2, "[{\"type\":\"sibling_tasks\",\"content\":\"- A: a\\n- B: b\"}]");
        st.executeUpdate();
        st.setString(1, "t2");
        st.setString(2, null);
        st.executeUpdate();
      }
    }
    flyway(url, "latest").migrate();
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT task_id, context_json FROM task_contexts ORDER BY task_id")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("task_id")).isEqualTo("t1");
      assertThat(rs.getString("context_json")).isEqualTo("[{\"type\":\"sibling_tasks\",\"content\":\"- A: a\\n- B: b\"}]");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("task_id")).isEqualTo("t2");
      assertThat(rs.getString("context_json")).isEqualTo("[]");
      assertThat(rs.next()).isFalse();
    }
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pragma_table_info('tasks')"
            + " WHERE name = 'context_json'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("the wide column is gone from the task row").isZero();
    }
  }
}
