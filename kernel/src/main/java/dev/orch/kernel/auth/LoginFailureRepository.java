package dev.orch.kernel.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Login lockout counters (API.md §5.4), per email, in the database so they hold across restarts and
 * cluster nodes. A window starts at the first failure; the row of an expired window is reset by the
 * next failure, and swept on the way.
 */
final class LoginFailureRepository {
  private static final String GET = "SELECT failures, first_failure_at FROM login_failures WHERE email = ?";
  private static final String RECORD = "INSERT INTO login_failures (email, failures, first_failure_at) VALUES (?, 1, ?)"
      + " ON CONFLICT (email) DO UPDATE SET"
      + " failures = CASE WHEN login_failures.first_failure_at <= ? THEN 1 ELSE login_failures.failures + 1 END,"
      + " first_failure_at = CASE WHEN login_failures.first_failure_at <= ? THEN excluded.first_failure_at"
      + " ELSE login_failures.first_failure_at END";
  private static final String CLEAR = "DELETE FROM login_failures WHERE email = ?";
  private static final String SWEEP = "DELETE FROM login_failures WHERE first_failure_at <= ?";

  /** True when {@code threshold} failures fell inside the window that is still open at {@code now}. */
  Future<Boolean> locked(SqlClient client, String email, double now, int threshold, long windowSeconds) {
    return client.preparedQuery(GET).execute(Tuple.of(email)).map(rows -> {
      if (rows.size() == 0) {
        return false;
      }
      var row = rows.iterator().next();
      return row.getInteger("failures") >= threshold && now < row.getDouble("first_failure_at") + windowSeconds;
    });
  }

  Future<Void> recordFailure(SqlClient client, String email, double now, long windowSeconds) {
    double expiredBefore = now - windowSeconds;
    return client.preparedQuery(RECORD).execute(Tuple.of(email, now, expiredBefore, expiredBefore))
        .compose(ignored -> client.preparedQuery(SWEEP).execute(Tuple.of(expiredBefore)))
        .mapEmpty();
  }

  Future<Void> clear(SqlClient client, String email) {
    return client.preparedQuery(CLEAR).execute(Tuple.of(email)).mapEmpty();
  }
}
