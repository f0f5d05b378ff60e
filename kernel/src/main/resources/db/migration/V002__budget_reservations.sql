-- Budget reservations as rows (ARCHITECTURE.md, "Execution model"): a reservation holds part of
-- the daily, monthly and per-project limits until its spend is recorded, it is released, or it
-- expires. Being rows, they hold across a crash and across cluster nodes; a reservation whose
-- expires_at has passed counts for nothing and may be deleted by anyone.
--
-- project_id and task_id carry no foreign key on purpose: a reservation must keep holding the
-- global budget while its call is in flight even if the project is deleted meanwhile, and it
-- disappears by itself at expiry.
CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  project_id TEXT,
  task_id TEXT,
  amount_usd DOUBLE PRECISION NOT NULL,
  purpose TEXT NOT NULL DEFAULT '',
  created_at DOUBLE PRECISION NOT NULL,
  expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_budget_reservations_expires ON budget_reservations(expires_at);
CREATE INDEX idx_budget_reservations_project ON budget_reservations(project_id);

-- The caller's id of one model call, so that a resent record is stored once (the bus delivers at
-- most once, and callers retry). Rows written before this migration have none; NULLs never collide
-- in a unique index on either database.
ALTER TABLE usage_log ADD COLUMN call_id TEXT;
CREATE UNIQUE INDEX idx_usage_call_id ON usage_log(call_id);
