package dev.orch.kernel.projects;

import dev.orch.kernel.agents.CliAgentPolicy;
import dev.orch.kernel.agents.OwnerRoles;
import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.git.GitRepos;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.state.TaskContexts;
import dev.orch.kernel.state.TaskView;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Projects (API.md §3.4): everything but planning, approval and execution. A config that names a CLI
 * agent is checked against the {@link CliAgentPolicy} for the project's owner whenever it is written
 * (create, PATCH, clone).
 */
public final class ProjectService implements OwnerRoles {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectService.class);

  private final Db db;
  private final ProjectAccess access;
  private final CliAgentPolicy cliAgents;
  private final Clock clock;
  private final GitRepos repos;
  private final ProjectRepository repo = new ProjectRepository();

  /** @param repos checks a {@code repo_path} at create and PATCH (exists, a repository, under the allowed roots) */
  public ProjectService(Db db, ProjectAccess access, CliAgentPolicy cliAgents, GitRepos repos, Clock clock) {
    this.db = db;
    this.access = access;
    this.cliAgents = cliAgents;
    this.repos = repos;
    this.clock = clock;
  }

  /** The repository's real path (stored so that a later link change cannot move it), or null when absent. */
  private Future<String> repoChecked(String repoPath) {
    return repoPath == null ? Future.succeededFuture(null) : repos.check(repoPath);
  }

  /** The role of the project's active owner, or null: whose grants a CLI agent run of it uses. */
  @Override
  public Future<String> role(String projectId) {
    return projectId == null ? Future.succeededFuture(null) : repo.ownerRole(db.client(), projectId);
  }

  /** What a create or patch asks for; null fields are absent. */
  public record ProjectFields(String name, String requirements, JsonObject config, String planningRigor,
      String repoPath, String gitBaseBranch) {
    boolean empty() {
      return name == null && requirements == null && config == null && planningRigor == null && repoPath == null
          && gitBaseBranch == null;
    }
  }

  public Future<JsonObject> create(Principal caller, ProjectFields f) {
    JsonObject config = f.config() == null ? new JsonObject() : f.config().copy();
    config.put("planning_rigor", f.planningRigor() == null ? "L2" : f.planningRigor());
    String id = Ids.short12();
    double now = Times.now(clock);
    return Future.succeededFuture()
        .compose(v -> {
          cliAgents.checkProjectConfig(caller.user().role(), config);
          return repoChecked(f.repoPath());
        })
        .compose(repoPath -> repo.insert(db.client(), id, f.name(), f.requirements(), config, caller.id(), repoPath,
            f.gitBaseBranch(), now))
        .compose(v -> access.project(caller, id))
        .map(project -> {
          LOG.info("project created [project: {}, owner: {}]", id, caller.id());
          return ProjectView.projectOut(project, null);
        });
  }

  public Future<JsonArray> list(Principal caller, String status, int limit, int offset) {
    return repo.list(db.reads(), caller.admin() ? null : caller.id(), status, limit, offset);
  }

  public Future<JsonObject> get(Principal caller, String projectId) {
    return access.project(caller, projectId).compose(p -> repo.withSummary(db.reads(), projectId));
  }

  /** PATCH semantics of API.md §1.8; {@code config} replaces, then {@code planning_rigor} is written into it. */
  public Future<JsonObject> patch(Principal caller, String projectId, ProjectFields f) {
    return access.project(caller, projectId).compose(project -> {
      if (f.empty()) {
        return Future.failedFuture(OrchestratorException.badRequest("No fields to update"));
      }
      List<String> columns = new ArrayList<>();
      List<Object> values = new ArrayList<>();
      if (f.name() != null) {
        columns.add("name");
        values.add(f.name());
      }
      if (f.requirements() != null) {
        columns.add("requirements");
        values.add(f.requirements());
      }
      if (f.config() != null || f.planningRigor() != null) {
        JsonObject config = f.config() != null ? f.config().copy() : project.config().copy();
        if (f.planningRigor() != null) {
          config.put("planning_rigor", f.planningRigor());
        }
        columns.add("config_json");
        values.add(config.encode());
      }
      Future<Void> checked = Future.succeededFuture();
      if (f.config() != null) {
        // The owner's grants decide, also when an admin edits someone else's project.
        JsonObject config = f.config();
        Future<String> ownerRole = caller.id().equals(project.ownerId()) ? Future.succeededFuture(caller.user().role())
            : role(projectId);
        checked = ownerRole.compose(role -> {
          cliAgents.checkProjectConfig(role, config);
          return Future.succeededFuture();
        });
      }
      if (f.repoPath() != null) {
        checked = checked.compose(ok -> repoChecked(f.repoPath())).compose(real -> {
          columns.add("repo_path");
          values.add(real);
          return Future.<Void>succeededFuture();
        });
      }
      if (f.gitBaseBranch() != null) {
        columns.add("git_base_branch");
        values.add(f.gitBaseBranch());
      }
      return checked.compose(ok -> repo.update(db.client(), projectId, columns, values, Times.now(clock)))
          .compose(v -> repo.withSummary(db.client(), projectId));
    });
  }

  /**
   * Deletes the project with its plans, tasks, edges, events, checkpoints and knowledge; usage rows
   * stay for accounting with their project and task set to NULL (API.md §18.4).
   */
  public Future<Void> delete(Principal caller, String projectId) {
    return access.project(caller, projectId)
        .compose(p -> repo.delete(db.client(), projectId))
        .onSuccess(v -> LOG.info("project deleted [project: {}, by: {}]", projectId, caller.id()));
  }

  public Future<JsonArray> plans(Principal caller, String projectId, int limit, int offset) {
    return access.project(caller, projectId).compose(p -> repo.plans(db.client(), projectId, limit, offset));
  }

  public Future<JsonArray> knowledge(Principal caller, String projectId, String category, int limit, int offset) {
    return access.project(caller, projectId)
        .compose(p -> repo.knowledge(db.client(), projectId, category, limit, offset));
  }

  public Future<Void> deleteFinding(Principal caller, String projectId, String findingId) {
    return access.project(caller, projectId)
        .compose(p -> repo.deleteFinding(db.client(), projectId, findingId))
        .compose(deleted -> deleted ? Future.<Void>succeededFuture()
            : Future.failedFuture(OrchestratorException.notFound("Finding " + findingId + " not found")));
  }

  /** Requirement traceability: which requirement blocks some task covers. */
  public Future<JsonObject> coverage(Principal caller, String projectId) {
    return access.project(caller, projectId).compose(project -> repo.coveredRequirementIds(db.client(), projectId)
        .map(covered -> {
          Set<String> coveredIds = new HashSet<>(covered);
          List<String> blocks = Requirements.blocks(project.requirements());
          JsonArray requirements = new JsonArray();
          int coveredCount = 0;
          for (int i = 0; i < blocks.size(); i++) {
            String id = "R" + (i + 1);
            boolean isCovered = coveredIds.contains(id);
            coveredCount += isCovered ? 1 : 0;
            requirements.add(new JsonObject().put("id", id).put("text", blocks.get(i)).put("covered", isCovered));
          }
          return new JsonObject()
              .put("project_id", projectId)
              .put("total_requirements", blocks.size())
              .put("covered_count", coveredCount)
              .put("uncovered_count", blocks.size() - coveredCount)
              .put("requirements", requirements);
        }));
  }

  /** Copies the project, its latest plan and its tasks with remapped edges, in one transaction. */
  public Future<JsonObject> cloneProject(Principal caller, String projectId) {
    return access.project(caller, projectId).compose(source -> {
      // The clone is the caller's: their grants decide whether it may keep the source's CLI agent.
      cliAgents.checkProjectConfig(caller.user().role(), source.config());
      String cloneId = Ids.short12();
      double now = Times.now(clock);
      return db.pool().withTransaction(tx -> repo.insert(tx, cloneId, source.name() + " (clone)",
              source.requirements(), source.config(), caller.id(), null, null, now)
          .compose(v -> clonePlan(tx, projectId, cloneId, now))
          .compose(planId -> cloneTasks(tx, projectId, cloneId, planId, now))
          .compose(v -> repo.withSummary(tx, cloneId)))
          .onSuccess(v -> LOG.info("project cloned [project: {}, clone: {}, by: {}]", projectId, cloneId, caller.id()));
    });
  }

  /** Copies the latest approved plan, else the latest plan; returns the new plan id, or null. */
  private Future<String> clonePlan(SqlClient tx, String projectId, String cloneId, double now) {
    String latest = "SELECT id, model_used, plan_json FROM plans WHERE project_id = ?"
        + " ORDER BY CASE WHEN status = 'approved' THEN 0 ELSE 1 END, version DESC LIMIT 1";
    return tx.preparedQuery(latest).execute(Tuple.of(projectId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row plan = rows.iterator().next();
      String planId = Ids.short12();
      return tx.preparedQuery("INSERT INTO plans (id, project_id, version, model_used, prompt_tokens, completion_tokens,"
              + " cost_usd, plan_json, status, created_at) VALUES (?, ?, 1, ?, 0, 0, 0, ?, 'draft', ?)")
          .execute(Tuple.of(planId, cloneId, plan.getString("model_used"), plan.getString("plan_json"), now))
          .map(planId);
    });
  }

  private Future<Void> cloneTasks(SqlClient tx, String projectId, String cloneId, String newPlanId, double now) {
    String tasks = "SELECT id, plan_id, title, description, task_type, priority, model_tier,"
        + " " + TaskContexts.COLUMN + ", tools_json, system_prompt, max_tokens, wave, phase,"
        + " requirement_ids_json FROM tasks" + TaskContexts.JOIN + " WHERE project_id = ?"
        + " ORDER BY created_at, priority, id";
    return Future.all(tx.preparedQuery(tasks).execute(Tuple.of(projectId)),
        TaskView.dependencies(tx, projectId)).compose(all -> {
          Iterable<Row> rows = all.resultAt(0);
          Map<String, JsonArray> deps = all.resultAt(1);
          Map<String, String> newIds = new HashMap<>();
          rows.forEach(r -> newIds.put(r.getString("id"), Ids.short12()));
          List<Tuple> inserts = new ArrayList<>();
          List<Tuple> contexts = new ArrayList<>();
          List<Tuple> edges = new ArrayList<>();
          for (Row r : rows) {
            String oldId = r.getString("id");
            JsonArray dependsOn = deps.getOrDefault(oldId, new JsonArray());
            // A cloned task with dependencies waits for them (API.md §18.9).
            String status = dev.orch.kernel.state.Lifecycle.initial(!dependsOn.isEmpty());
            inserts.add(Tuple.wrap(java.util.Arrays.asList(newIds.get(oldId), cloneId,
                newPlanId != null ? newPlanId : r.getString("plan_id"), r.getString("title"), r.getString("description"),
                r.getString("task_type"), r.getInteger("priority"), status, r.getString("model_tier"),
                r.getString("tools_json"), r.getString("system_prompt"),
                r.getInteger("max_tokens"), r.getInteger("wave"), r.getString("phase"),
                r.getString("requirement_ids_json"), now, now)));
            contexts.add(Tuple.of(newIds.get(oldId), r.getString("context_json")));
            dependsOn.forEach(dep -> {
              String mapped = newIds.get(String.valueOf(dep));
              if (mapped != null) {
                edges.add(Tuple.of(newIds.get(oldId), mapped));
              }
            });
          }
          Future<?> done = inserts.isEmpty() ? Future.succeededFuture()
              : tx.preparedQuery("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, priority,"
                  + " status, model_tier, tools_json, system_prompt, max_tokens, wave, phase,"
                  + " requirement_ids_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                  + " ?, ?)").executeBatch(inserts)
                  .compose(v -> tx.preparedQuery(TaskContexts.INSERT).executeBatch(contexts));
          return done.compose(v -> edges.isEmpty() ? Future.succeededFuture()
              : tx.preparedQuery("INSERT INTO task_deps (task_id, depends_on) VALUES (?, ?)").executeBatch(edges))
              .mapEmpty();
        });
  }

  /**
   * Everything about one project as one JSON document (API.md §3.4 export), read a page at a time
   * while it is written, so that a project of any size exports in bounded memory. Each page is its
   * own read: a project that runs meanwhile may show later rows in later sections.
   *
   * @return the document once the caller's access is checked; 404/403 as in API.md §1.6
   */
  public Future<JsonDocument> export(Principal caller, String projectId) {
    return access.project(caller, projectId).compose(p -> repo.withSummary(db.client(), projectId)).map(project -> {
      SqlClient c = db.client();
      Future<Map<String, JsonArray>> deps = TaskView.dependencies(c, projectId);
      return new JsonDocument()
          .value("exported_at", Times.now(clock))
          .value("project", project)
          .array("plans", JsonDocument.Pages.byOffset(0, Integer.MAX_VALUE, (limit, offset) -> rows(c,
              "SELECT id, project_id, version, model_used, prompt_tokens, completion_tokens, cost_usd, plan_json, status,"
                  + " created_at FROM plans WHERE project_id = ? ORDER BY version DESC, created_at DESC, id"
                  + " LIMIT ? OFFSET ?", projectId, limit, offset, r -> {
                JsonObject plan = ProjectView.planOut(r);
                plan.remove("project_id");
                return plan;
              })))
          .array("tasks", JsonDocument.Pages.byOffset(0, Integer.MAX_VALUE, (limit, offset) -> deps.compose(d ->
              rows(c, "SELECT " + TaskView.COLUMNS + " FROM tasks WHERE project_id = ?"
                  + " ORDER BY wave, priority, created_at, id LIMIT ? OFFSET ?", projectId, limit, offset,
                  r -> TaskView.taskOut(r, d.getOrDefault(r.getString("id"), new JsonArray()))))))
          .array("events", last -> rows(c, "SELECT id, task_id, event_type, message, data_json, timestamp"
              + " FROM task_events WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?", projectId,
              last == null ? -1L : last.getLong("id"), JsonDocument.PAGE, r -> new JsonObject()
                  .put("id", r.getLong("id")).put("task_id", r.getString("task_id"))
                  .put("event_type", r.getString("event_type")).put("message", r.getString("message"))
                  .put("data", r.getString("data_json") == null ? null : ProjectView.planJson(r.getString("data_json")))
                  .put("timestamp", r.getDouble("timestamp"))))
          .array("checkpoints", JsonDocument.Pages.byOffset(0, Integer.MAX_VALUE, (limit, offset) -> rows(c,
              "SELECT id, task_id, checkpoint_type, summary, attempts_json, question, response, resolved_at, created_at"
                  + " FROM checkpoints WHERE project_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?", projectId, limit,
              offset, r -> new JsonObject().put("id", r.getString("id")).put("task_id", r.getString("task_id"))
                  .put("checkpoint_type", r.getString("checkpoint_type")).put("summary", r.getString("summary"))
                  .put("attempts", TaskView.jsonArray(r.getString("attempts_json")))
                  .put("question", r.getString("question")).put("response", r.getString("response"))
                  .put("resolved_at", r.getDouble("resolved_at")).put("created_at", r.getDouble("created_at")))))
          .array("usage", JsonDocument.Pages.byOffset(0, Integer.MAX_VALUE, (limit, offset) -> rows(c,
              "SELECT id, task_id, provider, model, prompt_tokens, completion_tokens, cost_usd, purpose, timestamp"
                  + " FROM usage_log WHERE project_id = ? ORDER BY timestamp, id LIMIT ? OFFSET ?", projectId, limit,
              offset, r -> new JsonObject().put("id", r.getLong("id")).put("task_id", r.getString("task_id"))
                  .put("provider", r.getString("provider")).put("model", r.getString("model"))
                  .put("prompt_tokens", r.getLong("prompt_tokens")).put("completion_tokens", r.getLong("completion_tokens"))
                  .put("cost_usd", r.getDouble("cost_usd")).put("purpose", r.getString("purpose"))
                  .put("timestamp", r.getDouble("timestamp")))))
          .array("knowledge", JsonDocument.Pages.byOffset(0, Integer.MAX_VALUE, (limit, offset) -> c.preparedQuery(
              "SELECT id, project_id, task_id, category, content, source_task_title, created_at FROM project_knowledge"
                  + " WHERE project_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?")
              .execute(Tuple.of(projectId, limit, offset)).map(rows -> {
                JsonArray out = ProjectRepository.findings(rows);
                out.forEach(f -> ((JsonObject) f).remove("project_id"));
                return out;
              })));
    });
  }

  /** One page of rows, each made into a JSON object. */
  private static Future<JsonArray> rows(SqlClient client, String sql, String projectId, Object a, Object b,
      java.util.function.Function<Row, JsonObject> toJson) {
    return client.preparedQuery(sql).execute(Tuple.of(projectId, a, b)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(toJson.apply(r)));
      return out;
    });
  }
}
