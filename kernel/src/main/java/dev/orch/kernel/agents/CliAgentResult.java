package dev.orch.kernel.agents;

import dev.orch.kernel.model.Usage;
import java.time.Duration;

/**
 * How a CLI agent run ended. A run that started always ends with a result, also when it failed;
 * only a run that could not start fails its future.
 *
 * @param agent the CLI that ran
 * @param outcome how it ended
 * @param exitCode the process's exit code (128 + signal when it was killed)
 * @param text the final answer: the CLI's result text, else the model's text, else the non-JSON
 *     stdout lines; empty when there was none
 * @param usage tokens as the CLI reported them; null when it reported none
 * @param costUsd the cost the CLI reported (Claude Code does); null when it reported none
 * @param model the model the CLI said it used; null when it said none
 * @param sessionId the CLI's session or thread id, for resuming; null when it reported none
 * @param error why the run did not succeed, with the tail of stderr for a failed exit; null on success
 * @param duration from start to exit
 */
public record CliAgentResult(
    CliAgent agent,
    Outcome outcome,
    int exitCode,
    String text,
    Usage usage,
    Double costUsd,
    String model,
    String sessionId,
    String error,
    Duration duration) {

  /** How a run ended. */
  public enum Outcome {
    /** Exit code 0 and no error reported by the CLI. */
    SUCCEEDED,
    /** A non-zero exit code, or an error the CLI reported in its final line. */
    FAILED,
    /** Killed at the timeout. */
    TIMED_OUT,
    /** Killed by {@link CliAgentRun#cancel()}. */
    CANCELLED
  }

  public CliAgentResult {
    text = text == null ? "" : text;
  }

  public boolean succeeded() {
    return outcome == Outcome.SUCCEEDED;
  }

  public boolean timedOut() {
    return outcome == Outcome.TIMED_OUT;
  }

  public boolean cancelled() {
    return outcome == Outcome.CANCELLED;
  }
}
