-- laminar 0.1.0 -> 0.1.1: the security and robustness fixes of issue 9.
-- Every change here is also in laminar--0.1.1.sql (the fresh install);
-- test/upgrade/run.sh checks that both give the same objects.
\echo Use "ALTER EXTENSION laminar UPDATE TO '0.1.1'" to load this file. \quit

-- ===== security: search_path-proof functions, owner from pg_class =====

-- ===== crashes: watermark, result-table shape, stream ALTER guard =====

-- ===== data: non-finite times, composite columns, bad events =====

-- ===== monitoring: error visibility, per-view timeouts, memory =====

-- ===== ordering and restart: commit order, persisted horizons =====

-- ===== operations: pg_dump / pg_restore =====
