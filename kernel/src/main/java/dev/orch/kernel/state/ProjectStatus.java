package dev.orch.kernel.state;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Where a project is in its life (docs/state-machines.md), with the transitions allowed as data. */
public enum ProjectStatus {
  DRAFT(false),
  PLANNING(false),
  READY(false),
  EXECUTING(false),
  PAUSED(false),
  COMPLETED(true),
  FAILED(true),
  CANCELLED(true);

  private final boolean terminal;

  ProjectStatus(boolean terminal) {
    this.terminal = terminal;
  }

  private static final Map<ProjectStatus, Set<ProjectStatus>> NEXT = Map.of(
      DRAFT, EnumSet.of(PLANNING, READY, CANCELLED),
      PLANNING, EnumSet.of(DRAFT, CANCELLED),
      READY, EnumSet.of(PLANNING, READY, EXECUTING, CANCELLED),
      EXECUTING, EnumSet.of(PAUSED, COMPLETED, FAILED, CANCELLED),
      PAUSED, EnumSet.of(PLANNING, READY, EXECUTING, CANCELLED),
      COMPLETED, EnumSet.of(EXECUTING, READY, CANCELLED),
      FAILED, EnumSet.of(PLANNING, READY, EXECUTING, CANCELLED),
      CANCELLED, EnumSet.of(CANCELLED));

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Its run ended: completed, failed or cancelled. */
  public boolean terminal() {
    return terminal;
  }

  /** It was successful: completed. */
  public boolean successful() {
    return this == COMPLETED;
  }

  /** Work may start (again) from here: execute, or execute after a retry. */
  public boolean retriable() {
    return NEXT.get(this).contains(EXECUTING);
  }

  public boolean canBecome(ProjectStatus next) {
    return NEXT.get(this).contains(next);
  }

  public static ProjectStatus of(String wire) {
    for (ProjectStatus s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown project status: " + wire);
  }

  public static java.util.List<String> wires() {
    return Arrays.stream(values()).map(ProjectStatus::wire).toList();
  }
}
