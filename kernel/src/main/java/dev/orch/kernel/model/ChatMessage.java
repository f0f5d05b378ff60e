package dev.orch.kernel.model;

import java.util.List;

/**
 * One conversation turn. A user turn carries text and/or the results of the previous assistant
 * turn's tool calls; an assistant turn carries text and/or tool calls.
 */
public record ChatMessage(Role role, String text, List<ToolCall> toolCalls, List<ToolResult> toolResults) {

  /** Who speaks. System text is not a turn: it goes in {@link ChatRequest#system()}. */
  public enum Role { USER, ASSISTANT }

  public ChatMessage {
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    text = text == null ? "" : text;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    toolResults = toolResults == null ? List.of() : List.copyOf(toolResults);
    if (role == Role.USER && !toolCalls.isEmpty()) {
      throw new IllegalArgumentException("a user turn cannot carry tool calls");
    }
    if (role == Role.ASSISTANT && !toolResults.isEmpty()) {
      throw new IllegalArgumentException("an assistant turn cannot carry tool results");
    }
  }

  public static ChatMessage user(String text) {
    return new ChatMessage(Role.USER, text, List.of(), List.of());
  }

  public static ChatMessage assistant(String text, List<ToolCall> toolCalls) {
    return new ChatMessage(Role.ASSISTANT, text, toolCalls, List.of());
  }

  /** The user turn that answers an assistant turn's tool calls. */
  public static ChatMessage toolResults(List<ToolResult> results) {
    return new ChatMessage(Role.USER, "", List.of(), results);
  }
}
