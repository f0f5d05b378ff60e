package dev.orch.kernel.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The {@code user_identities} table: OIDC accounts linked to users. */
final class IdentityRepository {
  private static final String PROVIDERS = "SELECT provider FROM user_identities WHERE user_id = ? ORDER BY created_at, id";
  private static final String LIST = "SELECT provider, provider_email, created_at FROM user_identities"
      + " WHERE user_id = ? ORDER BY created_at, id";
  private static final String OWNER = "SELECT user_id FROM user_identities WHERE provider = ? AND provider_user_id = ?";
  private static final String FOR_USER = "SELECT id FROM user_identities WHERE user_id = ? AND provider = ?";
  private static final String INSERT = "INSERT INTO user_identities (id, user_id, provider, provider_user_id,"
      + " provider_email, created_at) VALUES (?, ?, ?, ?, ?, ?)";
  private static final String DELETE = "DELETE FROM user_identities WHERE user_id = ? AND provider = ?";
  private static final String COUNT = "SELECT COUNT(*) AS n FROM user_identities WHERE user_id = ?";

  Future<List<String>> providers(SqlClient client, String userId) {
    return client.preparedQuery(PROVIDERS).execute(Tuple.of(userId)).map(rows -> {
      List<String> out = new ArrayList<>();
      rows.forEach(row -> out.add(row.getString("provider")));
      return out;
    });
  }

  Future<JsonArray> list(SqlClient client, String userId) {
    return client.preparedQuery(LIST).execute(Tuple.of(userId)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new JsonObject().put("provider", row.getString("provider"))
            .put("provider_email", row.getString("provider_email"))
            .put("created_at", row.getDouble("created_at")));
      }
      return out;
    });
  }

  /** The user linked to (provider, subject), or null. */
  Future<String> owner(SqlClient client, String provider, String subject) {
    return client.preparedQuery(OWNER).execute(Tuple.of(provider, subject))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("user_id"));
  }

  Future<Boolean> linked(SqlClient client, String userId, String provider) {
    return client.preparedQuery(FOR_USER).execute(Tuple.of(userId, provider)).map(rows -> rows.size() > 0);
  }

  Future<Void> insert(SqlClient client, String id, String userId, String provider, String subject, String email,
      double now) {
    return client.preparedQuery(INSERT).execute(Tuple.of(id, userId, provider, subject, email, now)).mapEmpty();
  }

  Future<Boolean> delete(SqlClient client, String userId, String provider) {
    return client.preparedQuery(DELETE).execute(Tuple.of(userId, provider)).map(rows -> rows.rowCount() > 0);
  }

  Future<Long> count(SqlClient client, String userId) {
    return client.preparedQuery(COUNT).execute(Tuple.of(userId)).map(rows -> rows.iterator().next().getLong("n"));
  }
}
