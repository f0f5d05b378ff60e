-- Rate limits counted in the database when several nodes serve one deployment (server.cluster), so
-- N nodes do not multiply a limit by N: one row per rule, client and fixed window, counting the
-- requests it let through or refused. Rows past their window are swept by the nodes.
CREATE TABLE rate_windows (
  rule TEXT NOT NULL,
  client TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL,
  expires_at DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (rule, client, window_start)
);
CREATE INDEX idx_rate_windows_expires ON rate_windows(expires_at);
