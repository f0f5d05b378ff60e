package dev.orch.tools.rag;

import io.vertx.core.Future;
import java.util.List;

/** Turns texts into vectors with one embedding model. */
public interface Embedder {
  /**
   * The vectors of {@code texts}, in order. Fails with a {@link dev.orch.tool.ToolException} whose
   * message says what went wrong (a host down, a model missing).
   */
  Future<List<float[]>> embed(List<String> texts);
}
