-- Issue 15, verify-then-escalate: every attempt that verification judged, with the tier it ran on,
-- its model, tokens, cost and verdict. A retry after gaps_found may run one tier up
-- (routing.escalation); these rows show which tier was enough and what the climb cost.
CREATE TABLE task_attempts (
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  model_tier TEXT NOT NULL,
  model TEXT,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  verdict TEXT,
  created_at DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (task_id, attempt)
);
CREATE INDEX idx_task_attempts_tier ON task_attempts(model_tier, verdict);
