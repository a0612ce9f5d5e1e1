-- Describes every object of extension laminar in a stable text form, so
-- that a database upgraded along the chain can be compared with a fresh
-- install (test/upgrade/run.sh).  OIDs never appear: only names and
-- definitions.
\pset format unaligned
\pset tuples_only on
\pset footer off

-- membership
SELECT 'member: ' || pg_describe_object(classid, objid, objsubid)
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'laminar')
 ORDER BY 1;

-- functions: full definition (includes SET search_path, SECURITY DEFINER), ACL, comment
SELECT 'function: ' || p.oid::regprocedure::text || E'\n'
       || CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END
       || E'\nacl: ' || coalesce(p.proacl::text, '-')
       || E'\ncomment: ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
  FROM pg_proc p
 WHERE p.pronamespace = 'laminar'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- relations: kind, options, ACL, comment
SELECT 'relation: ' || c.relname || ' kind ' || c.relkind
       || ' options ' || coalesce(c.reloptions::text, '-')
       || ' acl ' || coalesce(c.relacl::text, '-')
       || ' comment ' || coalesce(obj_description(c.oid, 'pg_class'), '-')
  FROM pg_class c
 WHERE c.relnamespace = 'laminar'::regnamespace
 ORDER BY c.relname;

-- columns, in order
SELECT 'column: ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'laminar'::regnamespace AND c.relkind IN ('r', 'v', 'p')
 ORDER BY 1;

-- constraints, indexes, triggers
SELECT 'constraint: ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE connamespace = 'laminar'::regnamespace
 ORDER BY 1;
SELECT 'index: ' || regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON')
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'laminar'::regnamespace
 ORDER BY 1;
SELECT 'trigger: ' || tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid)
  FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'laminar'::regnamespace)
 ORDER BY 1;

-- views
SELECT 'view: ' || c.relname || E'\n' || pg_get_viewdef(c.oid)
  FROM pg_class c
 WHERE c.relnamespace = 'laminar'::regnamespace AND c.relkind = 'v'
 ORDER BY c.relname;

-- event triggers
SELECT 'event trigger: ' || evtname || ' on ' || evtevent || ' exec ' || evtfoid::regproc::text
       || ' enabled ' || evtenabled || ' tags ' || coalesce(evttags::text, '-')
  FROM pg_event_trigger
 ORDER BY 1;

-- configuration tables dumped by pg_dump
SELECT 'config: ' || coalesce((SELECT string_agg(t::regclass::text, ', ' ORDER BY t::regclass::text)
                                 FROM unnest(extconfig) t), '-')
  FROM pg_extension WHERE extname = 'laminar';

-- the foreign data wrapper and server
SELECT 'fdw: ' || fdwname || ' handler ' || fdwhandler::regproc::text || ' acl ' || coalesce(fdwacl::text, '-')
  FROM pg_foreign_data_wrapper WHERE fdwname = 'laminar';
SELECT 'server: ' || srvname || ' acl ' || coalesce(srvacl::text, '-')
  FROM pg_foreign_server WHERE srvname = 'laminar';
SELECT 'schema acl: ' || coalesce(nspacl::text, '-') FROM pg_namespace WHERE nspname = 'laminar';
