package dev.orch.kernel.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.agents.CliAgentOutput.Kind;
import dev.orch.kernel.model.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AgentStreamTest {

  @ParameterizedTest
  @EnumSource(CliAgent.class)
  @DisplayName("lines of an unexpected shape become events or raw lines, never exceptions")
  void lenient(CliAgent agent) {
    AgentStream stream = AgentStream.of(agent);
    String[] lines = {
        "{\"type\":\"result\",\"usage\":\"oops\",\"stats\":[1],\"result\":42}",
        "{\"type\":\"assistant\",\"message\":{\"content\":\"not a list\"}}",
        "{\"type\":\"item.completed\",\"item\":[]}",
        "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":\"many\"}}",
        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":{}}",
        "{\"type\":7}", "{}", "{not json", "[1,2]", "", "plain progress text"};

    for (String line : lines) {
      CliAgentOutput output = stream.parse(line);
      assertThat(output.line()).isEqualTo(line);
      assertThat(output.kind()).isIn(Kind.EVENT, Kind.RAW, Kind.RESULT, Kind.TEXT);
    }
    assertThat(stream.parse("{not json").kind()).isEqualTo(Kind.RAW);
  }

  @Test
  @DisplayName("without a result line the answer is the model's text, else the plain stdout lines")
  void fallbackText() {
    AgentStream claude = AgentStream.of(CliAgent.CLAUDE_CODE);
    claude.parse("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"First.\"}]}}");
    claude.parse("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"Second.\"}]}}");
    AgentStream plain = AgentStream.of(CliAgent.CODEX);
    plain.parse("line one");
    plain.parse("line two");

    assertThat(claude.text()).isEqualTo("First.\nSecond.");
    assertThat(plain.text()).isEqualTo("line one\nline two");
    assertThat(plain.usage()).isNull();
  }

  @Test
  @DisplayName("Claude Code's partial messages stream as text deltas without doubling the answer")
  void claudePartialMessages() {
    AgentStream claude = AgentStream.of(CliAgent.CLAUDE_CODE);
    CliAgentOutput delta = claude.parse("{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\","
        + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}},\"session_id\":\"s1\"}");
    CliAgentOutput start = claude.parse("{\"type\":\"stream_event\",\"event\":{\"type\":\"message_start\"}}");
    claude.parse("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}]}}");

    assertThat(delta.kind()).isEqualTo(Kind.TEXT);
    assertThat(delta.text()).isEqualTo("Hel");
    assertThat(start.kind()).isEqualTo(Kind.EVENT);
    assertThat(claude.text()).isEqualTo("Hello");
  }

  @Test
  @DisplayName("an error the CLI reports in its stream is kept even when it exits 0")
  void reportedErrors() {
    AgentStream claude = AgentStream.of(CliAgent.CLAUDE_CODE);
    claude.parse("{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true,\"num_turns\":10,"
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":6}}");
    AgentStream codex = AgentStream.of(CliAgent.CODEX);
    codex.parse("{\"type\":\"turn.failed\",\"error\":{\"message\":\"stream disconnected before completion\"}}");
    AgentStream gemini = AgentStream.of(CliAgent.GEMINI);
    gemini.parse("{\"type\":\"result\",\"status\":\"error\",\"error\":{\"type\":\"FatalTurnLimitedError\","
        + "\"message\":\"Reached max session turns\"},\"stats\":{\"input_tokens\":10,\"output_tokens\":2,\"cached\":0}}");

    assertThat(claude.error()).isEqualTo("error_max_turns");
    assertThat(claude.usage()).isEqualTo(new Usage(5, 6, 0, 0));
    assertThat(codex.error()).isEqualTo("stream disconnected before completion");
    assertThat(gemini.error()).isEqualTo("Reached max session turns");
    assertThat(gemini.usage()).isEqualTo(new Usage(10, 2, 0, 0));
  }

  @Test
  @DisplayName("Codex usage adds up over turns and never goes negative")
  void codexUsage() {
    AgentStream codex = AgentStream.of(CliAgent.CODEX);
    codex.parse("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":100,\"cached_input_tokens\":40,\"output_tokens\":7}}");
    codex.parse("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":10,\"cached_input_tokens\":50,\"output_tokens\":3}}");

    assertThat(codex.usage()).isEqualTo(new Usage(60, 10, 0, 90));
  }

  @Test
  @DisplayName("a tool call's summary is one line, cut at 200 characters; toJson leaves out the raw event")
  void summaries() {
    AgentStream claude = AgentStream.of(CliAgent.CLAUDE_CODE);
    String longInput = "x".repeat(500);
    CliAgentOutput output = claude.parse(new JsonObject().put("type", "assistant").put("message", new JsonObject()
        .put("content", new JsonArray().add(new JsonObject().put("type", "tool_use")
            .put("name", "Bash").put("input", new JsonObject().put("command", "ls\n" + longInput))))).encode());

    assertThat(output.kind()).isEqualTo(Kind.TOOL_USE);
    assertThat(output.tool()).isEqualTo("Bash");
    assertThat(output.text()).hasSize(201).startsWith("{\"command\":\"ls\\n").endsWith("…");
    assertThat(output.toJson()).isEqualTo(new JsonObject().put("kind", "tool_use").put("text", output.text())
        .put("tool", "Bash"));
  }
}
