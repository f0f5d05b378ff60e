package dev.orch.kernel.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** The {@code refresh_token_families} table: one row per issued refresh token (API.md §5.2). */
final class RefreshTokenRepository {
  private static final String INSERT = "INSERT INTO refresh_token_families (id, user_id, family_id, token_hash,"
      + " is_revoked, created_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?)";
  // Compare-and-set: exactly one of two concurrent refreshes with the same token wins.
  private static final String CONSUME = "UPDATE refresh_token_families SET is_revoked = 1"
      + " WHERE token_hash = ? AND is_revoked = 0";
  private static final String EXISTS = "SELECT family_id FROM refresh_token_families WHERE token_hash = ?";
  private static final String REVOKE_FAMILY = "UPDATE refresh_token_families SET is_revoked = 1 WHERE family_id = ?";

  Future<Void> insert(SqlClient client, String id, String userId, String familyId, String tokenHash,
      double now, double expiresAt) {
    return client.preparedQuery(INSERT).execute(Tuple.of(id, userId, familyId, tokenHash, now, expiresAt)).mapEmpty();
  }

  /** Marks the token used; true when this call was the one that consumed it. */
  Future<Boolean> consume(SqlClient client, String tokenHash) {
    return client.preparedQuery(CONSUME).execute(Tuple.of(tokenHash)).map(rows -> rows.rowCount() == 1);
  }

  Future<Boolean> known(SqlClient client, String tokenHash) {
    return client.preparedQuery(EXISTS).execute(Tuple.of(tokenHash)).map(rows -> rows.size() > 0);
  }

  Future<Void> revokeFamily(SqlClient client, String familyId) {
    return client.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(familyId)).mapEmpty();
  }
}
