package dev.orch.kernel.model;

import java.util.Locale;

/** A model tier (API.md §11.1); the wire name is the lower-case constant name, as in {@code model_tier}. */
public enum Tier {
  HAIKU, SONNET, OPUS, OLLAMA;

  /** The name used in JSON and config keys, e.g. {@code haiku}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; fails with {@link IllegalArgumentException} for an unknown one. */
  public static Tier parse(String wire) {
    return valueOf(wire.trim().toUpperCase(Locale.ROOT));
  }
}
