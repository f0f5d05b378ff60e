/**
 * CLI agents: a task run by Claude Code, Codex or Gemini CLI as a subprocess in the project's
 * folder (ARCHITECTURE.md "Model providers").
 *
 * <p>{@link dev.orch.kernel.agents.CliAgentConfig#from} reads the {@code cli_agents} section;
 * {@link dev.orch.kernel.agents.CliAgentRunner#start} runs a
 * {@link dev.orch.kernel.agents.CliAgentRequest} with a {@link dev.orch.kernel.agents.ToolProfile},
 * streams each printed line as a {@link dev.orch.kernel.agents.CliAgentOutput} and ends with a
 * {@link dev.orch.kernel.agents.CliAgentResult}; the returned
 * {@link dev.orch.kernel.agents.CliAgentRun} can cancel it.
 */
package dev.orch.kernel.agents;
