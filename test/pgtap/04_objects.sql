-- pgTAP: what laminar.execute creates, and how it shows up in the catalog.
-- (The README example, inside a transaction that is rolled back.)
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(37);

SELECT count(*) AS views_before FROM laminar.views \gset
SELECT count(*) AS streams_before FROM laminar.streams \gset

-- laminar.execute returns the command tags, '; '-separated.
SELECT is(laminar.execute($$
  CREATE STREAM tap_bids (auction int8, bidder int8, price int8, channel text, ts timestamptz,
                          WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW tap_bid_stats AS
    SELECT auction, window_start, window_end,
           count(*) AS bids, sum(price) AS volume, min(price) AS low, max(price) AS high,
           avg(price) AS avg_price
    FROM TUMBLE(tap_bids, ts, INTERVAL '10 seconds')
    WHERE price > 0
    GROUP BY auction, window_start, window_end
    EMIT ON WINDOW CLOSE;
$$), 'CREATE STREAM; CREATE MATERIALIZED VIEW',
   'laminar.execute returns the command tags separated by "; "');

-- The stream is a foreign table of server laminar.
SELECT has_foreign_table('public', 'tap_bids', 'stream tap_bids is a foreign table');
SELECT is((SELECT s.srvname::text FROM pg_foreign_table ft
             JOIN pg_foreign_server s ON s.oid = ft.ftserver
            WHERE ft.ftrelid = to_regclass('public.tap_bids')),
          'laminar', 'stream tap_bids belongs to server laminar');
SELECT columns_are('public', 'tap_bids',
                   ARRAY['auction', 'bidder', 'price', 'channel', 'ts']::name[],
                   'stream tap_bids has the declared columns');

-- laminar.streams
SELECT is((SELECT count(*)::int FROM laminar.streams WHERE stream = to_regclass('public.tap_bids')),
          1, 'tap_bids is listed in laminar.streams');
SELECT is((SELECT watermark_column::text FROM laminar.streams
            WHERE stream = to_regclass('public.tap_bids')),
          'ts', 'laminar.streams.watermark_column is ts');
SELECT is((SELECT watermark_delay FROM laminar.streams
            WHERE stream = to_regclass('public.tap_bids')),
          interval '2 seconds', 'laminar.streams.watermark_delay is 2 seconds');
SELECT is((SELECT events_in FROM laminar.streams
            WHERE stream = to_regclass('public.tap_bids')),
          0::int8, 'a new stream has events_in = 0');

-- The view's results land in an ordinary table.
SELECT has_table('public', 'tap_bid_stats', 'result table tap_bid_stats is an ordinary table');
SELECT columns_are('public', 'tap_bid_stats',
                   ARRAY['auction', 'window_start', 'window_end', 'bids', 'volume', 'low',
                         'high', 'avg_price']::name[],
                   'result table has the select-list columns');
SELECT col_type_is('public', 'tap_bid_stats', 'window_start', 'timestamp with time zone',
                   'window_start is timestamptz');
SELECT col_type_is('public', 'tap_bid_stats', 'window_end', 'timestamp with time zone',
                   'window_end is timestamptz');
SELECT col_type_is('public', 'tap_bid_stats', 'bids', 'bigint', 'count(*) is bigint');
SELECT is((SELECT count(*)::int FROM tap_bid_stats), 0, 'a new result table is empty');

-- laminar.views
SELECT is((SELECT count(*)::int FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          1, 'tap_bid_stats is listed in laminar.views');
SELECT is((SELECT stream FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          to_regclass('public.tap_bids'), 'laminar.views.stream is tap_bids');
SELECT is((SELECT window_size FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          interval '10 seconds', 'laminar.views.window_size is 10 seconds');
SELECT is((SELECT emit FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          'on window close', 'laminar.views.emit is ''on window close''');
SELECT is((SELECT kind FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          'window', 'laminar.views.kind of a TUMBLE view is ''window''');
SELECT is((SELECT owner FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          current_user::regrole, 'laminar.views.owner is the creating role');
SELECT ok((SELECT definition ~* '^\s*CREATE MATERIALIZED VIEW tap_bid_stats AS.*FROM TUMBLE\(tap_bids, ts, INTERVAL ''10 seconds''\)'
             FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          'laminar.views.definition is the CREATE statement as written');
SELECT is((SELECT last_error FROM laminar.views WHERE view = to_regclass('public.tap_bid_stats')),
          NULL, 'laminar.views.last_error is NULL');

-- A plain (non-windowed) view defaults to EMIT ON UPDATE.
SELECT lives_ok($$SELECT laminar.execute('
    CREATE MATERIALIZED VIEW tap_bid_totals AS
        SELECT channel, count(*) AS n FROM tap_bids GROUP BY channel')$$,
    'a non-windowed view can be created');
SELECT is((SELECT emit FROM laminar.views WHERE view = to_regclass('public.tap_bid_totals')),
          'on update', 'a non-windowed view defaults to emit ''on update''');
SELECT is((SELECT kind FROM laminar.views WHERE view = to_regclass('public.tap_bid_totals')),
          'aggregate', 'laminar.views.kind of a GROUP BY view is ''aggregate''');
SELECT lives_ok($$SELECT laminar.execute('
    CREATE MATERIALIZED VIEW tap_bid_big AS
        SELECT auction, price, channel FROM tap_bids WHERE price > 1000')$$,
    'a stateless (filter/projection) view can be created');
SELECT is((SELECT kind FROM laminar.views WHERE view = to_regclass('public.tap_bid_big')),
          'stateless', 'laminar.views.kind of a filter/projection view is ''stateless''');
SELECT is((SELECT rows_emitted FROM laminar.views WHERE view = to_regclass('public.tap_bid_big')),
          0::int8, 'a new view has rows_emitted = 0');
SELECT is((SELECT window_size FROM laminar.views WHERE view = to_regclass('public.tap_bid_totals')),
          NULL, 'a non-windowed view has no window_size');

-- IF NOT EXISTS / duplicates
SELECT lives_ok($$SELECT laminar.execute('CREATE STREAM IF NOT EXISTS tap_bids (x int8)')$$,
                'CREATE STREAM IF NOT EXISTS on an existing stream succeeds');
SELECT throws_ok($$SELECT laminar.execute('CREATE STREAM tap_bids (x int8)')$$,
                 '42P07', NULL, 'CREATE STREAM of an existing name fails with duplicate_table');

-- DROP
SELECT throws_ok($$SELECT laminar.execute('DROP STREAM tap_bids')$$,
                 '2BP01', NULL, 'DROP STREAM with dependent views fails without CASCADE');
SELECT lives_ok($$SELECT laminar.execute('DROP MATERIALIZED VIEW tap_bid_stats')$$,
                'DROP MATERIALIZED VIEW succeeds');
SELECT hasnt_table('public', 'tap_bid_stats', 'the dropped view''s result table is gone');
SELECT lives_ok($$SELECT laminar.execute('DROP STREAM tap_bids CASCADE')$$,
                'DROP STREAM ... CASCADE succeeds');
SELECT is((SELECT count(*)::int FROM laminar.views), :views_before,
          'CASCADE removed the remaining view from laminar.views');
SELECT is((SELECT count(*)::int FROM laminar.streams), :streams_before,
          'the dropped stream is gone from laminar.streams');

SELECT * FROM finish();
ROLLBACK;
