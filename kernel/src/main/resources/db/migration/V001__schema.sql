-- The full schema of API.md §17, portable between SQLite and PostgreSQL.
-- Times are epoch seconds as DOUBLE PRECISION (REAL in PostgreSQL would be 4-byte floats).
-- ${id_pk} is an auto-increment primary key in the running dialect.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'user',
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at DOUBLE PRECISION NOT NULL,
  last_login_at DOUBLE PRECISION
);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  requirements TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'draft',
  created_at DOUBLE PRECISION NOT NULL,
  updated_at DOUBLE PRECISION NOT NULL,
  completed_at DOUBLE PRECISION,
  config_json TEXT DEFAULT '{}',
  owner_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  repo_path TEXT,
  git_base_branch TEXT,
  git_project_branch TEXT,
  git_worktree_path TEXT,
  git_state_json TEXT DEFAULT '{}'
);
CREATE INDEX idx_projects_owner ON projects(owner_id);

CREATE TABLE plans (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  version INTEGER NOT NULL DEFAULT 1,
  model_used TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  plan_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'draft',
  created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_plans_project ON plans(project_id);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  task_type TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 50,
  status TEXT NOT NULL DEFAULT 'pending',
  model_tier TEXT NOT NULL DEFAULT 'haiku',
  model_used TEXT,
  context_json TEXT DEFAULT '[]',
  tools_json TEXT DEFAULT '[]',
  system_prompt TEXT DEFAULT '',
  output_text TEXT,
  output_artifacts_json TEXT DEFAULT '[]',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  max_tokens INTEGER NOT NULL DEFAULT 4096,
  retry_count INTEGER NOT NULL DEFAULT 0,
  max_retries INTEGER NOT NULL DEFAULT 2,
  wave INTEGER NOT NULL DEFAULT 0,
  phase TEXT,
  verification_status TEXT,
  verification_notes TEXT,
  requirement_ids_json TEXT DEFAULT '[]',
  error TEXT,
  started_at DOUBLE PRECISION,
  completed_at DOUBLE PRECISION,
  created_at DOUBLE PRECISION NOT NULL,
  updated_at DOUBLE PRECISION NOT NULL,
  git_branch TEXT,
  git_commit_sha TEXT,
  claimed_by TEXT,
  claimed_at DOUBLE PRECISION
);
CREATE INDEX idx_tasks_project ON tasks(project_id);
CREATE INDEX idx_tasks_status ON tasks(status);
CREATE INDEX idx_tasks_priority ON tasks(priority);
CREATE INDEX idx_tasks_wave ON tasks(wave);
CREATE INDEX idx_tasks_project_status ON tasks(project_id, status);
CREATE INDEX idx_tasks_project_wave ON tasks(project_id, wave);

CREATE TABLE task_deps (
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX idx_task_deps_depends_on ON task_deps(depends_on);
CREATE INDEX idx_task_deps_task ON task_deps(task_id);

-- Usage rows outlive their project (API.md §18.4): references are set to NULL on delete.
CREATE TABLE usage_log (
  id ${id_pk},
  project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,
  task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cost_usd DOUBLE PRECISION NOT NULL,
  purpose TEXT NOT NULL DEFAULT '',
  timestamp DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_usage_project ON usage_log(project_id);
CREATE INDEX idx_usage_task ON usage_log(task_id);
CREATE INDEX idx_usage_timestamp ON usage_log(timestamp);
CREATE INDEX idx_usage_project_timestamp ON usage_log(project_id, timestamp);

CREATE TABLE budget_periods (
  period_key TEXT PRIMARY KEY,
  period_type TEXT NOT NULL,
  total_cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  total_prompt_tokens BIGINT NOT NULL DEFAULT 0,
  total_completion_tokens BIGINT NOT NULL DEFAULT 0,
  api_call_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_budget_periods_type ON budget_periods(period_type);

CREATE TABLE task_events (
  id ${id_pk},
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  event_type TEXT NOT NULL,
  message TEXT,
  data_json TEXT,
  timestamp DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_task_events_project ON task_events(project_id);
CREATE INDEX idx_task_events_task ON task_events(task_id);
CREATE INDEX idx_task_events_project_task ON task_events(project_id, task_id);

CREATE TABLE checkpoints (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  task_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
  checkpoint_type TEXT NOT NULL,
  summary TEXT NOT NULL,
  attempts_json TEXT DEFAULT '[]',
  question TEXT NOT NULL,
  response TEXT,
  resolved_at DOUBLE PRECISION,
  created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_checkpoints_project ON checkpoints(project_id);

CREATE TABLE user_identities (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  provider_user_id TEXT NOT NULL,
  provider_email TEXT,
  created_at DOUBLE PRECISION NOT NULL,
  UNIQUE (provider, provider_user_id)
);
CREATE INDEX idx_user_identities_user ON user_identities(user_id);

CREATE TABLE project_knowledge (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  category TEXT NOT NULL DEFAULT 'discovery',
  content TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  source_task_title TEXT,
  created_at DOUBLE PRECISION NOT NULL,
  UNIQUE (project_id, content_hash)
);
CREATE INDEX idx_project_knowledge_project ON project_knowledge(project_id);

CREATE TABLE refresh_token_families (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  is_revoked INTEGER DEFAULT 0,
  created_at DOUBLE PRECISION NOT NULL,
  expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_refresh_family ON refresh_token_families(family_id);
CREATE INDEX idx_refresh_user ON refresh_token_families(user_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at DOUBLE PRECISION NOT NULL,
  last_used_at DOUBLE PRECISION
);
CREATE INDEX idx_api_keys_hash ON api_keys(key_hash);
CREATE INDEX idx_api_keys_user ON api_keys(user_id);

-- Login lockout counters (API.md §5.4), kept in the database so they hold across nodes and restarts.
CREATE TABLE login_failures (
  email TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  first_failure_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_login_failures_first ON login_failures(first_failure_at);
