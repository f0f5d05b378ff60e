package dev.orch.kernel.budget;

/** The limit that refused a reservation, and the text of the 402 that reports it. */
public enum BudgetLimit {
  DAILY("Daily budget limit reached"),
  MONTHLY("Monthly budget limit reached"),
  PROJECT("Project budget limit reached"),
  USER("User daily budget limit reached");

  private final String message;

  BudgetLimit(String message) {
    this.message = message;
  }

  /** The text of the 402 that reports it. */
  public String message() {
    return message;
  }

  /** True for a limit every project shares. */
  public boolean global() {
    return this == DAILY || this == MONTHLY;
  }
}
