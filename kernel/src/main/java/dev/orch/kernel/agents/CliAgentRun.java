package dev.orch.kernel.agents;

import dev.orch.kernel.agents.CliAgentResult.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CLI agent run in flight: its result and the means to stop it. Made by
 * {@link CliAgentRunner#start}.
 *
 * <p>Threads: the process is started on a worker; three daemon threads per run write the prompt and
 * read stdout and stderr, because each blocks for as long as the agent works (up to the timeout) and
 * would otherwise hold worker-pool threads for that long. Everything else, including every call of
 * the output consumer and the completion of {@link #result()}, happens on the Vert.x context that
 * started the run.
 */
public final class CliAgentRun {
  private static final Logger LOG = LoggerFactory.getLogger(CliAgentRun.class);
  /** How long stdout and stderr may stay open after the process exited, e.g. held by a background child. */
  static final Duration OUTPUT_DRAIN = Duration.ofSeconds(2);
  static final int STDERR_TAIL_LINES = 20;
  private static final int STDERR_TAIL_CHARS = 2000;

  private final Vertx vertx;
  private final Context context;
  private final CliAgentRequest request;
  private final ToolProfile profile;
  private final Duration timeout;
  private final Duration killGrace;
  private final Consumer<CliAgentOutput> onOutput;
  private final AgentStream stream;
  private final Promise<CliAgentResult> promise = Promise.promise();

  // Everything below is confined to the context.
  private final Deque<String> stderrTail = new ArrayDeque<>();
  private Process process;
  private String command;
  private long startNanos;
  private Outcome pendingStop;
  private Outcome stopReason;
  private boolean forceKilled;
  private boolean exited;
  private boolean stdoutClosed;
  private boolean stderrClosed;
  private boolean done;
  private boolean handlerFailed;
  private long timeoutTimer = -1;
  private long drainTimer = -1;

  CliAgentRun(Vertx vertx, Context context, CliAgentRequest request, ToolProfile profile, Duration timeout,
      Duration killGrace, Consumer<CliAgentOutput> onOutput) {
    this.vertx = vertx;
    this.context = context;
    this.request = request;
    this.profile = profile;
    this.timeout = timeout;
    this.killGrace = killGrace;
    this.onOutput = onOutput == null ? out -> { } : onOutput;
    this.stream = AgentStream.of(request.agent());
  }

  /** The CLI that runs. */
  public CliAgent agent() {
    return request.agent();
  }

  /** The profile it runs with, after defaults. */
  public ToolProfile profile() {
    return profile;
  }

  /**
   * Completes on the starting context once the process has exited and its output was delivered:
   * with a {@link CliAgentResult} for every run that started (also when it failed, timed out or was
   * cancelled). Fails with an {@code OrchestratorException} when it could not start: 403 when the
   * policy refuses it (CLI agents disabled on this host, or a profile the project owner's role may
   * not run), 403 for a working directory outside the data folder, 400 for one that does not exist, 503 when the CLI is
   * not installed or cannot be executed.
   */
  public Future<CliAgentResult> result() {
    return promise.future();
  }

  /**
   * Stops the run: SIGTERM to the CLI and every process it started, SIGKILL to those still alive
   * after {@code cli_agents.kill_grace_seconds}. The result then has outcome
   * {@link Outcome#CANCELLED}. Safe from any thread, idempotent, and a no-op once the CLI exited.
   */
  public void cancel() {
    context.runOnContext(v -> stop(Outcome.CANCELLED));
  }

  void started(Process started, String binaryName) {
    process = started;
    command = binaryName;
    startNanos = System.nanoTime();
    LOG.info("cli agent started [project: {}, task: {}, agent: {}, profile: {}, pid: {}, timeout: {}]",
        request.projectId(), request.taskId(), agent().wire(), profile.wire(), process.pid(), seconds(timeout));
    String name = "orch-cli-" + agent().wire() + "-" + process.pid();
    daemon(name + "-in", this::writePrompt).start();
    daemon(name + "-out", this::readStdout).start();
    daemon(name + "-err", this::readStderr).start();
    timeoutTimer = vertx.setTimer(timeout.toMillis(), id -> {
      timeoutTimer = -1;
      stop(Outcome.TIMED_OUT);
    });
    process.onExit().whenComplete((p, err) -> context.runOnContext(v -> exited()));
    if (pendingStop != null) {
      stop(pendingStop);
    }
  }

  void failedToStart(Throwable err) {
    done = true;
    promise.fail(err);
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  private void writePrompt() {
    try (OutputStream in = process.getOutputStream()) {
      in.write(request.prompt().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The CLI exited, or closed stdin, before reading all of it; its exit code tells the rest.
      LOG.debug("cli agent did not read its whole prompt [agent: {}, pid: {}, reason: {}]", agent().wire(),
          process.pid(), e.getMessage());
    }
  }

  private void readStdout() {
    try (BufferedReader reader = reader(process.getInputStream())) {
      String line;
      while ((line = reader.readLine()) != null) {
        CliAgentOutput output = stream.parse(line);
        context.runOnContext(v -> deliver(output));
      }
    } catch (IOException e) {
      LOG.debug("cli agent stdout closed [agent: {}, reason: {}]", agent().wire(), e.getMessage());
    } finally {
      context.runOnContext(v -> {
        stdoutClosed = true;
        tryComplete();
      });
    }
  }

  private void readStderr() {
    try (BufferedReader reader = reader(process.getErrorStream())) {
      String line;
      while ((line = reader.readLine()) != null) {
        String text = line;
        context.runOnContext(v -> {
          keepTail(text);
          deliver(CliAgentOutput.stderr(text));
        });
      }
    } catch (IOException e) {
      LOG.debug("cli agent stderr closed [agent: {}, reason: {}]", agent().wire(), e.getMessage());
    } finally {
      context.runOnContext(v -> {
        stderrClosed = true;
        tryComplete();
      });
    }
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  private void deliver(CliAgentOutput output) {
    if (done) {
      return;
    }
    try {
      onOutput.accept(output);
    } catch (RuntimeException e) {
      // Once per run: a handler bug would otherwise log a stack trace for every line.
      if (!handlerFailed) {
        handlerFailed = true;
        LOG.warn("cli agent output handler failed, the run goes on [project: {}, task: {}, agent: {}, kind: {}]",
            request.projectId(), request.taskId(), agent().wire(), output.kind(), e);
      }
    }
  }

  private void keepTail(String line) {
    if (line.isBlank()) {
      return;
    }
    stderrTail.addLast(line.length() > 500 ? line.substring(0, 500) + "…" : line);
    if (stderrTail.size() > STDERR_TAIL_LINES) {
      stderrTail.removeFirst();
    }
  }

  private void exited() {
    exited = true;
    cancelTimer(timeoutTimer);
    // When stopping, children that ignore SIGTERM may hold the output open until SIGKILL; the drain
    // starts only after that, so it does not finish the run while they still run.
    if (!tryComplete() && (stopReason == null || forceKilled)) {
      startDrain();
    }
  }

  private void startDrain() {
    if (drainTimer != -1 || done) {
      return;
    }
    drainTimer = vertx.setTimer(OUTPUT_DRAIN.toMillis(), id -> {
      drainTimer = -1;
      if (!done) {
        LOG.warn("cli agent exited but its output is still open, finishing without the rest [agent: {}, pid: {}]",
            agent().wire(), process.pid());
        complete();
      }
    });
  }

  private boolean tryComplete() {
    if (!done && exited && stdoutClosed && stderrClosed) {
      complete();
    }
    return done;
  }

  private void stop(Outcome reason) {
    if (done || exited || stopReason != null) {
      return;
    }
    if (process == null) {
      pendingStop = pendingStop == null ? reason : pendingStop;
      return;
    }
    stopReason = reason;
    cancelTimer(timeoutTimer);
    if (reason == Outcome.TIMED_OUT) {
      LOG.warn("cli agent timed out, stopping it [project: {}, task: {}, agent: {}, pid: {}, timeout: {}]",
          request.projectId(), request.taskId(), agent().wire(), process.pid(), seconds(timeout));
    } else {
      LOG.info("cli agent cancelled, stopping it [project: {}, task: {}, agent: {}, pid: {}]",
          request.projectId(), request.taskId(), agent().wire(), process.pid());
    }
    context.executeBlocking(this::terminate, false).onComplete(ar -> {
      List<ProcessHandle> tree = ar.succeeded() ? ar.result() : List.of();
      vertx.setTimer(killGrace.toMillis(), id -> forceKill(tree));
    });
  }

  /** SIGTERM to the CLI and its descendants; returns the descendants for the SIGKILL that follows. */
  private List<ProcessHandle> terminate() {
    // Taken before the CLI dies: its orphans are re-parented and no longer its descendants.
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroy();
    tree.forEach(ProcessHandle::destroy);
    return tree;
  }

  private void forceKill(List<ProcessHandle> tree) {
    context.executeBlocking(() -> {
      Set<ProcessHandle> all = new LinkedHashSet<>();
      if (process.isAlive()) {
        all.add(process.toHandle());
        process.descendants().forEach(all::add);
      }
      all.addAll(tree);
      int killed = 0;
      for (ProcessHandle handle : all) {
        // ProcessHandle checks the start time, so a recycled pid is never hit.
        if (handle.isAlive() && handle.destroyForcibly()) {
          killed++;
        }
      }
      return killed;
    }, false).onComplete(ar -> {
      if (ar.succeeded() && ar.result() > 0) {
        LOG.warn("cli agent processes ignored SIGTERM, killed [agent: {}, pid: {}, processes: {}]", agent().wire(),
            process.pid(), ar.result());
      }
      forceKilled = true;
      if (exited && !done) {
        startDrain();
      }
    });
  }

  private void complete() {
    done = true;
    cancelTimer(timeoutTimer);
    cancelTimer(drainTimer);
    int exit = process.exitValue();
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    Outcome outcome = stopReason != null ? stopReason
        : exit == 0 && stream.error() == null ? Outcome.SUCCEEDED : Outcome.FAILED;
    String error = switch (outcome) {
      case SUCCEEDED -> null;
      case TIMED_OUT -> agent().wire() + " timed out after " + seconds(timeout);
      case CANCELLED -> agent().wire() + " was cancelled";
      case FAILED -> failure(exit);
    };
    CliAgentResult result = new CliAgentResult(agent(), outcome, exit, stream.text(), stream.usage(),
        stream.costUsd(), stream.model(), stream.sessionId(), error, took);
    LOG.info("cli agent finished [project: {}, task: {}, agent: {}, outcome: {}, exit: {}, ms: {}]",
        request.projectId(), request.taskId(), agent().wire(), outcome, exit, took.toMillis());
    promise.complete(result);
  }

  private String failure(int exit) {
    StringBuilder text = new StringBuilder(exit == 0 ? agent().wire() + " reported an error"
        : command + " exited with code " + exit);
    List<String> details = new ArrayList<>();
    if (stream.error() != null) {
      details.add(stream.error());
    }
    if (!stderrTail.isEmpty()) {
      String tail = String.join("\n", stderrTail);
      details.add(tail.length() > STDERR_TAIL_CHARS ? tail.substring(tail.length() - STDERR_TAIL_CHARS) : tail);
    }
    if (!details.isEmpty()) {
      text.append(": ").append(String.join("\n", details));
    }
    return text.toString();
  }

  /** {@code 1800 s}, or {@code 0.8 s} for the short limits of tests and embedders. */
  private static String seconds(Duration duration) {
    long ms = duration.toMillis();
    return (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0)) + " s";
  }

  private void cancelTimer(long id) {
    if (id != -1) {
      vertx.cancelTimer(id);
    }
  }
}
