package dev.orch.kernel.config;

import java.util.List;

/**
 * One configured OpenID Connect provider (API.md §5.7).
 *
 * @param name the id used in paths, {@code /auth/oidc/{name}/login}
 * @param displayName shown on the login page; defaults to the name
 * @param issuer base URL; discovery is {@code {issuer}/.well-known/openid-configuration}
 * @param scopes requested scopes, default {@code openid email profile}
 * @param autoLinkByEmail link a first sign-in to an existing user with the same email
 */
public record OidcProviderConfig(
    String name,
    String displayName,
    String issuer,
    String clientId,
    String clientSecret,
    List<String> scopes,
    boolean autoLinkByEmail) {

  /** Keeps the secret out of logs and exception messages. */
  @Override
  public String toString() {
    return "OidcProviderConfig[name=" + name + ", issuer=" + issuer + "]";
  }
}
