package dev.orch.kernel.agents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Shell scripts that stand in for {@code claude}, {@code codex} and {@code gemini}. Each records
 * how it was called into its working directory ({@code args.txt}, {@code cwd.txt}, {@code env.txt},
 * {@code stdin.txt}, {@code main.pid}), then prints that CLI's real stream format. Words in the
 * prompt steer it, as a prompt steers a real agent:
 *
 * <ul>
 *   <li>{@code CHILD}: start a background {@code sleep} that inherits stdout (pid in {@code child.pid});
 *   <li>{@code IGNORE_TERM}: ignore SIGTERM, in the script and its children;
 *   <li>{@code SLEEP}: after the first line, sleep for 300 s;
 *   <li>{@code FAIL}: after the first line, print a non-JSON line and two stderr lines, exit 3.
 * </ul>
 */
public final class FakeClis {
  public static final String ANSWER = "The project is a demo.";

  private static final String PRELUDE = """
      #!/bin/sh
      printf '%s\\n' "$@" > args.txt
      pwd > cwd.txt
      env > env.txt
      cat > stdin.txt
      prompt=$(cat stdin.txt)
      case "$prompt" in *IGNORE_TERM*) trap '' TERM ;; esac
      case "$prompt" in *CHILD*) sleep 300 & echo $! > child.pid ;; esac
      echo $$ > main.pid
      """;

  private static final String MIDDLE = """
      case "$prompt" in *SLEEP*) sleep 300 ;; esac
      case "$prompt" in *FAIL*)
        echo "this is not JSON"
        echo "Error: the model refused the request" >&2
        echo "run with --debug for details" >&2
        exit 3 ;;
      esac
      """;

  static final String CLAUDE = PRELUDE + """
      printf '{"type":"system","subtype":"init","cwd":"%s","session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11",\
      "tools":["Task","Bash","Glob","Grep","Read","Edit","Write"],"mcp_servers":[],"model":"claude-sonnet-4-6",\
      "permissionMode":"acceptEdits","apiKeySource":"ANTHROPIC_API_KEY"}\\n' "$(pwd)"
      """ + MIDDLE + """
      cat <<'JSON'
      {"type":"assistant","message":{"id":"msg_01A","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"I'll read the README first."}],"stop_reason":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":9}},"parent_tool_use_id":null,"session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11"}
      {"type":"assistant","message":{"id":"msg_01A","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"tool_use","id":"toolu_01B","name":"Read","input":{"file_path":"README.md"}}],"stop_reason":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":31}},"parent_tool_use_id":null,"session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11"}
      {"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01B","type":"tool_result","content":"# Demo\\nA demo project."}]},"parent_tool_use_id":null,"session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11"}
      {"type":"assistant","message":{"id":"msg_01C","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"The project is a demo."}],"stop_reason":null,"usage":{"input_tokens":6,"cache_creation_input_tokens":0,"cache_read_input_tokens":4300,"output_tokens":40}},"parent_tool_use_id":null,"session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11"}
      {"type":"result","subtype":"success","is_error":false,"duration_ms":2150,"duration_api_ms":1980,"num_turns":2,"result":"The project is a demo.","session_id":"6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11","total_cost_usd":0.0123,"usage":{"input_tokens":120,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":80,"server_tool_use":{"web_search_requests":0},"service_tier":"standard"}}
      JSON
      """;

  static final String CODEX = PRELUDE + """
      echo '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}'
      """ + MIDDLE + """
      cat <<'JSON'
      {"type":"turn.started"}
      {"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Reading the README**"}}
      {"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'cat README.md'","aggregated_output":"","exit_code":null,"status":"in_progress"}}
      {"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'cat README.md'","aggregated_output":"# Demo\\nA demo project.\\n","exit_code":0,"status":"completed"}}
      {"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"The project is a demo."}}
      {"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}
      JSON
      """;

  static final String GEMINI = PRELUDE + """
      echo '{"type":"init","timestamp":"2026-11-22T10:00:00.000Z","session_id":"c6f1e7b2-5a0d-4e8b-9d47-2f3a1b0c9e85","model":"gemini-2.5-pro"}'
      """ + MIDDLE + """
      cat <<'JSON'
      {"type":"message","timestamp":"2026-11-22T10:00:00.010Z","role":"user","content":"Summarise the project."}
      {"type":"tool_use","timestamp":"2026-11-22T10:00:01.200Z","tool_name":"read_file","tool_id":"read_file-1763805601200-0","parameters":{"absolute_path":"README.md"}}
      {"type":"tool_result","timestamp":"2026-11-22T10:00:01.230Z","tool_id":"read_file-1763805601200-0","status":"success","output":"# Demo\\nA demo project."}
      {"type":"message","timestamp":"2026-11-22T10:00:02.100Z","role":"assistant","content":"The project ","delta":true}
      {"type":"message","timestamp":"2026-11-22T10:00:02.150Z","role":"assistant","content":"is a demo.","delta":true}
      {"type":"result","timestamp":"2026-11-22T10:00:02.200Z","status":"success","stats":{"total_tokens":8123,"input_tokens":8000,"output_tokens":123,"cached":6000,"input":2000,"duration_ms":2190,"tool_calls":1}}
      JSON
      """;

  /**
   * A stand-in {@code claude} that acts like an agent trying to get out of its folder. Each prompt
   * line {@code PROBE <op> <arg>} is one attempt, and {@code probe.txt} in its working directory
   * records {@code <op> <arg>: ok} or {@code <op> <arg>: denied}:
   *
   * <ul>
   *   <li>{@code read FILE}: read the file;
   *   <li>{@code list DIR}: list the folder;
   *   <li>{@code write FILE}: create or overwrite the file;
   *   <li>{@code env TEXT}: its own environment contains the text;
   *   <li>{@code procenv TEXT}: the environment of some process it can see contains the text.
   * </ul>
   *
   * Then it answers in Claude Code's stream format.
   */
  static final String PROBER = """
      #!/bin/sh
      cat > stdin.txt
      : > probe.txt
      grep '^PROBE ' stdin.txt | awk '!seen[$0]++' | while read -r _ op arg; do
        case "$op" in
          read) if cat "$arg" > /dev/null 2>&1; then r=ok; else r=denied; fi ;;
          list) if ls -A "$arg" > /dev/null 2>&1; then r=ok; else r=denied; fi ;;
          write) if (echo escaped > "$arg") 2>/dev/null; then r=ok; else r=denied; fi ;;
          env) if env | grep -qF "$arg"; then r=ok; else r=denied; fi ;;
          procenv) if cat /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n' | grep -qF "$arg"; then r=ok; else r=denied; fi ;;
          *) r=unknown ;;
        esac
        echo "$op $arg: $r" >> probe.txt
      done
      env > env.txt
      echo '{"type":"result","subtype":"success","is_error":false,"result":"probed","session_id":"s","total_cost_usd":0,"usage":{"input_tokens":1,"output_tokens":1}}'
      """;

  private FakeClis() {}

  /** Writes {@link #PROBER} as {@code claude} into {@code bin}; returns the script. */
  public static Path installProber(Path bin) throws IOException {
    Files.createDirectories(bin);
    Path claude = bin.resolve("claude");
    write(claude, PROBER);
    return claude;
  }

  /** Writes the three scripts, executable, into {@code bin} and returns it. */
  public static Path install(Path bin) throws IOException {
    Files.createDirectories(bin);
    write(bin.resolve("claude"), CLAUDE);
    write(bin.resolve("codex"), CODEX);
    write(bin.resolve("gemini"), GEMINI);
    return bin;
  }

  private static void write(Path file, String script) throws IOException {
    Files.writeString(file, script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
