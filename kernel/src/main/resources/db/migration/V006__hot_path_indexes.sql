-- The dispatcher's ready query reads pending tasks in critical-path order: this index holds every
-- column it needs in that order, so a pass reads neither the wide task rows (their context carries
-- forwarded outputs) nor sorts.
CREATE INDEX idx_tasks_ready ON tasks(status, critical_path DESC, priority, created_at, id, project_id, model_tier,
  wave, retry_after);
-- A reservation sums the project's spend: from the index alone.
CREATE INDEX idx_usage_project_cost ON usage_log(project_id, cost_usd);
