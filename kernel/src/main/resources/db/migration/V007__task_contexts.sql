-- A task's context moves to a table of its own. It is the wide part of a task: every sibling's line
-- (API.md §10, about 18 KB per task in a 1,000-task plan) and the forwarded outputs. In the task row,
-- every status change, lease renewal and completion rewrote all of it, and the write-ahead log and its
-- checkpoints wrote it again; now those touch a narrow row.
CREATE TABLE task_contexts (
  task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  context_json TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO task_contexts (task_id, context_json) SELECT id, COALESCE(context_json, '[]') FROM tasks;
ALTER TABLE tasks DROP COLUMN context_json;
