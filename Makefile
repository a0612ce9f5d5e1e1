# Laminar: continuous SQL over event streams inside PostgreSQL.
#
#   make / make install     build and install with PGXS (PostgreSQL 15)
#   make test               install packages, build, run every test suite
#   make demo               install packages, build, run the demo cluster
#   make stress             the fuzz suite, longer and with more seeds (see test/fuzz/run.sh)
#
# The PGXS include is guarded so that `make test` and `make demo` work on a
# machine where postgresql-server-dev-15 is not installed yet: they install
# it first (test/deps.sh) and then call make again.

EXTENSION = laminar
MODULE_big = laminar
DATA = $(wildcard sql/laminar--*.sql)
PGFILEDESC = "laminar - continuous SQL over event streams"

OBJS = \
	src/laminar.o \
	src/guc.o \
	src/catalog/catalog.o \
	src/shmem.o \
	src/util/clock.o \
	src/ingest/fdw.o \
	src/ingest/producer.o \
	src/ingest/route.o \
	src/query/ddl.o \
	src/query/plan.o \
	src/query/querydef.o \
	src/ops/graph.o \
	src/ops/source.o \
	src/ops/window.o \
	src/ops/calc.o \
	src/ops/aggfn.o \
	src/ops/agg.o \
	src/sink/sink.o \
	src/worker/view.o \
	src/worker/launcher.o \
	src/worker/worker.o \
	src/worker/lock.o \
	src/worker/affinity.o \
	src/monitor.o

# -Werror: a warning fails the build (and so make test and CI)
PG_CPPFLAGS = -I$(srcdir)/src -std=gnu11 -Wall -Wmissing-prototypes -Werror
SHLIB_LINK = -lxxhash -lnuma

# pg_regress suites: inputs in sql/, expected output in expected/
# Each line below is a group of pg_regress tests, one group per subsystem,
# so that work on different subsystems never edits the same line.
REGRESS_CORE = ddl errors malformed aggregates aggregates_any having windows windows_kinds windows_session windows_idle many_streams emit_close emit_changes txn settings result_table security
REGRESS_SECURITY = security_execute security_spi security_owner
REGRESS_CRASHES = crashes_watermark crashes_result_type crashes_stream_parent crashes_result_alter
REGRESS_DATA = data_times data_composite data_temp data_names data_legacy_size
REGRESS_ROBUST = robust_skip robust_visibility robust_timeout robust_limits robust_locks
REGRESS_ORDER = order_streams order_restart
REGRESS_OPS = ops_dump
REGRESS_CATALOG = catalog_inputs
REGRESS_GRAPH = graph_explain graph_snapshot graph_fast
REGRESS_WORKER = worker_shutdown
REGRESS = setup $(REGRESS_CORE) $(REGRESS_SECURITY) $(REGRESS_CRASHES) $(REGRESS_DATA) \
	$(REGRESS_ROBUST) $(REGRESS_ORDER) $(REGRESS_OPS) $(REGRESS_CATALOG) $(REGRESS_GRAPH) $(REGRESS_WORKER) workers drop
REGRESS_OPTS = --use-existing
# isolation tests (two sessions): specs in test/isolation/specs
ISOLATION = open_across_create
ISOLATION_OPTS = --use-existing --inputdir=test/isolation --outputdir=test/isolation

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) $(shell command -v pg_config 2>/dev/null))
ifneq ($(PG_CONFIG),)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
endif
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
# the workers serve one database (laminar.database): run the tests there
CONTRIB_TESTDB = laminar_regress
ISOLATION_TESTDB = laminar_regress
else
all install:
	@echo "PostgreSQL 15 server headers not found: run 'make test' or 'make demo' (they install them), or apt-get install postgresql-server-dev-15" >&2; exit 1
endif

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard src/*.h src/*/*.h)

.PHONY: test demo bench format format-check stress
test:
	bash test/run.sh

# the fuzz suite of make test, ten times longer, with eight other seeds
# (about 2.5 minutes per seed on 2 cores)
STRESS_SEEDS ?= 1 2 3 4 5 6 7 8
stress:
	LAMINAR_SUITES=fuzz FUZZ_SEEDS="$(STRESS_SEEDS)" FUZZ_STATEMENTS=40000 FUZZ_DML=6000 \
	FUZZ_VIEWS=1500 FUZZ_EVENTS=30000 FUZZ_TAMPER=600 FUZZ_TERMINATE=80 FUZZ_MAX_CRASHES=20 \
	FUZZ_PHASE_TIMEOUT=900 LAMINAR_TIMEOUT_FUZZ=1800 bash test/run.sh

demo:
	bash test/demo.sh

bench:
	bash bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h')
