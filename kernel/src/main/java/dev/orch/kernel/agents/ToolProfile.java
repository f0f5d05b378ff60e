package dev.orch.kernel.agents;

import java.util.Locale;
import java.util.Optional;

/**
 * How much a CLI agent may do in the project folder. Each profile maps to the CLI's own permission
 * flags; no CLI is trusted to stay inside a profile on its prompt alone.
 *
 * <table>
 *   <caption>Flags per CLI</caption>
 *   <tr><th></th><th>Claude Code</th><th>Codex ({@code codex exec})</th><th>Gemini CLI</th></tr>
 *   <tr><td>{@link #READONLY}</td>
 *       <td>{@code --permission-mode default --disallowedTools Bash,Edit,Write,MultiEdit,NotebookEdit}</td>
 *       <td>{@code --sandbox read-only}</td><td>{@code --approval-mode default}</td></tr>
 *   <tr><td>{@link #DEVELOPER}</td><td>{@code --permission-mode acceptEdits}</td>
 *       <td>{@code --sandbox workspace-write}</td><td>{@code --approval-mode auto_edit}</td></tr>
 *   <tr><td>{@link #FULL_ACCESS}</td><td>{@code --permission-mode bypassPermissions}</td>
 *       <td>{@code --sandbox danger-full-access}</td><td>{@code --approval-mode yolo}</td></tr>
 * </table>
 *
 * <p>Why these flags (checked against each CLI's documentation and source, see {@code AgentCommand}):
 * in headless mode nobody can answer a permission prompt, so a tool call that would prompt is
 * denied. Claude Code's {@code default} mode only runs reads unprompted, and the disallowed list
 * also overrides allow rules in the user's own settings; {@code acceptEdits} adds file edits and
 * common file-system commands in the working folder. Gemini CLI, when not interactive, drops its
 * shell, edit and write tools in {@code default} mode and only the shell in {@code auto_edit}. Codex
 * {@code exec} never asks for approval and confines commands with an OS sandbox instead.
 */
public enum ToolProfile {
  /** Reads the project; changes nothing and runs no shell commands. */
  READONLY("readonly"),
  /**
   * Reads and edits files in the project folder. Shell commands only where the CLI confines them:
   * Codex runs them in its workspace-write sandbox (no network); Claude Code and Gemini CLI, which
   * have no such sandbox by default, refuse arbitrary ones.
   */
  DEVELOPER("developer"),
  /**
   * Everything the server's user may do, without prompts. Only for an isolated machine or container.
   * Claude Code refuses it as root unless the environment has {@code IS_SANDBOX=1}.
   */
  FULL_ACCESS("full_access");

  private final String wire;

  ToolProfile(String wire) {
    this.wire = wire;
  }

  /** The configuration value, e.g. {@code full_access}. */
  public String wire() {
    return wire;
  }

  /** The profile named {@code wire}, ignoring case. */
  public static Optional<ToolProfile> fromWire(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    String key = wire.trim().toLowerCase(Locale.ROOT);
    for (ToolProfile profile : values()) {
      if (profile.wire.equals(key)) {
        return Optional.of(profile);
      }
    }
    return Optional.empty();
  }
}
