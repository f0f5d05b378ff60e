-- Per-project event numbers for the live stream (API.md §6, §18.22; ARCHITECTURE.md "Progress").
--
-- SSE clients resume with Last-Event-ID, so the number they see must never go backwards and must
-- never skip a number that commits later. task_events.id cannot promise that on PostgreSQL: a
-- BIGSERIAL value is taken when the row is inserted, not when it commits, so id 8 can become
-- visible before id 7 and a client resuming after 8 would never see 7. Instead, the progress
-- component takes the project's row in event_counters (an UPDATE, which PostgreSQL locks until
-- commit), increments it and stores the new value as task_events.seq in the same transaction: the
-- next writer of that project waits for the commit, so numbers become visible in order and a
-- rolled-back event gives its number back.
--
-- seq stays NULL on rows written without the progress component (the planner records its own
-- internal events inside its transactions); those are in the export but never streamed. NULLs
-- never collide in a unique index on either database.
ALTER TABLE task_events ADD COLUMN seq BIGINT;

-- Events stored before this migration: numbered in id order, per project.
UPDATE task_events SET seq = (SELECT COUNT(*) FROM task_events e
  WHERE e.project_id = task_events.project_id AND e.id <= task_events.id);

CREATE UNIQUE INDEX idx_task_events_project_seq ON task_events(project_id, seq);

CREATE TABLE event_counters (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  last_seq BIGINT NOT NULL
);

INSERT INTO event_counters (project_id, last_seq)
  SELECT project_id, MAX(seq) FROM task_events GROUP BY project_id;
