package dev.orch.kernel.auth;

import java.util.Locale;
import java.util.regex.Pattern;

/** The one syntax rule for email addresses, for registration and for what an OIDC provider asserts. */
public final class EmailAddress {
  // Syntactic check only (no DNS): a dot-atom local part and a dotted domain of LDH labels.
  private static final Pattern EMAIL = Pattern.compile(
      "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
          + "@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$");
  private static final int MAX_LENGTH = 320;

  private EmailAddress() {}

  /** True for a syntactically valid address of at most 320 characters, already trimmed. */
  public static boolean valid(String email) {
    return email != null && email.length() <= MAX_LENGTH && EMAIL.matcher(email).matches();
  }

  /** A valid address with its domain in lower case. */
  public static String normalised(String email) {
    int at = email.lastIndexOf('@');
    return email.substring(0, at) + "@" + email.substring(at + 1).toLowerCase(Locale.ROOT);
  }
}
