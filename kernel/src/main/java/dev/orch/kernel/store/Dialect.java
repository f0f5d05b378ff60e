package dev.orch.kernel.store;

import java.util.Map;

/** The few SQL differences between SQLite and PostgreSQL, kept in one place. */
public enum Dialect {
  SQLITE("INTEGER PRIMARY KEY AUTOINCREMENT", null),
  POSTGRES("BIGSERIAL PRIMARY KEY", "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE");

  private final String autoIncrementPk;
  private final String lockTable;

  Dialect(String autoIncrementPk, String lockTable) {
    this.autoIncrementPk = autoIncrementPk;
    this.lockTable = lockTable;
  }

  /** Flyway placeholders the migrations use. */
  Map<String, String> placeholders() {
    return Map.of("id_pk", autoIncrementPk);
  }

  /**
   * The statement that serialises writers of a table for the rest of the transaction, or null when
   * the store already does (SQLite has a single connection, so its transactions never interleave).
   */
  public String lockTable(String table) {
    return lockTable == null ? null : lockTable.formatted(table);
  }
}
