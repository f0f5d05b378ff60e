package dev.orch.rag;

/** Event-bus contract of the RAG indexes. Bodies are JSON objects, so they cross a cluster. */
public final class RagAddresses {
  /**
   * Published by an in-memory embedding index when it loaded or failed to load:
   * {@code {"database": "name", "status": "loaded"|"failed"}}. The RAG endpoints show the last status
   * heard per database as {@code index_status} (API.md §3.11); a database never heard of is
   * {@code unloaded}.
   */
  public static final String INDEX_CHANGED = "orch.rag.index.changed";

  private RagAddresses() {}
}
