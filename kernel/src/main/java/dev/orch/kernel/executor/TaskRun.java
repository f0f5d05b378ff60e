package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.model.ChatMessage;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.model.ChatResponse;
import dev.orch.kernel.model.ToolCall;
import dev.orch.kernel.model.ToolResult;
import dev.orch.kernel.model.ToolSpec;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.tool.ToolAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at one task (API.md §11.4, §11.5): the prompt from the task's context and the
 * project's knowledge, then the model/tool loop. Every model call is preceded by a budget
 * reservation and followed by its recorded spend.
 */
final class TaskRun implements Attempt {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRun.class);
  static final String DEFAULT_SYSTEM = PromptLayout.DEFAULT_SYSTEM;
  static final String META = PromptLayout.META;
  /** Tools whose {@code project_id} argument is forced to the task's project (API.md §11.5). */
  static final Set<String> FILE_TOOLS = Set.of("read_file", "write_file", "list_files", "edit_file");
  /** Beyond the tool timeout, so that the host's own timeout answer arrives first. */
  static final long TOOL_REPLY_MARGIN_MS = 2_000;

  /**
   * What an attempt produced and spent. {@code unrecorded} is the last model call's spend when the
   * attempt left it to the task's completion to record, or null.
   */
  record Result(String output, long promptTokens, long completionTokens, double costUsd, String model,
      UsageRecord unrecorded) {
    Result(String output, long promptTokens, long completionTokens, double costUsd, String model) {
      this(output, promptTokens, completionTokens, costUsd, model, null);
    }

    static Result none(String model) {
      return new Result(null, 0, 0, 0, model);
    }

  }

  /** The attempt failed; {@code spent} is what it cost before failing. */
  static final class Failed extends RuntimeException {
    final Throwable cause;
    final Result spent;
    final boolean budgetRefusedAtStart;

    Failed(Throwable cause, Result spent, boolean budgetRefusedAtStart) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
      this.spent = spent;
      this.budgetRefusedAtStart = budgetRefusedAtStart;
    }
  }

  /** The budget ran out after at least one call: the partial output goes to review. */
  static final class BudgetExhausted extends RuntimeException {
    final Result partial;

    BudgetExhausted(Result partial) {
      super("Budget exhausted mid-execution (partial output)", null, false, false);
      this.partial = partial;
    }
  }

  private final EventBus bus;
  private final MeteredModel metered;
  private final Progress progress;
  private final ExecutorConfig config;
  private final Claimed task;
  private final String model;
  private final boolean local;
  private volatile boolean cancelled;
  /** The reservation the dispatch pass took for the first call; null once that call has it. */
  private String held;
  /** The tools offered to the model, by name: true when this node's tool host has it. */
  private Map<String, Boolean> offered = Map.of();

  TaskRun(EventBus bus, MeteredModel metered, Progress progress, ExecutorConfig config, Claimed task, String model,
      boolean local, String held) {
    this.held = held;
    this.bus = bus;
    this.metered = metered;
    this.progress = progress;
    this.config = config;
    this.task = task;
    this.model = model;
    this.local = local;
  }

  @Override
  public void cancel() {
    cancelled = true;
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }

  /** Runs the attempt; fails with {@link Failed} or {@link BudgetExhausted}. */
  @Override
  public Future<Result> run(List<String> knowledge) {
    PromptLayout layout = layout(knowledge);
    Future<List<ToolSpec>> tools = local || task.tools().isEmpty() ? Future.succeededFuture(List.of()) : tools();
    return tools.compose(specs -> {
      List<ChatMessage> messages = new ArrayList<>();
      messages.add(ChatMessage.user(userText(task)));
      ChatRequest base = ChatRequest.of(model, task.maxTokens(), messages).withSystem(layout.shared())
          .withTaskContext(layout.own()).withTools(specs);
      return round(base, messages, 0, new Accumulator());
    }).onComplete(ar -> {
      if (held != null) {
        metered.release(held); // the attempt ended before its first call
      }
    });
  }

  private final class Accumulator {
    final List<String> texts = new ArrayList<>();
    long prompt;
    long completion;
    double cost;
    String model = TaskRun.this.model;
    UsageRecord unrecorded;

    Result result() {
      return new Result(String.join("\n", texts), prompt, completion,
          java.math.BigDecimal.valueOf(cost).setScale(6, java.math.RoundingMode.HALF_EVEN).doubleValue(), model,
          unrecorded);
    }
  }

  private Future<Result> round(ChatRequest base, List<ChatMessage> messages, int round, Accumulator acc) {
    if (cancelled) {
      return Future.failedFuture(new Failed(new IllegalStateException("cancelled"), acc.result(), false));
    }
    String reservation = held;
    held = null;
    return metered.callUnrecorded(base.withMessages(List.copyOf(messages)), task.projectId(), task.id(), "execution",
            reservation)
        .transform(ar -> {
          if (ar.failed()) {
            if (Budget.refused(ar.cause())) {
              return Future.failedFuture(round == 0 ? new Failed(ar.cause(), acc.result(), true)
                  : new BudgetExhausted(acc.result()));
            }
            return Future.failedFuture(new Failed(ar.cause(), acc.result(), false));
          }
          ChatResponse response = ar.result().response();
          acc.prompt += response.usage().totalInput();
          acc.completion += response.usage().output();
          acc.cost += ar.result().costUsd();
          acc.model = response.model();
          if (response.text() != null && !response.text().isBlank()) {
            acc.texts.add(response.text());
          }
          if (lastRound(response, round)) {
            // Recorded by the unit that stores the task's outcome, in the same transaction.
            acc.unrecorded = ar.result().usage();
            return Future.succeededFuture(acc.result());
          }
          return metered.record(ar.result().usage()).compose(v -> afterCall(base, messages, round, acc, response));
        });
  }

  private boolean lastRound(ChatResponse response, int round) {
    return response.toolCalls().isEmpty() || round + 1 >= config.maxToolRounds();
  }

  private Future<Result> afterCall(ChatRequest base, List<ChatMessage> messages, int round, Accumulator acc,
      ChatResponse response) {
    List<Future<ToolResult>> results = new ArrayList<>();
    for (ToolCall call : response.toolCalls()) {
      progress.emit(task.projectId(), task.id(), EventTypes.TOOL_CALL, "Calling " + call.name(),
          new JsonObject().put("tool", call.name()));
      results.add(invoke(call));
    }
    return Future.all(results).compose(done -> {
      messages.add(response.toAssistantMessage());
      messages.add(ChatMessage.toolResults(results.stream().map(Future::result).toList()));
      trimHistory(messages);
      return round(base, messages, round + 1, acc);
    });
  }

  /** Keeps the first message plus the last 2 × max_history_rounds (API.md §11.5). */
  private void trimHistory(List<ChatMessage> messages) {
    int keep = 2 * config.maxHistoryRounds();
    while (messages.size() > keep + 1) {
      messages.remove(1);
    }
    // A tool-result turn must follow the assistant turn that asked for it.
    while (messages.size() > 1 && messages.get(1).role() == ChatMessage.Role.USER && !messages.get(1).toolResults().isEmpty()) {
      messages.remove(1);
    }
  }

  private Future<ToolResult> invoke(ToolCall call) {
    Boolean local = offered.get(call.name());
    if (local == null) {
      return Future.succeededFuture(ToolResult.failed(call, "Unknown tool: " + call.name()));
    }
    JsonObject arguments = call.arguments() == null ? new JsonObject() : call.arguments().copy();
    if (FILE_TOOLS.contains(call.name())) {
      arguments.put("project_id", task.projectId());
    }
    JsonObject body = new JsonObject().put("arguments", arguments).put("project_id", task.projectId())
        .put("task_id", task.id());
    // A tool this node has runs here: a file tool must act on the folders of the node that runs the task.
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(local)
        .setSendTimeout((long) (config.toolTimeoutSeconds() * 1000) + TOOL_REPLY_MARGIN_MS);
    return bus.<Object>request(ToolAddresses.invoke(call.name()), body, options)
        .map(reply -> {
          Object value = reply.body();
          String text = value instanceof JsonObject o ? o.getString("result", o.encode()) : String.valueOf(value);
          return ToolResult.ok(call, text);
        })
        .otherwise(err -> ToolResult.failed(call, toolError(call, err)));
  }

  /** The text a failed call shows the model (ToolAddresses: the host writes its failure texts for it). */
  private String toolError(ToolCall call, Throwable err) {
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return "Unknown tool: " + call.name();
      }
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.getMessage() != null) {
        return re.getMessage();
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        LOG.warn("tool call unanswered [task: {}, tool: {}]", task.id(), call.name());
        return "Tool error: TimeoutException: operation failed";
      }
    }
    LOG.warn("tool failed [task: {}, tool: {}, reason: {}]", task.id(), call.name(), err.toString());
    return "Tool error: " + err.getClass().getSimpleName() + ": operation failed";
  }

  /**
   * The registry's tools named by the task, this node's own and the cluster's; unknown names are
   * skipped, no registry means none.
   */
  private Future<List<ToolSpec>> tools() {
    return bus.<JsonObject>request(ToolAddresses.LIST, new JsonObject(), new DeliveryOptions().setSendTimeout(5_000))
        .map(reply -> {
          List<ToolSpec> out = new ArrayList<>();
          Map<String, Boolean> local = new HashMap<>();
          JsonArray all = reply.body().getJsonArray("tools", new JsonArray());
          for (Object o : all) {
            JsonObject t = (JsonObject) o;
            String name = t.getString("name");
            if (task.tools().contains(name) && !local.containsKey(name)) {
              out.add(new ToolSpec(name, t.getString("description", ""),
                  t.getJsonObject("parameters", new JsonObject().put("type", "object"))));
              local.put(name, t.getBoolean("local", false));
            }
          }
          offered = Map.copyOf(local);
          // By name: the tools open the cached prefix, which must not depend on the registry's order.
          out.sort(java.util.Comparator.comparing(ToolSpec::name));
          return out;
        })
        .otherwise(err -> List.of());
  }

  /** The first user turn: the task's description, or its title without one. */
  static String userText(Claimed task) {
    return task.description() == null || task.description().isBlank() ? task.title() : task.description();
  }

  /** The whole system prompt as one text (for a CLI agent), shared part first. */
  String systemPrompt(List<String> knowledge) {
    PromptLayout layout = layout(knowledge);
    return layout.shared() + "\n" + layout.own();
  }

  /** The prompt of API.md §11.5 in cache order: what the project's tasks share, then the task's own. */
  PromptLayout layout(List<String> knowledge) {
    return PromptLayout.of(task.projectId(), task.systemPrompt(), task.title(), task.description(), task.context(), knowledge,
        config.knowledgeInjectionMaxChars(), local, userText(task));
  }

}
