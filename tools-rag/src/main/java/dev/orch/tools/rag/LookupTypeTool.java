package dev.orch.tools.rag;

import dev.orch.rag.RagConfig;
import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.pf4j.Extension;

/**
 * {@code lookup_type} (API.md §15.2): a type, class or API by name, by keywords rather than meaning:
 * the exact {@code type_name}, else a type name containing it, else an FTS5 phrase match, else the
 * text containing it. The name is searched for as written: FTS5 operators and LIKE wildcards in it
 * are never obeyed.
 */
@Extension
public final class LookupTypeTool implements Tool {

  @Override
  public String name() {
    return "lookup_type";
  }

  @Override
  public String description() {
    return "Look up a specific type, class or API by exact name in a knowledge (RAG) database. Uses keyword and"
        + " full-text search for precise matching; use search_knowledge to search by meaning.";
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
            .put("name", new JsonObject().put("type", "string").put("description",
                "The type, class or function name to look up"))
            .put("database", Arguments.databaseProperty(rag))
            .put("top_k", Arguments.topKProperty(rag)))
        .put("required", new JsonArray().add("name").add("database"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    try {
      RagConfig rag = PluginSettings.rag(context.config());
      String name = Arguments.text(arguments, "name", "the type, class or function name to look up");
      String database = Arguments.text(arguments, "database", "the RAG database to search");
      int topK = Arguments.topK(arguments, rag);
      return RagRuntime.get().database(context.vertx(), rag, database).lookupType(name, topK)
          .map(chunks -> Results.chunks(chunks, name))
          .recover(Failures::asToolException);
    } catch (ToolException refused) {
      return Future.failedFuture(refused);
    }
  }
}
