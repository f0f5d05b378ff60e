package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.agents.CliAgent;
import dev.orch.kernel.agents.CliAgentOutput;
import dev.orch.kernel.agents.CliAgentRequest;
import dev.orch.kernel.agents.CliAgentResult;
import dev.orch.kernel.agents.CliAgentRun;
import dev.orch.kernel.agents.CliAgentRunner;
import dev.orch.kernel.agents.ToolProfile;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A task run by a CLI agent (Claude Code, Codex, Gemini CLI) as a subprocess in the project's
 * sandbox folder: the budget holds an estimate first, the agent's output lines become
 * {@code agent_output} task events, and its reported usage is recorded like any model call.
 */
final class CliTaskRun implements Attempt {

  private final Vertx vertx;
  private final Budget budget;
  private final CliAgentRunner runner;
  private final Pricing pricing;
  private final Progress progress;
  private final Claimed task;
  private final CliAgent agent;
  private final ToolProfile profile;
  private final String estimateModel;
  private final String systemPrompt;
  private final Path workspace;
  private volatile CliAgentRun handle;
  private volatile boolean cancelled;

  CliTaskRun(Vertx vertx, CliAgentRunner runner, Pricing pricing, Progress progress, Claimed task, CliAgent agent,
      ToolProfile profile, String estimateModel, String systemPrompt, Path workspace) {
    this.vertx = vertx;
    this.budget = new Budget(vertx.eventBus());
    this.runner = runner;
    this.pricing = pricing;
    this.progress = progress;
    this.task = task;
    this.agent = agent;
    this.profile = profile;
    this.estimateModel = estimateModel;
    this.systemPrompt = systemPrompt;
    this.workspace = workspace;
  }

  @Override
  public Future<TaskRun.Result> run(List<String> knowledge) {
    String prompt = systemPrompt + "\n\n<task>\n" + (task.description() == null ? task.title() : task.description())
        + "\n</task>";
    double estimate = pricing.has(estimateModel)
        ? pricing.estimate(estimateModel, prompt.length() / 4 + 2000, task.maxTokens()).doubleValue() : 0;
    CliAgentRequest request = CliAgentRequest.of(agent, prompt, workspace).forTask(task.projectId(), task.id())
        .withProfile(profile);
    // Checked here, with the owner's role as it is now, before anything is reserved or started; the
    // runner checks again when it starts the process.
    return runner.admit(request)
        .compose(admitted -> vertx.executeBlocking(() -> Files.createDirectories(workspace)))
        .compose(dir -> budget.reserve(new ReserveRequest(estimate, task.projectId(), task.id(), "execution", null))
            .transform(reserved -> {
              if (reserved.failed()) {
                return Future.failedFuture(new TaskRun.Failed(reserved.cause(), TaskRun.Result.none(agent.wire()),
                    Budget.refused(reserved.cause())));
              }
              return started(request, reserved.result());
            }));
  }

  private Future<TaskRun.Result> started(CliAgentRequest request, String reservationId) {
    handle = runner.start(request, this::onOutput);
    if (cancelled) {
      handle.cancel();
    }
    return handle.result().transform(ran -> {
      if (ran.failed()) {
        // Nothing ran, nothing was spent: the hold goes back at once instead of at its expiry.
        return budget.release(reservationId).transform(released -> Future.failedFuture(ran.cause()));
      }
      CliAgentResult result = ran.result();
      TaskRun.Result spent = spent(result);
      UsageRecord usage = new UsageRecord(Ids.hex32(), reservationId, task.projectId(), task.id(), agent.wire(),
          spent.model(), spent.promptTokens(), spent.completionTokens(), spent.costUsd(), "execution");
      return budget.record(usage).compose(v -> outcome(result, spent));
    });
  }

  private void onOutput(CliAgentOutput line) {
    if (line.kind() == CliAgentOutput.Kind.TEXT || line.kind() == CliAgentOutput.Kind.TOOL_USE) {
      progress.emit(task.projectId(), task.id(), dev.orch.kernel.progress.EventTypes.AGENT_OUTPUT, line.text() == null ? line.line() : line.text(),
          line.toJson());
    }
  }

  /** What the run cost: the agent's own figure when it reports one, else its tokens at the model's price. */
  private TaskRun.Result spent(CliAgentResult result) {
    long input = result.usage() == null ? 0 : result.usage().totalInput();
    long output = result.usage() == null ? 0 : result.usage().output();
    String model = result.model() == null ? agent.wire() : result.model();
    double cost = result.costUsd() != null ? result.costUsd()
        : result.usage() != null && pricing.has(model) ? pricing.cost(model, result.usage()).doubleValue() : 0;
    return new TaskRun.Result(result.text(), input, output, cost, model);
  }

  private Future<TaskRun.Result> outcome(CliAgentResult result, TaskRun.Result spent) {
    if (result.succeeded()) {
      return Future.succeededFuture(spent);
    }
    // A timeout may pass on another try; a failing agent will fail the same way again.
    boolean retryable = result.timedOut();
    String error = result.timedOut() ? agent.wire() + " timed out" : result.error();
    return Future.failedFuture(new TaskRun.Failed(new OrchestratorException(retryable ? 504 : 502, error, retryable),
        spent, false));
  }

  @Override
  public void cancel() {
    cancelled = true;
    CliAgentRun running = handle;
    if (running != null) {
      running.cancel();
    }
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }
}
