package dev.orch.tools.rag;

import dev.orch.rag.RagConfig;
import dev.orch.rag.RagIndex;
import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.pf4j.Extension;

/**
 * {@code search_knowledge} (API.md §15.2): the chunks of a RAG database closest in meaning to a query.
 * The query is embedded by the model that made the database (offline, or Ollama's), then compared by
 * cosine with every chunk in the database's in-memory index.
 */
@Extension
public final class SearchKnowledgeTool implements Tool {

  @Override
  public String name() {
    return "search_knowledge";
  }

  @Override
  public String description() {
    return "Semantic search across the configured knowledge (RAG) databases of code and documentation: finds the"
        + " passages closest in meaning to a natural-language query. Use it to find code patterns, API signatures"
        + " and documentation. Name the database to search.";
  }

  @Override
  public JsonObject parameters() {
    return schema(null);
  }

  @Override
  public JsonObject parameters(JsonObject config) {
    return schema(PluginSettings.ragOrNull(config));
  }

  private static JsonObject schema(RagConfig rag) {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("query", new JsonObject().put("type", "string").put("description", "Natural language search query"))
            .put("database", Arguments.databaseProperty(rag))
            .put("top_k", Arguments.topKProperty(rag))
            .put("source_filter", new JsonObject().put("type", "string").put("default", "")
                .put("description", "Only chunks of this source tag (exact); empty for all")))
        .put("required", new JsonArray().add("query").add("database"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    try {
      RagConfig rag = PluginSettings.rag(context.config());
      String query = Arguments.text(arguments, "query", "the text to search for");
      String database = Arguments.text(arguments, "database", "the RAG database to search");
      int topK = Arguments.topK(arguments, rag);
      String source = Arguments.optionalText(arguments, "source_filter");
      RagRuntime runtime = RagRuntime.get();
      RagIndex index = runtime.index(context.vertx(), rag, database);
      return index.embedding()
          .compose(made -> runtime.embedder(context.vertx(), rag, database, made)
              .embed(List.of(made.queryPrefix() + query))
              .compose(vectors -> index.search(made, vectors.get(0), topK, source)))
          .map(Results::matches)
          .recover(Failures::asToolException);
    } catch (ToolException refused) {
      return Future.failedFuture(refused);
    }
  }
}
