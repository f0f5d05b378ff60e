package dev.orch.kernel.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hand-built JWTs for forgery tests, independent of the library under test. */
final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {}

  static String hs(String alg, String secret, JsonObject claims) {
    String signingInput = part(new JsonObject().put("alg", alg).put("typ", "JWT")) + "." + part(claims);
    try {
      String javaAlg = switch (alg) {
        case "HS256" -> "HmacSHA256";
        case "HS384" -> "HmacSHA384";
        default -> "HmacSHA512";
      };
      Mac mac = Mac.getInstance(javaAlg);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), javaAlg));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String none(JsonObject claims) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims) + ".";
  }

  private static String part(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
