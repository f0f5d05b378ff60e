package dev.orch.rag;

/**
 * One row of a database's {@code chunks} table.
 *
 * @param rowid the row's SQLite rowid (the original's {@code id} may be text; the rowid is always a number)
 * @param source the source tag, e.g. the folder it came from; null when none
 * @param typeName the type the chunk describes, e.g. {@code RagIndex}; null when none
 * @param filePath the file it came from; null when none
 * @param text the chunk's text
 * @param gotcha a caution stored with it (the diagnostic database); null when none
 */
public record Chunk(long rowid, String source, String typeName, String filePath, String text, String gotcha) {}
