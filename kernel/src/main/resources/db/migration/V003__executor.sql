-- Executor state on the task row, so any node can rebuild it (ARCHITECTURE.md "Execution model").
-- lease_owner / lease_expires_at / lease_number: the claim of one node, renewed by heartbeat; every
--   state change of a claimed task checks lease_number, so a stale worker changes nothing.
-- retry_after: the backoff of a transient failure, persisted so it survives a restart.
-- critical_path: tasks on the longest chain from this task to the end of the DAG (itself included),
--   computed at approval; ready tasks with the longest remaining chain go first.
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_expires_at DOUBLE PRECISION;
ALTER TABLE tasks ADD COLUMN lease_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN retry_after DOUBLE PRECISION;
ALTER TABLE tasks ADD COLUMN critical_path INTEGER NOT NULL DEFAULT 1;
CREATE INDEX idx_tasks_status_lease ON tasks(status, lease_expires_at);
