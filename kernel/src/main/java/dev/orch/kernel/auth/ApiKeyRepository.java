package dev.orch.kernel.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** The {@code api_keys} table; only SHA-256 digests of keys are stored. */
final class ApiKeyRepository {
  private static final String INSERT = "INSERT INTO api_keys (id, key_hash, key_prefix, user_id, name, is_active,"
      + " created_at) VALUES (?, ?, ?, ?, ?, 1, ?)";
  private static final String LIST = "SELECT id, key_prefix, name, is_active, created_at, last_used_at FROM api_keys"
      + " WHERE user_id = ? ORDER BY created_at DESC, id";
  private static final String OWNED = "SELECT id FROM api_keys WHERE id = ? AND user_id = ?";
  private static final String REVOKE = "UPDATE api_keys SET is_active = 0 WHERE id = ? AND user_id = ?";
  private static final String ACTIVE_OWNER = "SELECT k.id AS key_id, u.id, u.email, u.password_hash, u.display_name,"
      + " u.role, u.is_active, u.created_at, u.last_login_at FROM api_keys k JOIN users u ON u.id = k.user_id"
      + " WHERE k.key_hash = ? AND k.is_active = 1 AND u.is_active = 1";
  private static final String TOUCH = "UPDATE api_keys SET last_used_at = ? WHERE id = ?";

  Future<Void> insert(SqlClient client, String id, String hash, String prefix, String userId, String name, double now) {
    return client.preparedQuery(INSERT).execute(Tuple.of(id, hash, prefix, userId, name, now)).mapEmpty();
  }

  /** The user's keys as {@code ApiKeyOut[]}, newest first, revoked ones included. */
  Future<JsonArray> list(SqlClient client, String userId) {
    return client.preparedQuery(LIST).execute(Tuple.of(userId)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new JsonObject()
            .put("id", row.getString("id"))
            .put("key_prefix", row.getString("key_prefix"))
            .put("name", row.getString("name"))
            .put("is_active", row.getInteger("is_active") != 0)
            .put("created_at", row.getDouble("created_at"))
            .put("last_used_at", row.getDouble("last_used_at")));
      }
      return out;
    });
  }

  /** Revokes the user's own key; false when the key is unknown or someone else's. */
  Future<Boolean> revoke(SqlClient client, String id, String userId) {
    return client.preparedQuery(OWNED).execute(Tuple.of(id, userId)).compose(rows -> rows.size() == 0
        ? Future.succeededFuture(false)
        : client.preparedQuery(REVOKE).execute(Tuple.of(id, userId)).map(true));
  }

  /** The active owner of an active key, or null; records the use. */
  Future<User> ownerOf(SqlClient client, String hash, double now) {
    return client.preparedQuery(ACTIVE_OWNER).execute(Tuple.of(hash)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row row = rows.iterator().next();
      return client.preparedQuery(TOUCH).execute(Tuple.of(now, row.getString("key_id"))).map(User.from(row));
    });
  }
}
