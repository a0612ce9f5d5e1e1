-- Installs the extension the other regression tests use.
CREATE EXTENSION IF NOT EXISTS laminar;
SELECT extversion FROM pg_extension WHERE extname = 'laminar';
SELECT count(*) = current_setting('laminar.workers')::int AS one_row_per_worker, bool_and(pid IS NOT NULL) AS all_running FROM laminar.workers;
SHOW laminar.flush_interval;
SHOW laminar.backpressure;
