package dev.orch.tools.rag;

import dev.orch.rag.RagIndex;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import java.sql.SQLException;

/** The tools' failures as the model sees them: expected ones with their reason, nothing else leaks. */
final class Failures {
  private Failures() {}

  static <T> Future<T> asToolException(Throwable err) {
    if (err instanceof ToolException tool) {
      return Future.failedFuture(tool);
    }
    if (err instanceof RagIndex.ModelMismatch mismatch) {
      return Future.failedFuture(new ToolException(mismatch.getMessage(), false));
    }
    if (err instanceof RagIndex.Unavailable unavailable) {
      return Future.failedFuture(new ToolException(unavailable.getMessage(), true));
    }
    if (err instanceof SQLException sql) {
      // SQLite's messages name what failed, never the file's path.
      return Future.failedFuture(new ToolException("The RAG database could not be read: " + sql.getMessage(), true));
    }
    return Future.failedFuture(err);
  }
}
