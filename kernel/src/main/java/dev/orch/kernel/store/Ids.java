package dev.orch.kernel.store;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/** Identifier formats of API.md §1.2. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private Ids() {}

  /** 12 lowercase hex chars: projects, plans, tasks, checkpoints, findings, request ids. */
  public static String short12() {
    return hex(6);
  }

  /** 32 lowercase hex chars: API key ids, refresh records and families, JWT ids. */
  public static String hex32() {
    return hex(16);
  }

  /** A canonical random UUID: users and OIDC identities. */
  public static String uuid() {
    return UUID.randomUUID().toString();
  }

  /** {@code bytes} random bytes as lowercase hex. */
  public static String hex(int bytes) {
    byte[] buf = new byte[bytes];
    RANDOM.nextBytes(buf);
    return HEX.formatHex(buf);
  }
}
