package dev.orch.kernel.tools;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.pf4j.JarPluginLoader;
import org.pf4j.JarPluginManager;
import org.pf4j.Plugin;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PF4J plugin manager behind a small, thread-safe API: load a jar, start a plugin and collect its
 * tools, stop and unload it.
 *
 * <p>PF4J's manager is not thread-safe, so every call into it holds this object's lock; those calls
 * are quick (reading a manifest, making a class loader). A plugin's own code (its constructor,
 * {@link Plugin#start()}, {@link Plugin#stop()}, its tools' constructors and descriptions) runs on a
 * daemon thread of its own with a deadline, outside the lock: a plugin that hangs costs one parked
 * thread that cannot keep the JVM alive, never the manager or another plugin.
 *
 * <p>Each jar is loaded from a private copy in {@code shadowDir}, so that replacing or deleting the
 * jar in the plugins folder never pulls a file from under a loaded class loader.
 *
 * <p>Class loading is plugin-first (PF4J's default): a plugin's own libraries win over the kernel's,
 * so two plugins may ship conflicting versions of one library. The API a plugin shares with the
 * kernel ({@code dev.orch.tool}, Vert.x, Netty, SLF4J, PF4J) always comes from the kernel, even when
 * a plugin jar bundles a copy by mistake.
 */
final class PluginRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(PluginRuntime.class);
  private static final List<String> SHARED_PACKAGES = List.of("dev.orch.tool.", "io.vertx.", "io.netty.", "org.slf4j.");

  /** What loading a jar found: its descriptor, and why it will not start when it will not. */
  record Loaded(String id, String version, String description, String provider, String refusal) {}

  /** A failure a plugin caused, with a message for the operator. */
  static final class PluginFailure extends Exception {
    PluginFailure(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private final Manager manager;
  private final Path shadowDir;
  private final AtomicLong copies = new AtomicLong();

  /**
   * @param pluginsDir the plugins folder, where PF4J also reads {@code enabled.txt} and
   *     {@code disabled.txt}
   * @param shadowDir an empty private folder for the copies of loaded jars
   */
  PluginRuntime(Path pluginsDir, Path shadowDir) {
    this.manager = new Manager(pluginsDir);
    this.shadowDir = shadowDir;
    manager.setSystemVersion(ToolApi.VERSION);
  }

  /**
   * Loads a jar: reads its descriptor and makes its class loader; runs none of its code. Blocking.
   *
   * @throws PluginFailure when the jar is not a plugin, or its id is taken
   */
  synchronized Loaded load(Path jar) throws PluginFailure {
    Path copy = shadowDir.resolve(copies.incrementAndGet() + "-" + jar.getFileName());
    try {
      Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new PluginFailure("cannot read " + jar.getFileName() + ": " + e.getMessage(), e);
    }
    String id;
    try {
      id = manager.loadPlugin(copy);
    } catch (RuntimeException e) {
      forget(copy);
      throw new PluginFailure(describe(e), e);
    }
    PluginWrapper wrapper = manager.getPlugin(id);
    if (wrapper == null) {
      // Unloaded again while resolving: a Plugin-Dependencies entry names a plugin that is not here.
      deleteQuietly(copy);
      throw new PluginFailure("depends on plugins that are not loaded (Plugin-Dependencies)", null);
    }
    PluginDescriptor d = wrapper.getDescriptor();
    String refusal = null;
    if (wrapper.getPluginState() == PluginState.DISABLED) {
      refusal = wrapper.getFailedException() != null
          ? "requires tool API " + d.getRequires() + ", this server has " + ToolApi.VERSION
          : "disabled in the plugins folder's enabled.txt or disabled.txt";
    } else if (wrapper.getPluginState() != PluginState.RESOLVED) {
      refusal = "not resolved (state " + wrapper.getPluginState() + ")";
    }
    return new Loaded(id, d.getVersion(), d.getPluginDescription(), d.getProvider(), refusal);
  }

  /**
   * Starts a loaded plugin on a thread of its own and collects its tools, each described for the
   * plugin's configuration {@code config}: completes with them, or fails with a {@link PluginFailure}
   * when the plugin throws, or when it has not finished within {@code timeoutMs} (its thread is
   * interrupted and left behind).
   */
  CompletableFuture<List<LoadedTool>> start(String id, io.vertx.core.json.JsonObject config, long timeoutMs) {
    PluginWrapper wrapper;
    synchronized (this) {
      wrapper = manager.getPlugin(id);
    }
    return onOwnThread("orch-plugin-start-" + id, wrapper, timeoutMs, "start", () -> {
      Plugin plugin = wrapper.getPlugin();
      if (plugin == null) {
        throw new PluginFailure("cannot create its Plugin-Class " + wrapper.getDescriptor().getPluginClass(), null);
      }
      plugin.start();
      List<Class<? extends Tool>> classes;
      synchronized (this) {
        wrapper.setPluginState(PluginState.STARTED);
        classes = manager.getExtensionClasses(Tool.class, id);
      }
      List<LoadedTool> tools = new ArrayList<>();
      for (Class<? extends Tool> type : classes) {
        Tool tool = manager.getExtensionFactory().create(type);
        tools.add(LoadedTool.describe(tool, config));
      }
      return tools;
    });
  }

  /**
   * Stops a plugin (its {@link Plugin#stop()} on a thread of its own, bounded by {@code timeoutMs}),
   * then unloads it and closes its class loader. Never fails: a plugin that throws or hangs in stop
   * is logged and unloaded anyway.
   */
  CompletableFuture<Void> stopAndUnload(String id, long timeoutMs) {
    PluginWrapper wrapper;
    synchronized (this) {
      wrapper = manager.getPlugin(id);
    }
    if (wrapper == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> stopped = wrapper.getPluginState() == PluginState.STARTED
        ? onOwnThread("orch-plugin-stop-" + id, wrapper, timeoutMs, "stop", () -> {
          wrapper.getPlugin().stop();
          return null;
        }) : CompletableFuture.completedFuture(null);
    return stopped.handle((v, err) -> {
      if (err != null) {
        LOG.warn("plugin stop failed, unloading it anyway [plugin: {}, reason: {}]", id, rootMessage(err));
      }
      unload(id);
      return null;
    });
  }

  /** Unloads a plugin whose code is not running (never started, or already stopped). Blocking. */
  synchronized void unload(String id) {
    PluginWrapper wrapper = manager.getPlugin(id);
    if (wrapper == null) {
      return;
    }
    // The manager would call Plugin.stop() again, on this thread: the state says it was handled.
    if (wrapper.getPluginState() == PluginState.STARTED) {
      wrapper.setPluginState(PluginState.STOPPED);
    }
    try {
      manager.unloadPlugin(id);
    } catch (RuntimeException e) {
      LOG.warn("plugin unload failed [plugin: {}, reason: {}]", id, e.toString());
    }
    deleteQuietly(wrapper.getPluginPath());
  }

  /** Takes out whatever a failed load left in the manager for {@code copy}, and the copy. */
  private void forget(Path copy) {
    for (PluginWrapper w : manager.getPlugins()) {
      if (w.getPluginPath().equals(copy)) {
        try {
          manager.unloadPlugin(w.getPluginId());
        } catch (RuntimeException e) {
          LOG.debug("cannot unload a failed plugin [file: {}, reason: {}]", copy.getFileName(), e.toString());
        }
      }
    }
    deleteQuietly(copy);
  }

  /** Runs plugin code with the plugin's class loader as context loader, on a daemon thread, with a deadline. */
  private <T> CompletableFuture<T> onOwnThread(String name, PluginWrapper wrapper, long timeoutMs, String what,
      PluginCode<T> code) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      Thread.currentThread().setContextClassLoader(wrapper.getPluginClassLoader());
      try {
        result.complete(code.run());
      } catch (PluginFailure e) {
        result.completeExceptionally(e);
      } catch (Throwable e) { // a plugin may throw anything, LinkageErrors included
        result.completeExceptionally(new PluginFailure(what + " failed: " + rootMessage(e), e));
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(err -> {
      if (err instanceof TimeoutException) {
        thread.interrupt();
        return CompletableFuture.failedFuture(new PluginFailure(what + " did not finish within "
            + seconds(timeoutMs) + " s", null));
      }
      return CompletableFuture.failedFuture(err);
    });
  }

  @FunctionalInterface
  private interface PluginCode<T> {
    T run() throws Exception;
  }

  static String seconds(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
  }

  /**
   * What an operator needs to see of a failure: the message of the {@link PluginFailure} in it, else
   * the innermost cause with its type.
   */
  static String rootMessage(Throwable err) {
    Throwable root = err;
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof PluginFailure) {
        return t.getMessage();
      }
      root = t;
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (message.contains("already loaded plugin")) {
      return "another jar already provides this Plugin-Id";
    }
    return e instanceof PluginRuntimeException ? "not a valid plugin jar: " + rootMessage(e) : rootMessage(e);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("cannot delete plugin copy [file: {}, reason: {}]", file, e.toString());
    }
  }

  /** PF4J's jar manager, always in deployment mode, with a class loader that keeps the shared API shared. */
  private static final class Manager extends JarPluginManager {
    Manager(Path pluginsDir) {
      super(pluginsDir);
      // A plugin whose dependencies are missing is dropped, not an exception that leaves it half-loaded.
      setResolveRecoveryStrategy(ResolveRecoveryStrategy.IGNORE_PLUGIN_AND_CONTINUE);
    }

    @Override
    public RuntimeMode getRuntimeMode() {
      return RuntimeMode.DEPLOYMENT;
    }

    @Override
    protected PluginLoader createPluginLoader() {
      return new JarPluginLoader(this) {
        @Override
        protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
          return new SharedApiClassLoader(pluginManager, descriptor, getClass().getClassLoader());
        }
      };
    }
  }

  private static final class SharedApiClassLoader extends PluginClassLoader {
    SharedApiClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
      super(manager, descriptor, parent);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
      if (super.shouldDelegateToParent(className)) {
        return true;
      }
      for (String prefix : SHARED_PACKAGES) {
        if (className.startsWith(prefix)) {
          return true;
        }
      }
      return false;
    }
  }
}
