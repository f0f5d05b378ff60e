package dev.orch.kernel.model;

/**
 * Tokens of one model call.
 *
 * @param input uncached input tokens (Anthropic {@code input_tokens}; for OpenAI-compatible servers
 *     {@code prompt_tokens} minus the cached ones)
 * @param output generated tokens
 * @param cacheCreation input tokens written to the prompt cache (Anthropic only)
 * @param cacheRead input tokens served from the prompt cache
 * @param cacheCreation1h the part of {@code cacheCreation} written with the 1-hour lifetime (Anthropic
 *     {@code cache_creation.ephemeral_1h_input_tokens}), priced at its own rate
 */
public record Usage(long input, long output, long cacheCreation, long cacheRead, long cacheCreation1h) {
  public static final Usage ZERO = new Usage(0, 0, 0, 0);

  public Usage {
    if (input < 0 || output < 0 || cacheCreation < 0 || cacheRead < 0 || cacheCreation1h < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
    if (cacheCreation1h > cacheCreation) {
      throw new IllegalArgumentException("1-hour cache writes are part of the cache writes");
    }
  }

  /** Usage whose cache writes, if any, all have the 5-minute lifetime. */
  public Usage(long input, long output, long cacheCreation, long cacheRead) {
    this(input, output, cacheCreation, cacheRead, 0);
  }

  /** Every input token, cached or not: what the budget and usage log count as prompt tokens. */
  public long totalInput() {
    return input + cacheCreation + cacheRead;
  }

  public Usage plus(Usage other) {
    return new Usage(input + other.input, output + other.output,
        cacheCreation + other.cacheCreation, cacheRead + other.cacheRead, cacheCreation1h + other.cacheCreation1h);
  }
}
