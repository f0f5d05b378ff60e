package dev.orch.kernel.model;

import java.util.List;

/**
 * The answer to one {@link ChatRequest}.
 *
 * @param provider the provider that served it, e.g. {@code anthropic} (the usage log's provider)
 * @param model the model id the server reports, or the requested one when it reports none
 * @param text the text blocks, joined with newlines; empty when the model only called tools
 * @param toolCalls the tools the model wants called, in order
 */
public record ChatResponse(
    String provider,
    String model,
    String text,
    List<ToolCall> toolCalls,
    StopReason stopReason,
    Usage usage) {

  /** Why the model stopped. */
  public enum StopReason {
    /** A natural end of the answer (or a stop sequence). */
    END_TURN,
    /** The model wants tool results before it goes on. */
    TOOL_USE,
    /** The output hit {@code maxTokens}. */
    MAX_TOKENS,
    /** Anything else the provider reports (refusal, content filter, ...). */
    OTHER
  }

  public ChatResponse {
    text = text == null ? "" : text;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    stopReason = stopReason == null ? StopReason.OTHER : stopReason;
    usage = usage == null ? Usage.ZERO : usage;
  }

  /** The assistant turn to append to the conversation before sending tool results. */
  public ChatMessage toAssistantMessage() {
    return ChatMessage.assistant(text, toolCalls);
  }
}
