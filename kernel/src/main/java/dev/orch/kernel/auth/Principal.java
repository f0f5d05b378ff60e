package dev.orch.kernel.auth;

/**
 * The authenticated caller of one request, re-read from the database on every request so role and
 * active changes apply at once (API.md §3.12).
 *
 * @param viaApiKey the request used an API key rather than a JWT
 */
public record Principal(User user, boolean viaApiKey) {
  public String id() {
    return user.id();
  }

  public boolean admin() {
    return user.admin();
  }
}
