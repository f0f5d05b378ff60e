package dev.orch.tools.rag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.rag.Chunk;
import dev.orch.rag.RagWriter;
import dev.orch.tool.Tool;
import dev.orch.tool.ToolApi;
import dev.orch.tool.ToolContext;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * The packaged plugin jar, loaded by a real PF4J plugin manager from a plugins folder, as the kernel's
 * host loads it: its two tools are found as extensions and answer. The test's own class path holds the
 * same libraries (SQLite, ONNX Runtime, the tokenizer), loaded before the plugin, so the plugin's
 * copies and their native libraries must load beside them.
 */
class RagPluginIT {
  static final Path JAR = Path.of(System.getProperty("orch.plugin.jar", "target/tools-rag-0.1.0-SNAPSHOT.jar"));

  @TempDir Path dir;
  Vertx vertx;
  PluginManager plugins;
  JsonObject config;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Path db = dir.resolve("handbook.db");
    List<String> texts = List.of(
        "Vacation requests go to your manager at least two weeks ahead; approved days appear in the calendar.",
        "The coffee machine on the third floor is descaled every Monday; use the one on the second floor then.",
        "Expense reports need a receipt for every item over twenty euros and are paid with the next salary.");
    // The class path's SQLite and ONNX Runtime, natives included, load first.
    List<float[]> vectors = OnnxEmbedder.embedNow(texts);
    try (RagWriter writer = RagWriter.create(db, OnnxEmbedder.SPEC)) {
      for (int i = 0; i < texts.size(); i++) {
        writer.add(new Chunk(0, "handbook", i == 2 ? "ExpensePolicy" : null, "handbook/" + i + ".md", texts.get(i),
            null), vectors.get(i));
      }
      writer.finish();
    }
    config = Calls.config(new JsonObject().put("handbook", db.toString()), null);
    Path folder = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(JAR, folder.resolve(JAR.getFileName()));
    plugins = new DefaultPluginManager(folder);
    plugins.setSystemVersion(ToolApi.VERSION);
    plugins.loadPlugins();
    plugins.startPlugins();
  }

  @AfterEach
  void tearDown() throws Exception {
    // Plugin by plugin: PF4J 3.15.0's stopPlugins() fails on its own list (pf4j#656).
    for (PluginWrapper plugin : List.copyOf(plugins.getPlugins())) {
      plugins.unloadPlugin(plugin.getPluginId());
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Map<String, Tool> tools() {
    // The plugin's own: the test's class path has the same classes, which PF4J would offer as well.
    return plugins.getExtensions(Tool.class, "tools-rag").stream()
        .collect(Collectors.toMap(Tool::name, Function.identity()));
  }

  private String call(Tool tool, JsonObject arguments) throws Exception {
    ToolContext context = new ToolContext(vertx, "p1", "t1", dir, config, org.slf4j.LoggerFactory.getLogger("t"));
    return tool.invoke(arguments, context).await(60, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the jar is a PF4J plugin: started from the manifest, offering search_knowledge and lookup_type")
  void loads() {
    PluginWrapper plugin = plugins.getPlugin("tools-rag");
    assertThat(plugin).isNotNull();
    assertThat(plugin.getPluginState()).isEqualTo(PluginState.STARTED);
    assertThat(plugin.getDescriptor().getVersion()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(plugin.getDescriptor().getProvider()).isEqualTo("Orch");
    assertThat(plugin.getDescriptor().getRequires()).isEqualTo(">=1.0.0 & <2.0.0");
    assertThat(tools()).containsOnlyKeys("search_knowledge", "lookup_type");
    assertThat(tools().values()).allSatisfy(tool -> assertThat(tool.getClass().getClassLoader())
        .isSameAs(plugin.getPluginClassLoader()));
    assertThat(tools().get("search_knowledge").parameters(config).getJsonObject("properties")
        .getJsonObject("database").getJsonArray("enum")).containsExactly("handbook");
  }

  @Test
  @DisplayName("its tools answer through PF4J with the plugin's own SQLite and ONNX Runtime, and again after a reload")
  void answersAndReloads() throws Exception {
    Map<String, Tool> tools = tools();
    assertThat(call(tools.get("search_knowledge"), new JsonObject().put("database", "handbook")
        .put("query", "how do I take time off?").put("top_k", 1)))
        .startsWith("--- [Source: handbook | File: handbook/0.md] (score: ");
    assertThat(call(tools.get("lookup_type"), new JsonObject().put("database", "handbook").put("name", "ExpensePolicy")))
        .startsWith("--- [Source: handbook | Type: ExpensePolicy | File: handbook/2.md] ---\nExpense reports");

    ClassLoader loader = plugins.getPlugin("tools-rag").getPluginClassLoader();
    assertThat(loader.loadClass("org.sqlite.JDBC")).as("plugin first: its own SQLite driver")
        .isNotSameAs(org.sqlite.JDBC.class);
    assertThat(loader.loadClass("ai.onnxruntime.OrtEnvironment")).isNotSameAs(ai.onnxruntime.OrtEnvironment.class);
    assertThat(loader.loadClass("io.vertx.core.Vertx")).as("provided: the kernel's").isSameAs(Vertx.class);
    assertThat(loader.loadClass("dev.orch.tool.Tool")).isSameAs(Tool.class);

    // Unloaded and loaded again in the same JVM (a jar replaced while the server runs): a new class
    // loader, whose native libraries must load anew.
    Path jar = plugins.getPlugin("tools-rag").getPluginPath();
    assertThat(plugins.unloadPlugin("tools-rag")).isTrue();
    assertThat(plugins.getPlugin("tools-rag")).isNull();
    String id = plugins.loadPlugin(jar);
    assertThat(plugins.startPlugin(id)).isEqualTo(PluginState.STARTED);
    assertThat(plugins.getPlugin(id).getPluginClassLoader()).isNotSameAs(loader);

    assertThat(call(tools().get("search_knowledge"), new JsonObject().put("database", "handbook")
        .put("query", "which coffee machine can I use on Monday?").put("top_k", 1))).contains("handbook/1.md");
  }

  @Test
  @DisplayName("the jar bundles its own libraries and none of what the kernel provides")
  void contents() throws Exception {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      List<String> names = jar.stream().map(java.util.zip.ZipEntry::getName).toList();
      assertThat(names).contains("META-INF/extensions.idx", "org/sqlite/JDBC.class",
          "ai/onnxruntime/OrtEnvironment.class", "dev/orch/rag/RagIndex.class", "all-minilm-l6-v2-q.onnx");
      assertThat(names).noneMatch(n -> n.startsWith("dev/orch/tool/") || n.startsWith("io/vertx/")
          || n.startsWith("org/pf4j/") || n.startsWith("org/slf4j/") || n.startsWith("ch/qos/")
          || n.endsWith(".pdb"));
    }
  }
}
