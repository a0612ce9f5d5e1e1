-- Streams and views: creation, catalog, names, result table shape.
SELECT laminar.execute($$
  CREATE STREAM bids (auction int8, bidder int8, price int8, channel text, ts timestamptz,
                      WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW bid_stats AS
    SELECT auction, window_start, window_end,
           count(*) AS bids, sum(price) AS volume, min(price) AS low, max(price) AS high, avg(price) AS avg_price
    FROM TUMBLE(bids, ts, INTERVAL '10 seconds')
    WHERE price > 0
    GROUP BY auction, window_start, window_end
    EMIT ON WINDOW CLOSE;
$$);
\d bids
\d bid_stats
SELECT stream, watermark_column, watermark_delay, watermark, events_in FROM laminar.streams;
SELECT view, stream, kind, emit, window_size, owner, events_in FROM laminar.views;
-- a stream keeps no history: reading it is empty
INSERT INTO bids VALUES (1, 7, 100, 'web', '2026-01-01 00:00:01+00');
SELECT * FROM bids;
-- IF NOT EXISTS
SELECT laminar.execute('CREATE STREAM IF NOT EXISTS bids (a int)');
-- schema-qualified and quoted names, mixed case, spaces and quotes
CREATE SCHEMA "Odd Schema";
SELECT laminar.execute($$
  CREATE STREAM "Odd Schema"."Click ""Stream""" ("User Id" int8, "ts" timestamptz, url text,
                                                 WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW "Odd Schema"."Per ""User""" AS
    SELECT "User Id", count(*) AS "Clicks!", max(url) AS "last url"
    FROM "Odd Schema"."Click ""Stream""" GROUP BY "User Id"
$$);
INSERT INTO "Odd Schema"."Click ""Stream""" VALUES (1, now(), 'a'), (1, now(), 'b'), (2, now(), 'c');
SELECT laminar.flush();
SELECT * FROM "Odd Schema"."Per ""User""" ORDER BY 1;
\d "Odd Schema"."Per ""User"""
-- unqualified names go where CREATE TABLE puts them (first schema of search_path)
SET search_path = "Odd Schema", public;
SELECT laminar.execute('CREATE STREAM plain_s (x int); CREATE MATERIALIZED VIEW plain_v AS SELECT x FROM plain_s');
SELECT relnamespace::regnamespace, relname FROM pg_class WHERE relname IN ('plain_s', 'plain_v') ORDER BY 2;
RESET search_path;
-- a view's names were resolved at creation: search_path no longer matters
INSERT INTO "Odd Schema".plain_s VALUES (41), (42);
SELECT laminar.flush();
SELECT * FROM "Odd Schema".plain_v ORDER BY 1;
-- drop and re-create
SELECT laminar.execute($$ DROP MATERIALIZED VIEW "Odd Schema".plain_v; DROP STREAM "Odd Schema".plain_s $$);
SELECT laminar.execute('CREATE STREAM "Odd Schema".plain_s (x int); CREATE MATERIALIZED VIEW "Odd Schema".plain_v AS SELECT x, x * 2 AS y FROM "Odd Schema".plain_s');
INSERT INTO "Odd Schema".plain_s VALUES (5);
SELECT laminar.flush();
SELECT * FROM "Odd Schema".plain_v;
DROP SCHEMA "Odd Schema" CASCADE;
SELECT count(*) AS views_left FROM laminar.views WHERE view::text LIKE '%Odd%';
-- DDL is transactional
BEGIN;
SELECT laminar.execute('CREATE STREAM tx_s (a int); CREATE MATERIALIZED VIEW tx_v AS SELECT a FROM tx_s');
ROLLBACK;
SELECT to_regclass('tx_s') AS stream, to_regclass('tx_v') AS view,
       (SELECT count(*) FROM laminar._streams WHERE stream::text = 'tx_s') AS catalog_rows;
SELECT laminar.execute('DROP STREAM bids CASCADE');
SELECT count(*) FROM laminar.views;
-- a column named emit is not an EMIT clause
SELECT laminar.execute($$ CREATE STREAM em (emit int); CREATE MATERIALIZED VIEW em_v AS SELECT emit, count(*) AS n FROM em GROUP BY emit $$);
INSERT INTO em VALUES (1), (1), (NULL);
SELECT laminar.flush();
SELECT * FROM em_v ORDER BY emit;
SELECT laminar.execute('DROP STREAM em CASCADE');
