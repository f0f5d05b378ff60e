-- A user's spend is counted against budget.per_user_daily_limit_usd. It is kept on the spend and the
-- hold themselves, not derived through the project: a deleted project's usage rows lose their project
-- (ON DELETE SET NULL, so the money stays counted globally), and deleting a project must not give its
-- owner a fresh allowance.
ALTER TABLE usage_log ADD COLUMN user_id TEXT;
ALTER TABLE budget_reservations ADD COLUMN user_id TEXT;
UPDATE usage_log SET user_id = (SELECT owner_id FROM projects WHERE projects.id = usage_log.project_id)
  WHERE project_id IS NOT NULL;
CREATE INDEX idx_usage_user_timestamp ON usage_log(user_id, timestamp, cost_usd);
CREATE INDEX idx_budget_reservations_user ON budget_reservations(user_id);
