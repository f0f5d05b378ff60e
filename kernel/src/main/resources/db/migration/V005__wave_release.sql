-- With execution.wave_checkpoints on, the dispatcher runs no task above the released wave. The pause
-- at a wave checkpoint advances it in the same statement, so the next wave starts only on resume.
ALTER TABLE projects ADD COLUMN wave_released INTEGER NOT NULL DEFAULT 0;
