package dev.orch.kernel.state;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Where a task is in its life (docs/state-machines.md), with the transitions allowed out of each
 * status as data. {@link Lifecycle} is the only place a status is written, and every write it holds
 * is one of these transitions.
 */
public enum TaskStatus {
  /** Ready to run once its backoff is due. */
  PENDING(false, false),
  /** Waits for a dependency that is not completed. */
  BLOCKED(false, false),
  /** The original's claimed-but-not-started; never entered here, but accepted, cancelled and recovered. */
  QUEUED(false, false),
  /** Claimed: by this server's executor under a lease, or by an external agent. */
  RUNNING(false, false),
  /** Done; its output forwarded to its dependants. */
  COMPLETED(true, true),
  /** Waits for a person: a review or a checkpoint. */
  NEEDS_REVIEW(true, false),
  /** Gave up. */
  FAILED(true, false),
  /** Cancelled by a person. */
  CANCELLED(true, false);

  private final boolean terminal;
  private final boolean successful;

  TaskStatus(boolean terminal, boolean successful) {
    this.terminal = terminal;
    this.successful = successful;
  }

  private static final Map<TaskStatus, Set<TaskStatus>> NEXT = Map.of(
      PENDING, EnumSet.of(BLOCKED, RUNNING, CANCELLED),
      BLOCKED, EnumSet.of(PENDING, CANCELLED),
      QUEUED, EnumSet.of(PENDING, BLOCKED, CANCELLED),
      RUNNING, EnumSet.of(PENDING, BLOCKED, COMPLETED, NEEDS_REVIEW, FAILED, CANCELLED),
      COMPLETED, EnumSet.of(PENDING, NEEDS_REVIEW),
      NEEDS_REVIEW, EnumSet.of(COMPLETED, PENDING, CANCELLED, FAILED),
      FAILED, EnumSet.of(PENDING, CANCELLED),
      CANCELLED, EnumSet.of(PENDING, FAILED));

  /** The name on the wire and in the database, e.g. {@code needs_review}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The project counts the task as finished: nothing more happens to it without a person. */
  public boolean terminal() {
    return terminal;
  }

  /** Its dependants may run. */
  public boolean successful() {
    return successful;
  }

  /** A person may send it back to run (retry, review retry, checkpoint retry). */
  public boolean retriable() {
    return NEXT.get(this).contains(PENDING) && terminal;
  }

  /** True when a task may move from this status to {@code next}. */
  public boolean canBecome(TaskStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The status of a wire name; fails on an unknown one. */
  public static TaskStatus of(String wire) {
    for (TaskStatus s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown task status: " + wire);
  }

  /** The wire names of the statuses that match, as an SQL list: {@code ('completed', 'failed')}. */
  public static String sqlList(Predicate<TaskStatus> which) {
    return Arrays.stream(values()).filter(which).map(s -> "'" + s.wire() + "'")
        .collect(Collectors.joining(", ", "(", ")"));
  }

  /** The terminal statuses, as an SQL list for {@code status IN} or {@code status NOT IN}. */
  public static final String TERMINAL_SQL = sqlList(TaskStatus::terminal);

  /** The project's current wave (API.md §3.7): the lowest with a task not terminal, as {@code wave}. */
  public static final String LOWEST_OPEN_WAVE = "SELECT MIN(wave) AS wave FROM tasks WHERE project_id = ?"
      + " AND status NOT IN " + TERMINAL_SQL;

  /** Every wire name, in the order of API.md §8.1. */
  public static java.util.List<String> wires() {
    return Arrays.stream(values()).map(TaskStatus::wire).toList();
  }
}
