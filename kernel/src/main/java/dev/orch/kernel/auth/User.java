package dev.orch.kernel.auth;

import io.vertx.sqlclient.Row;

/** A row of {@code users}. {@code passwordHash} is null for accounts that sign in through OIDC only. */
public record User(
    String id,
    String email,
    String passwordHash,
    String displayName,
    String role,
    boolean active,
    double createdAt,
    Double lastLoginAt) {

  public static final String ADMIN = "admin";
  public static final String USER = "user";

  public boolean admin() {
    return ADMIN.equals(role);
  }

  static User from(Row row) {
    return new User(row.getString("id"), row.getString("email"), row.getString("password_hash"),
        row.getString("display_name"), row.getString("role"), row.getInteger("is_active") != 0,
        row.getDouble("created_at"), row.getDouble("last_login_at"));
  }

  /** Never prints the password hash. */
  @Override
  public String toString() {
    return "User[id=" + id + ", role=" + role + ", active=" + active + "]";
  }
}
