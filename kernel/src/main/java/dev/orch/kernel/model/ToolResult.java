package dev.orch.kernel.model;

/**
 * The outcome of one {@link ToolCall}, sent back to the model in the next user turn.
 *
 * @param toolCallId the {@link ToolCall#id()} it answers
 * @param toolName the tool's name (Ollama matches results by name, not id)
 * @param error true when {@code content} describes a failure
 */
public record ToolResult(String toolCallId, String toolName, String content, boolean error) {
  public ToolResult {
    if (toolCallId == null || toolCallId.isBlank()) {
      throw new IllegalArgumentException("toolCallId is required");
    }
    toolName = toolName == null ? "" : toolName;
    content = content == null ? "" : content;
  }

  public static ToolResult ok(ToolCall call, String content) {
    return new ToolResult(call.id(), call.name(), content, false);
  }

  public static ToolResult failed(ToolCall call, String content) {
    return new ToolResult(call.id(), call.name(), content, true);
  }
}
