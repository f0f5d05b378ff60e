-- A task's context moves out of the task row. It is the wide part of a task: every sibling's line
-- (API.md §10, about 18 KB per task in a 1,000-task plan). In the task row, every status change, lease
-- renewal and completion rewrote all of it, and the write-ahead log and its checkpoints wrote it again.
-- The context as approved lives in task_contexts; what is added later (forwarded outputs, review
-- feedback, checkpoint guidance) is appended to a small row of its own in task_context_additions, so
-- an append does not rewrite the sibling list either. A task's context is the one array followed by
-- the other (tasks.TaskContexts).
CREATE TABLE task_contexts (
  task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  context_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE task_context_additions (
  task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  entries_json TEXT NOT NULL
);
INSERT INTO task_contexts (task_id, context_json) SELECT id, COALESCE(context_json, '[]') FROM tasks;
ALTER TABLE tasks DROP COLUMN context_json;
