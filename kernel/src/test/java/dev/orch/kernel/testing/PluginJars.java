package dev.orch.kernel.testing;

import dev.orch.tool.Tool;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.pf4j.ExtensionPoint;
import org.slf4j.Logger;

/**
 * Real plugin jars for tests: the ones the build made (the tool modules, the example), and small ones
 * made here at test time from Java sources, compiled against the tool API with PF4J's annotation
 * processor writing {@code META-INF/extensions.idx} and the descriptor in the manifest, exactly as a
 * plugin build does.
 */
public final class PluginJars {
  private PluginJars() {}

  /** The jar the build made for tool module {@code module} (e.g. {@code tools-file}). */
  public static Path module(String module) {
    return built(TestKernel.repoRoot().resolve(module).resolve("target"), module + "-");
  }

  /** The example third-party plugin's jar, {@code examples/hello-tool}. */
  public static Path hello() {
    return built(TestKernel.repoRoot().resolve("examples/hello-tool/target"), "hello-tool-");
  }

  private static Path built(Path target, String prefix) {
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jar"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + prefix + "*.jar in " + target + ": build the module first"));
    } catch (IOException e) {
      throw new AssertionError("no " + target + ": build the module first (mvn -pl kernel -am verify)", e);
    }
  }

  /** Copies {@code jar} into {@code pluginsDir} as {@code name}, the way an operator drops one in. */
  public static Path drop(Path jar, Path pluginsDir, String name) {
    try {
      Files.createDirectories(pluginsDir);
      Path tmp = pluginsDir.resolve("." + name + ".part");
      Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
      return Files.move(tmp, pluginsDir.resolve(name), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Builder plugin(String id) {
    return new Builder(id);
  }

  /** A plugin jar made from sources. */
  public static final class Builder {
    private final Map<String, String> manifest = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();

    private Builder(String id) {
      manifest.put("Plugin-Id", id);
      manifest.put("Plugin-Version", "1.0.0");
      manifest.put("Plugin-Provider", "Tests");
      manifest.put("Plugin-Requires", ">=1.0.0 & <2.0.0");
    }

    public Builder manifest(String name, String value) {
      manifest.put(name, value);
      return this;
    }

    /** A class of the plugin: its fully qualified name and its source. */
    public Builder source(String className, String source) {
      sources.put(className, source);
      return this;
    }

    /** Compiles the sources and writes the jar to {@code dir/<id>.jar} (not a plugins folder). */
    public Path build(Path dir) {
      try {
        Path work = Files.createTempDirectory(dir, manifest.get("Plugin-Id") + "-");
        Path classes = Files.createDirectories(work.resolve("classes"));
        compile(classes);
        Path jar = work.resolve(manifest.get("Plugin-Id") + ".jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.forEach((k, v) -> mf.getMainAttributes().put(new Attributes.Name(k), v));
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, mf);
            Stream<Path> walk = Files.walk(classes)) {
          for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
            jos.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
            Files.copy(file, jos);
            jos.closeEntry();
          }
        }
        return jar;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private void compile(Path classes) {
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      List<JavaFileObject> units = new ArrayList<>();
      sources.forEach((name, code) -> units.add(new Source(name, code)));
      String classPath = String.join(java.io.File.pathSeparator, location(Tool.class), location(ExtensionPoint.class),
          location(Vertx.class), location(Logger.class));
      DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
      boolean ok = javac.getTask(null, null, diagnostics, List.of("--release", "17", "-d", classes.toString(),
          "-classpath", classPath, "-processorpath", location(ExtensionPoint.class)), null, units).call();
      if (!ok) {
        throw new AssertionError("test plugin does not compile: " + diagnostics.getDiagnostics());
      }
    }
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Source extends SimpleJavaFileObject {
    private final String code;

    Source(String className, String code) {
      super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }

  /** A one-tool plugin whose tool answers {@code body} (a Java expression of type {@code Future<String>}). */
  public static Builder oneTool(String id, String toolName, String body) {
    String pkg = "test." + id.replace('-', '_');
    return plugin(id).source(pkg + ".TheTool", """
        package %s;
        import dev.orch.tool.*;
        import io.vertx.core.*;
        import io.vertx.core.json.JsonObject;
        @org.pf4j.Extension
        public class TheTool implements Tool {
          public String name() { return "%s"; }
          public String description() { return "A test tool."; }
          public JsonObject parameters() { return new JsonObject().put("type", "object"); }
          public Future<String> invoke(JsonObject arguments, ToolContext context) {
            %s
          }
        }
        """.formatted(pkg, toolName, body));
  }

  public static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
