package dev.orch.kernel.auth;

import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The {@code users} table. */
public final class UserRepository {
  private static final String COLUMNS =
      "id, email, password_hash, display_name, role, is_active, created_at, last_login_at";
  private static final String BY_ID = "SELECT " + COLUMNS + " FROM users WHERE id = ?";
  private static final String BY_EMAIL = "SELECT " + COLUMNS + " FROM users WHERE email = ?";
  private static final String ANY_USER = "SELECT id FROM users LIMIT 1";
  private static final String INSERT = "INSERT INTO users (id, email, password_hash, display_name, role, is_active,"
      + " created_at) VALUES (?, ?, ?, ?, ?, 1, ?)";
  private static final String TOUCH_LOGIN = "UPDATE users SET last_login_at = ? WHERE id = ?";
  private static final String SET_ROLE = "UPDATE users SET role = ? WHERE id = ?";
  private static final String SET_ACTIVE = "UPDATE users SET is_active = ? WHERE id = ?";
  private static final String ACTIVE_ADMINS = "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND is_active = 1";
  private static final String LIST_WITH_PROJECTS = "SELECT " + COLUMNS + ", (SELECT COUNT(*) FROM projects p"
      + " WHERE p.owner_id = users.id) AS project_count FROM users ORDER BY created_at DESC, id LIMIT ? OFFSET ?";
  private static final String PROJECT_COUNT = "SELECT COUNT(*) AS n FROM projects WHERE owner_id = ?";

  private final Db db;

  public UserRepository(Db db) {
    this.db = db;
  }

  public Future<User> byId(SqlClient client, String id) {
    return client.preparedQuery(BY_ID).execute(Tuple.of(id)).map(UserRepository::first);
  }

  public Future<User> byId(String id) {
    return byId(db.reads(), id);
  }

  public Future<User> byEmail(SqlClient client, String email) {
    return client.preparedQuery(BY_EMAIL).execute(Tuple.of(email)).map(UserRepository::first);
  }

  public Future<User> byEmail(String email) {
    return byEmail(db.client(), email);
  }

  /**
   * Inserts a user whose role is {@code admin} when the table was empty, else {@code user}. The
   * caller runs this inside {@link Db#serialized} on {@code users}, so two racing first accounts
   * yield exactly one admin.
   *
   * @return the stored user, or null when the email is taken
   */
  public Future<User> insertFirstIsAdmin(SqlClient tx, String id, String email, String passwordHash,
      String displayName, double now) {
    return byEmail(tx, email).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture(null);
      }
      return tx.query(ANY_USER).execute().compose(rows -> {
        String role = rows.size() == 0 ? User.ADMIN : User.USER;
        return tx.preparedQuery(INSERT).execute(Tuple.of(id, email, passwordHash, displayName, role, now))
            .map(ignored -> new User(id, email, passwordHash, displayName, role, true, now, null));
      });
    });
  }

  public Future<Void> touchLogin(SqlClient client, String id, double now) {
    return client.preparedQuery(TOUCH_LOGIN).execute(Tuple.of(now, id)).mapEmpty();
  }

  public Future<Void> setRole(SqlClient client, String id, String role) {
    return client.preparedQuery(SET_ROLE).execute(Tuple.of(role, id)).mapEmpty();
  }

  public Future<Void> setActive(SqlClient client, String id, boolean active) {
    return client.preparedQuery(SET_ACTIVE).execute(Tuple.of(active ? 1 : 0, id)).mapEmpty();
  }

  public Future<Long> activeAdmins(SqlClient client) {
    return client.query(ACTIVE_ADMINS).execute().map(rows -> rows.iterator().next().getLong("n"));
  }

  public Future<Long> projectCount(SqlClient client, String id) {
    return client.preparedQuery(PROJECT_COUNT).execute(Tuple.of(id)).map(rows -> rows.iterator().next().getLong("n"));
  }

  /** Users newest first, each with the number of projects it owns. */
  public Future<List<UserWithProjects>> listWithProjects(int limit, int offset) {
    return db.client().preparedQuery(LIST_WITH_PROJECTS).execute(Tuple.of(limit, offset)).map(rows -> {
      List<UserWithProjects> out = new ArrayList<>();
      rows.forEach(row -> out.add(new UserWithProjects(User.from(row), row.getLong("project_count"))));
      return out;
    });
  }

  /** A user and how many projects it owns. */
  public record UserWithProjects(User user, long projectCount) {}

  private static User first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? User.from(it.next()) : null;
  }
}
