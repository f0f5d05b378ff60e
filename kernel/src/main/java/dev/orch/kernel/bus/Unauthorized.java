package dev.orch.kernel.bus;


/**
 * A 401. {@code challenge} adds {@code WWW-Authenticate: Bearer}, which the contract sends for
 * missing credentials and bad tokens but not for a wrong token type or a disabled user.
 */
public final class Unauthorized extends OrchestratorException {
  private final boolean challenge;

  public Unauthorized(String message, boolean challenge) {
    super(401, message);
    this.challenge = challenge;
  }

  public boolean challenge() {
    return challenge;
  }
}
