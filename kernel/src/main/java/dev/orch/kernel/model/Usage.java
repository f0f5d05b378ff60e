package dev.orch.kernel.model;

/**
 * Tokens of one model call.
 *
 * @param input uncached input tokens (Anthropic {@code input_tokens}; for OpenAI-compatible servers
 *     {@code prompt_tokens} minus the cached ones)
 * @param output generated tokens
 * @param cacheCreation input tokens written to the prompt cache (Anthropic only)
 * @param cacheRead input tokens served from the prompt cache
 */
public record Usage(long input, long output, long cacheCreation, long cacheRead) {
  public static final Usage ZERO = new Usage(0, 0, 0, 0);

  public Usage {
    if (input < 0 || output < 0 || cacheCreation < 0 || cacheRead < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
  }

  /** Every input token, cached or not: what the budget and usage log count as prompt tokens. */
  public long totalInput() {
    return input + cacheCreation + cacheRead;
  }

  public Usage plus(Usage other) {
    return new Usage(input + other.input, output + other.output,
        cacheCreation + other.cacheCreation, cacheRead + other.cacheRead);
  }
}
