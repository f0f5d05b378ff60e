package dev.orch.kernel.model;

import java.util.List;

/**
 * One provider-neutral chat call.
 *
 * <p>{@code system} and {@code sharedContext} form the stable prefix of the prompt, what many calls
 * send byte for byte; {@code taskContext} follows it and is this call's own. The Anthropic provider
 * sends them as three system blocks after the tool definitions, with cache breakpoints after the
 * tools, after {@code system} and after {@code sharedContext} (where the prefix is long enough to be
 * cached) but none on {@code taskContext}; the others join the three into one system message, whose
 * stable start their servers' prefix caches can reuse.
 *
 * @param model the model id, e.g. {@code claude-sonnet-4-6} or {@code qwen2.5-coder:14b}
 * @param system the system prompt; empty for none
 * @param sharedContext context shared by many calls (project knowledge, plan summary); empty for none
 * @param taskContext this call's own context, after the stable prefix; empty for none
 * @param messages the turns, oldest first; the first one is a user turn
 * @param tools the tools the model may call; empty for none
 * @param maxTokens the output limit, > 0
 * @param temperature null for the provider's default
 */
public record ChatRequest(
    String model,
    String system,
    String sharedContext,
    String taskContext,
    List<ChatMessage> messages,
    List<ToolSpec> tools,
    int maxTokens,
    Double temperature) {

  public ChatRequest {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model is required");
    }
    system = system == null ? "" : system;
    sharedContext = sharedContext == null ? "" : sharedContext;
    taskContext = taskContext == null ? "" : taskContext;
    messages = messages == null ? List.of() : List.copyOf(messages);
    if (messages.isEmpty() || messages.get(0).role() != ChatMessage.Role.USER) {
      throw new IllegalArgumentException("messages must start with a user turn");
    }
    tools = tools == null ? List.of() : List.copyOf(tools);
    if (maxTokens <= 0) {
      throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
    }
    if (temperature != null && (temperature < 0 || temperature > 2)) {
      throw new IllegalArgumentException("temperature must be between 0 and 2, got " + temperature);
    }
  }

  /** A request with one user message, no system prompt and no tools. */
  public static ChatRequest of(String model, int maxTokens, String userText) {
    return of(model, maxTokens, List.of(ChatMessage.user(userText)));
  }

  public static ChatRequest of(String model, int maxTokens, List<ChatMessage> messages) {
    return new ChatRequest(model, "", "", "", messages, List.of(), maxTokens, null);
  }

  public ChatRequest withSystem(String system) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  public ChatRequest withSharedContext(String sharedContext) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  public ChatRequest withTaskContext(String taskContext) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  public ChatRequest withTools(List<ToolSpec> tools) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  public ChatRequest withMessages(List<ChatMessage> messages) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  public ChatRequest withTemperature(Double temperature) {
    return new ChatRequest(model, system, sharedContext, taskContext, messages, tools, maxTokens, temperature);
  }

  /** The system texts as one, stable part first, for providers with a single system message. */
  String joinedSystem() {
    StringBuilder out = new StringBuilder();
    for (String part : List.of(system, sharedContext, taskContext)) {
      if (!part.isBlank()) {
        out.append(out.isEmpty() ? "" : "\n\n").append(part);
      }
    }
    return out.toString();
  }
}
