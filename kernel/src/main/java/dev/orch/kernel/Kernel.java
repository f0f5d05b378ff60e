package dev.orch.kernel;

import dev.orch.kernel.admin.AdminService;
import dev.orch.kernel.agents.CliAgentConfig;
import dev.orch.kernel.agents.CliAgentPolicy;
import dev.orch.kernel.agents.CliAgentRunner;
import dev.orch.kernel.agents.CliSandbox;
import dev.orch.kernel.auth.AccountService;
import dev.orch.kernel.auth.OidcService;
import dev.orch.kernel.auth.PasswordHasher;
import dev.orch.kernel.auth.Tokens;
import dev.orch.kernel.budget.AnalyticsService;
import dev.orch.kernel.budget.BudgetConfig;
import dev.orch.kernel.budget.BudgetLedger;
import dev.orch.kernel.budget.BudgetVerticle;
import dev.orch.kernel.budget.UsageService;
import dev.orch.kernel.cluster.ClusterConfig;
import dev.orch.kernel.cluster.ClusterService;
import dev.orch.kernel.cluster.Membership;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.executor.DiagnosticAdvisor;
import dev.orch.kernel.git.Git;
import dev.orch.kernel.git.GitConfig;
import dev.orch.kernel.git.GitRepos;
import dev.orch.kernel.git.GitWorkspaces;
import dev.orch.kernel.executor.ExecutorConfig;
import dev.orch.kernel.executor.ExecutorVerticle;
import dev.orch.kernel.http.ApiVerticle;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.ModelsConfig;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.monitor.MonitorConfig;
import dev.orch.kernel.monitor.MonitorVerticle;
import dev.orch.kernel.planner.Decomposer;
import dev.orch.kernel.planner.PlannerAddresses;
import dev.orch.kernel.planner.PlannerVerticle;
import dev.orch.kernel.progress.EventRepository;
import dev.orch.kernel.progress.ProgressVerticle;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.projects.ProjectGit;
import dev.orch.kernel.projects.ProjectService;
import dev.orch.kernel.rag.RagCatalog;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.tasks.TaskServices;
import dev.orch.kernel.tasks.TasksConfig;
import dev.orch.kernel.tools.ToolHostConfig;
import dev.orch.kernel.tools.ToolHostVerticle;
import dev.orch.rag.RagConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running server on a Vert.x instance: the database, then the services, then the HTTP edge.
 * {@link Main} starts it for real; tests start it in-process on a temporary data folder.
 */
public final class Kernel {
  private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);

  private final Vertx vertx;
  private final Db db;
  private final Tokens tokens;
  private final int httpPort;
  private final HealthChecks health;
  private final AtomicBoolean deployed;
  private final String executorDeployment;

  private Kernel(Vertx vertx, Db db, Tokens tokens, int httpPort, HealthChecks health, AtomicBoolean deployed,
      String executorDeployment) {
    this.deployed = deployed;
    this.executorDeployment = executorDeployment;
    this.vertx = vertx;
    this.db = db;
    this.tokens = tokens;
    this.httpPort = httpPort;
    this.health = health;
  }

  /**
   * The configuration sections each component validates itself, read once. {@link Main} builds this
   * before starting anything, so an invalid value stops startup with one line naming its key.
   */
  public record Sections(ModelsConfig models, BudgetConfig budget, MonitorConfig monitor, ExecutorConfig executor,
      int defaultMaxTokens, String planningModel, TasksConfig tasks, CliAgentConfig cliAgents, RagConfig rag,
      ToolHostConfig tools, GitConfig git, ClusterConfig cluster) {
    /** {@code execution.default_max_tokens}. */
    public static final int DEFAULT_MAX_TOKENS = 4096;
    /** {@code anthropic.planning_model}. */
    public static final String DEFAULT_PLANNING_MODEL = "claude-sonnet-4-6";

    /** @throws dev.orch.kernel.config.ConfigException naming the first invalid key */
    public static Sections from(OrchConfig config) {
      var reader = new dev.orch.kernel.config.ConfigReader(config.raw());
      MonitorConfig monitor = MonitorConfig.from(config.raw());
      ExecutorConfig executor = ExecutorConfig.from(config.raw());
      return new Sections(ModelsConfig.from(config.raw()), BudgetConfig.from(config.raw()),
          monitor, executor, reader.positiveInteger("execution.default_max_tokens", DEFAULT_MAX_TOKENS),
          reader.string("anthropic.planning_model", DEFAULT_PLANNING_MODEL),
          TasksConfig.from(config.raw()), CliAgentConfig.from(config), rag(config),
          ToolHostConfig.from(config, monitor, executor), GitConfig.from(config.raw()),
          ClusterConfig.from(config.raw()));
    }

    private static RagConfig rag(OrchConfig config) {
      try {
        return RagConfig.from(config.raw());
      } catch (IllegalArgumentException invalid) {
        throw new dev.orch.kernel.config.ConfigException(invalid.getMessage(), invalid);
      }
    }
  }

  /** Opens the store and deploys every verticle, in dependency order. */
  public static Future<Kernel> start(Vertx vertx, OrchConfig config, Clock clock) {
    try {
      return start(vertx, config, Sections.from(config), clock);
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
  }

  /** As {@link #start(Vertx, OrchConfig, Clock)} with the sections already validated. */
  public static Future<Kernel> start(Vertx vertx, OrchConfig config, Sections sections, Clock clock) {
    return start(vertx, config, sections, clock, Membership.local(vertx.isClustered()));
  }

  /**
   * As {@link #start(Vertx, OrchConfig, Sections, Clock)} as the member {@code membership} describes:
   * its node id names this node's leases.
   */
  public static Future<Kernel> start(Vertx vertx, OrchConfig config, Sections sections, Clock clock,
      Membership membership) {
    config.warnings().forEach(w -> LOG.warn("config: {}", w));
    Future<CliSandbox> sandbox = CliSandbox.probe(vertx, sections.cliAgents(), System.getenv());
    return Future.all(Db.open(vertx, config.db()), sandbox).compose(opened -> {
      Db db = opened.resultAt(0);
      CliAgentPolicy cliAgents = new CliAgentPolicy(sections.cliAgents(), opened.resultAt(1));
      ProjectAccess access = new ProjectAccess(db);
      Git git = new Git(sections.git());
      GitWorkspaces workspaces = new GitWorkspaces(git, config.dataDir());
      if (sections.git().enabled()) {
        vertx.executeBlocking(git::available, false).onSuccess(found -> {
          if (!found) {
            LOG.warn("config: git.enabled is on but no git binary runs: projects on a repository will fail");
          }
        });
      }
      ProjectService projects = new ProjectService(db, access, cliAgents, new GitRepos(git, vertx), clock);
      Tokens tokens = new Tokens(vertx, config.auth(), clock);
      PasswordHasher hasher = new PasswordHasher(vertx, config.auth().bcryptCost(), config.auth().bcryptWorkers(),
          config.auth().bcryptMaxQueue());
      AccountService accounts = new AccountService(db, config.auth(), tokens, hasher, clock);
      ModelProviders models = ModelProviders.create(vertx, sections.models());
      Pricing pricing = sections.models().pricing();
      String planningModel = sections.planningModel();
      var router = new ModelRouter(sections.models());
      var diagnostics = dev.orch.kernel.rag.DiagnosticLog.of(vertx, sections.tasks().diagnosticRagEnabled(),
          sections.tasks().diagnosticIngestPath());
      var planner = new PlannerVerticle(db, models, pricing, planningModel,
          new Decomposer(router, pricing, sections.defaultMaxTokens()), clock);
      long generateTimeoutMs = PlannerAddresses.generateTimeoutMs(sections.models().anthropic().timeout().toSeconds(),
          sections.models().retry().maxRetries());
      AtomicBoolean deployed = new AtomicBoolean();
      AtomicReference<String> executor = new AtomicReference<>();
      var cluster = new ClusterService(vertx, db, membership, deployed::get, clock);
      var services = new ApiVerticle.Services(accounts, new AdminService(db, accounts.users()),
          new OidcService(vertx, accounts, config.auth()), projects, access,
          ApiVerticle.rateLimiter(config, membership.clustered() ? db : null), new UsageService(vertx, db), new AnalyticsService(db, clock),
          generateTimeoutMs, TaskServices.create(vertx, db, access, pricing, sections.tasks(),
              new dev.orch.kernel.tasks.ExternalSpend(pricing, router, sections.budget().externalOverrunFactor(),
                  sections.executor().externalClaimTimeoutSeconds()), diagnostics, clock),
          new EventRepository(db), new RagCatalog(vertx, sections.rag()), ApiVerticle.streamQuota(config),
          new ProjectGit(vertx, db, access, workspaces), cluster);
      // Port 0 means "any free port": one instance, so the port it got is the server's port.
      int instances = config.server().port() == 0 ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors());
      AtomicReference<ApiVerticle> first = new AtomicReference<>();
      HealthChecks health = HealthChecks.create(vertx);
      return vertx.deployVerticle(new BudgetVerticle(sections.budget(), db, clock))
          .compose(budget -> vertx.deployVerticle(new ProgressVerticle(db, clock)))
          .compose(progress -> vertx.deployVerticle(new MonitorVerticle(sections.monitor(), health)))
          .compose(monitor -> vertx.deployVerticle(new ToolHostVerticle(sections.tools())))
          .compose(toolHost -> vertx.deployVerticle(planner))
          .compose(plannerId -> vertx.deployVerticle(new ExecutorVerticle(new ExecutorVerticle.Parts(db, models, pricing,
              new BudgetLedger(sections.budget(), db, clock), diagnostics,
              DiagnosticAdvisor.create(vertx, sections.tasks().diagnosticRagEnabled(), models, sections.rag()),
              router, sections.executor(), new CliAgentRunner(vertx, cliAgents, projects), config.dataDir(),
              workspaces),
              clock, membership.clustered(), membership.nodeId())))
          .compose(executorId -> {
            executor.set(executorId);
            return vertx.deployVerticle(() -> {
            ApiVerticle api = new ApiVerticle(config, services);
            first.compareAndSet(null, api);
            return api;
          }, new DeploymentOptions().setInstances(instances));
          })
          .map(id -> {
            deployed.set(true);
            return new Kernel(vertx, db, tokens, first.get().actualPort(), health, deployed, executor.get());
          })
          .onFailure(err -> {
            models.close();
            db.close();
          });
    });
  }

  public int httpPort() {
    return httpPort;
  }

  public Db db() {
    return db;
  }

  /** The token service, for minting tokens such as the SSE token. */
  public Tokens tokens() {
    return tokens;
  }

  /** The health-check procedures of the deployed verticles, for readiness views. */
  public HealthChecks health() {
    return health;
  }

  /**
   * Undeploys the verticles (the executor lets its workers finish and stores their outcomes), then
   * closes the database, which commits and syncs what the group commit still holds and stops the
   * checkpointer, then Vert.x.
   */
  public Future<Void> stop() {
    deployed.set(false); // readiness says no from now on: a load balancer stops sending requests here
    // The executor first: its draining workers still record spend and progress through the others.
    Future<?> drained = vertx.deploymentIDs().contains(executorDeployment) ? vertx.undeploy(executorDeployment)
        : Future.succeededFuture();
    // Completed by Vert.x's close, whose event loops are gone by then: a future of a Vert.x context
    // would never call back (eclipse-vertx/vert.x#3232), a promise of none does.
    io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
    drained.transform(d -> Future.join(vertx.deploymentIDs().stream().<Future<?>>map(vertx::undeploy).toList()))
        .transform(v -> db.close())
        .onComplete(dbClosed -> {
          if (dbClosed.failed()) {
            LOG.error("database not closed cleanly [reason: {}]", dbClosed.cause().getMessage());
          }
          vertx.close().onComplete(closed);
        });
    return closed.future();
  }
}
