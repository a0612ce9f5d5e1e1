#!/usr/bin/env perl
# Laminar fuzz test: deterministic statement generator (core Perl only).
#
#   perl gen.pl --mode setup --root DIR --out DIR
#       writes OUT/setup.sql: scratch schema lm_fuzz, a few types, and every
#       CREATE STREAM of the corpus (unmutated, schema qualifiers dropped).
#   perl gen.pl --mode run --root DIR --out DIR --streams FILE --seed N
#               [--statements N] [--dml N] [--views N] [--events N]
#               [--tamper N] [--terminate N] [--valid FILE] [--known FILE]
#       writes OUT/p1.sql (rolled-back phase), OUT/p2.sql (committed phase)
#       and OUT/stats.txt.  FILE lists the streams that setup.sql created,
#       one "stream<TAB>column<TAB>type" line per column (see run.sh).
#
# The corpus is every laminar.execute('...') / laminar.execute($$...$$)
# argument in sql/*.sql, test/pgtap/*.sql and test/*/run.sh (plus here-docs
# of those scripts that hold CREATE STREAM / CREATE MATERIALIZED VIEW), split
# into statements.  Each generated statement is a corpus statement (or a
# crossover of two) with 1-4 mutations: token deletion, duplication, swap,
# truncation, identifiers / numbers / strings / intervals / types replaced by
# extreme values, unary operators, casts, deep parentheses, 1 MB literals, and
# clauses (WATERMARK, WATERMARK expression, TUMBLE, EMIT, GROUP BY, WHERE,
# select list) spliced in from other statements.
#
# The committed phase (p2.sql) also changes result tables and streams under
# running views and terminates workers now and then (see tamper_block).
#
# Blocks in p1.sql / p2.sql start with a line "\warn @@ N" (psql prints it on
# stderr, in order with the errors) so that the driver can tell which block
# was running when a connection was lost, and resume after it.  Same seed and corpus, same output: Perl's rand() is its own
# drand48 on every platform (perl >= 5.20), and no hash is iterated unsorted.
use strict;
use warnings;
use utf8;
use open qw(:std :encoding(UTF-8));
use Getopt::Long;

my %opt = (
	mode       => 'run',
	root       => '.',
	out        => '.',
	streams    => '',
	valid      => '',
	known      => '',
	seed       => 1,
	statements => 3000,
	dml        => 400,
	views      => 200,
	events     => 300,
	'big-events' => 4,
	tamper     => 40,
	terminate  => 4,
);
GetOptions(\%opt, 'mode=s', 'root=s', 'out=s', 'streams=s', 'valid=s', 'known=s', 'seed=i', 'statements=i', 'dml=i',
	'views=i', 'events=i', 'big-events=i', 'tamper=i', 'terminate=i')
  or die "usage: see the header of $0\n";

my $SCHEMA = 'lm_fuzz';
my $MB     = 1048576;

# ------------------------------------------------------------------ tokens
# A token is [type, text]; types: ws str qid num id param op p raw.
sub tokenize {
	my ($s) = @_;
	my @t;
	pos($s) = 0;
	my $n = length $s;
	while (pos($s) < $n) {
		if    ($s =~ /\G(\s+)/gc)                          { push @t, ['ws', $1] }
		elsif ($s =~ /\G(--[^\n]*)/gc)                     { push @t, ['ws', $1] }
		elsif ($s =~ /\G(\$([A-Za-z_]\w*)?\$.*?\$(?:\2)?\$)/gcs) { push @t, ['str', $1] }
		elsif ($s =~ /\G([Ee]'(?:[^'\\]|\\.|'')*')/gcs)   { push @t, ['str', $1] }
		elsif ($s =~ /\G((?:[Uu]&|[BbXxNn])?'(?:[^']|'')*')/gcs) { push @t, ['str', $1] }
		elsif ($s =~ /\G((?:[Uu]&)?"(?:[^"]|"")*")/gcs)   { push @t, ['qid', $1] }
		elsif ($s =~ /\G(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)/gc) { push @t, ['num', $1] }
		elsif ($s =~ /\G([[:alpha:]_][[:alnum:]_\$]*)/gc) { push @t, ['id', $1] }
		elsif ($s =~ /\G(\$\d+)/gc)                        { push @t, ['param', $1] }
		elsif ($s =~ /\G(::|->>|->|<=|>=|<>|!=|\|\||[-+*\/<>=~!@#%^&|`?]+)/gc) { push @t, ['op', $1] }
		else { $s =~ /\G(.)/gcs; push @t, ['p', $1] }
	}
	return \@t;
}

sub untok { return join '', map { $_->[1] } @{ $_[0] } }
sub is_kw { my ($tok, $kw) = @_; return $tok->[0] eq 'id' && lc($tok->[1]) eq $kw }
sub nonws { my ($t) = @_; return grep { $t->[$_][0] ne 'ws' } 0 .. $#$t }

# split a laminar.execute argument into statements at top-level ';'
sub split_statements {
	my ($text) = @_;
	my $t = tokenize($text);
	my (@out, @cur);
	my $depth = 0;
	for my $tok (@$t) {
		$depth++ if $tok->[0] eq 'p' && $tok->[1] eq '(';
		$depth-- if $tok->[0] eq 'p' && $tok->[1] eq ')';
		if ($tok->[0] eq 'p' && $tok->[1] eq ';' && $depth <= 0) {
			push @out, untok(\@cur);
			@cur = ();
			next;
		}
		push @cur, $tok;
	}
	push @out, untok(\@cur);
	return grep { /\S/ } map { s/^\s+|\s+$//gr } @out;
}

# ------------------------------------------------------------------ known crashes
# --known FILE: regular expressions of statements that crash the server for
# a known reason not fixed yet; matching statements are not generated
my @KNOWN;
if ($opt{known} && -r $opt{known}) {
	open my $fh, '<', $opt{known} or die "$opt{known}: $!";
	while (my $l = <$fh>) {
		chomp $l;
		next if $l =~ /^\s*(#|$)/;
		push @KNOWN, qr/$l/i;
	}
	close $fh;
}
my $N_KNOWN = 0;
sub known_crash {
	my ($text) = @_;
	for my $re (@KNOWN) {
		if ($text =~ $re) { $N_KNOWN++; return 1 }
	}
	return 0;
}

# ------------------------------------------------------------------ random
srand($opt{seed});
sub rnd   { return int(rand($_[0])) }
sub pick  { my $a = $_[0]; return $a->[rnd(scalar @$a)] }
sub coin  { return rand() < $_[0] }

# ------------------------------------------------------------------ corpus
sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or die "$f: $!";
	local $/;
	my $s = <$fh>;
	close $fh;
	return $s;
}

my (@raw, %seen_raw);
{
	my $root = $opt{root};
	my @files = ((sort grep { !/laminar--/ } glob("$root/sql/*.sql")), (sort glob("$root/test/pgtap/*.sql")),
		(sort glob("$root/test/*/run.sh")));
	for my $f (@files) {
		my $s = slurp($f);
		while ($s =~ /laminar\.execute\s*\(\s*(?:'((?:[^']|'')*)'|\$(\w*)\$(.*?)\$\2\$)/gs) {
			my $arg = defined $1 ? ($1 =~ s/''/'/gr) : $3;
			push @raw, $arg unless $seen_raw{$arg}++;
		}
		if ($f =~ /\.sh$/) {
			while ($s =~ /<<-?'?(\w+)'?\n(.*?)\n\s*\1\n/gs) {
				my $doc = $2;
				next unless $doc =~ /CREATE\s+(?:STREAM|MATERIALIZED\s+VIEW)/i;
				push @raw, $doc unless $seen_raw{$doc}++;
			}
		}
	}
}
die "gen.pl: no laminar.execute statements found under $opt{root}\n" unless @raw;

# the fuzzer's own seeds: types the corpus does not use
push @raw, "CREATE STREAM fz_types (k int8, p $SCHEMA.pair, d $SCHEMA.dom, m $SCHEMA.mood, "
  . "arr int4[], j jsonb, iv interval, b bytea, u uuid, dt date, ts timestamptz, "
  . "WATERMARK FOR ts AS ts - INTERVAL '1 second')",
  "CREATE MATERIALIZED VIEW fz_types_v AS SELECT k, count(*) AS n, max(iv) AS iv, max(dt) AS dt, "
  . "sum(d) AS d FROM fz_types GROUP BY k",
  "CREATE MATERIALIZED VIEW fz_types_w AS SELECT m, window_start, window_end, count(*) AS n, "
  . "array_agg(arr[1]) AS a FROM TUMBLE(fz_types, ts, INTERVAL '1 minute') GROUP BY m, window_start, window_end "
  . "EMIT ON WINDOW CLOSE",
  "CREATE MATERIALIZED VIEW fz_types_s AS SELECT k, p, j->>'tag' AS tag, b, u FROM fz_types WHERE k > 0";

my (@stmts, %seen_stmt);
for my $r (@raw) {
	for my $s (split_statements($r)) {
		push @stmts, $s unless $seen_stmt{$s}++;
	}
}
my @streams_ddl = grep { /^CREATE\s+STREAM\b/i } @stmts;
my @views_ddl   = grep { /^CREATE\s+MATERIALIZED\s+VIEW\b/i } @stmts;

# schema names used by the corpus (CREATE SCHEMA or qualified stream names):
# dropped from the committed phase so that everything lands in lm_fuzz
my %schemas;
for my $f (glob("$opt{root}/sql/*.sql")) {
	my $s = slurp($f);
	$schemas{$1} = 1 while $s =~ /CREATE\s+SCHEMA\s+("(?:[^"]|"")*"|\w+)/gi;
}
$schemas{$_} = 1 for qw(public pg_temp);
my @schemas = sort keys %schemas;

sub unqualify {
	my ($text) = @_;
	for my $sch (@schemas) {
		my $q = quotemeta $sch;
		$text =~ s/$q\s*\.\s*(?=["[:alpha:]_])//g;
	}
	return $text;
}

# ------------------------------------------------------------------ clauses
my %STOP = map { $_ => 1 } qw(from where group emit having order limit window union select);

# clause_spans(tokens) -> list of [kind, start, end) over the token array
sub clause_spans {
	my ($t) = @_;
	my @spans;
	for my $i (0 .. $#$t) {
		my $tok = $t->[$i];
		next unless $tok->[0] eq 'id';
		my $w = lc $tok->[1];
		if ($w eq 'watermark') {
			my $e = span_end($t, $i + 1, {}, 1);
			push @spans, ['wm', $i, $e];
			for my $j ($i + 1 .. $e - 1) {
				if (is_kw($t->[$j], 'as')) { push @spans, ['wmexpr', $j + 1, $e]; last }
			}
		}
		elsif ($w eq 'tumble' || $w eq 'hop' || $w eq 'session' || $w eq 'cumulate') {
			my $j = next_nonws($t, $i + 1);
			next unless defined $j && $t->[$j][1] eq '(';
			my $e = match_paren($t, $j);
			push @spans, ['tumble', $i, $e] if defined $e;
		}
		elsif ($w eq 'emit') { push @spans, ['emit', $i, span_end($t, $i + 1, {}, 0)] }
		elsif ($w eq 'group') { push @spans, ['group', $i, span_end($t, $i + 1, \%STOP, 0, 'by')] }
		elsif ($w eq 'where') { push @spans, ['where', $i, span_end($t, $i + 1, \%STOP, 0)] }
		elsif ($w eq 'select') {
			my $e = span_end($t, $i + 1, \%STOP, 0);
			push @spans, ['sel', $i + 1, $e] if $e > $i + 1;
		}
	}
	return @spans;
}

sub next_nonws {
	my ($t, $i) = @_;
	$i++ while $i <= $#$t && $t->[$i][0] eq 'ws';
	return $i <= $#$t ? $i : undef;
}

sub match_paren {
	my ($t, $i) = @_;
	my $d = 0;
	for my $j ($i .. $#$t) {
		$d++ if $t->[$j][1] eq '(' && $t->[$j][0] eq 'p';
		$d-- if $t->[$j][1] eq ')' && $t->[$j][0] eq 'p';
		return $j + 1 if $d == 0;
	}
	return undef;
}

# end (exclusive) of a clause starting at i: stops at a stop keyword at depth
# 0 (except $skip), at ';', at an unmatched ')', or (comma=1) at a ',' at depth 0
sub span_end {
	my ($t, $i, $stop, $comma, $skip) = @_;
	my $d = 0;
	my $j = $i;
	for (; $j <= $#$t; $j++) {
		my ($ty, $tx) = @{ $t->[$j] };
		if ($ty eq 'p') {
			if ($tx eq '(') { $d++ }
			elsif ($tx eq ')') { last if $d == 0; $d-- }
			elsif ($tx eq ';' && $d == 0) { last }
			elsif ($tx eq ',' && $d == 0 && $comma) { last }
		}
		elsif ($ty eq 'id' && $d == 0 && $stop->{ lc $tx } && !(defined $skip && lc $tx eq $skip)) { last }
	}
	$j-- while $j > $i && $t->[$j - 1][0] eq 'ws';
	return $j;
}

# pools of clauses: from the corpus, plus shapes the corpus lacks
my %pool;
for my $s (@stmts) {
	my $t = tokenize($s);
	for my $sp (clause_spans($t)) {
		my ($k, $a, $b) = @$sp;
		my $text = untok([@$t[$a .. $b - 1]]);
		push @{ $pool{$k} }, $text if $text =~ /\S/;
	}
}
my @IV = ("'1 second'", "'0'", "'1 microsecond'", "'-1 second'", "'106751991 days'", "'-106751991 days'",
	"'178000000 years'", "'1 month'", "'1 day'", "'1 year'", "'2 seconds'", "'P1D'", "'infinity'", "'NaN'",
	"'1 second' SECOND", "'24:00:00'", "'-0'", "'9223372036854775807 microseconds'", "''");
push @{ $pool{wmexpr} }, '-ts', '- ts', 'ts', 'ts - ts', 'ts + INTERVAL \'1 second\'', 'NULL', 'ts - NULL',
  '(ts)', '((ts - INTERVAL \'1 second\'))', 'ts - \'1 second\'::interval', 'ts - make_interval(secs => 1)',
  'now()', 'ts - INTERVAL \'1 second\' * 2', 'ts - (SELECT INTERVAL \'1 second\')', 'ts.ts', 'ts - $1',
  'ts OPERATOR(pg_catalog.-) INTERVAL \'1 second\'', 'ts COLLATE "C"', 'ts::timestamptz - INTERVAL \'1 s\'',
  '-ts - INTERVAL \'1 second\'', 'ts - -INTERVAL \'1 second\'', 'ts - INTERVAL \'1 second\' - ts', 'ts IS NULL',
  'ts - 1', '1', "'ts'", 'ts -', '- INTERVAL \'2 seconds\'', 'ts - interval \'1 second\' COLLATE "C"',
  'CASE WHEN true THEN ts END', 'ts[1]', 'ts - INTERVAL (1) \'1 second\'',
  map { "ts - INTERVAL $_" } @IV;
push @{ $pool{wm} }, 'WATERMARK FOR ts AS -ts', 'WATERMARK FOR ts', 'WATERMARK', 'WATERMARK FOR ts AS',
  'WATERMARK FOR "ts" AS "ts" - INTERVAL \'1 second\'', 'WATERMARK FOR k AS k - INTERVAL \'1 second\'',
  'WATERMARK FOR ts AS ts - INTERVAL \'1 second\', WATERMARK FOR ts AS ts',
  'WATERMARK FOR U&"\0041\00e9" AS U&"\0041\00e9" - INTERVAL \'1 second\'';
push @{ $pool{tumble} }, (map { "TUMBLE(w, ts, INTERVAL $_)" } @IV), 'TUMBLE(w, ts, NULL)', 'TUMBLE(w, ts, ts)',
  'TUMBLE(w, ts, 1)', 'TUMBLE(w, ts, INTERVAL \'1 second\', INTERVAL \'1 second\')', 'TUMBLE(w, NULL, INTERVAL \'1 second\')',
  'TUMBLE(w)', 'TUMBLE()', 'TUMBLE(w, ts, INTERVAL \'1 second\') AS x', 'TUMBLE((w), (ts), (INTERVAL \'1 second\'))',
  'TUMBLE(TUMBLE(w, ts, INTERVAL \'1 second\'), ts, INTERVAL \'1 second\')', 'TUMBLE(w, window_start, INTERVAL \'1 second\')',
  'TUMBLE(lm_fuzz.w, w.ts, INTERVAL \'1 second\')', 'TUMBLE(w, ts, \'1 second\'::interval * 0)';
# the other windows, with extreme intervals in every position
push @{ $pool{tumble} }, (map { "HOP(w, ts, INTERVAL $_, INTERVAL '10 seconds')" } @IV),
  (map { "HOP(w, ts, INTERVAL '1 second', INTERVAL $_)" } @IV),
  (map { "HOP(w, ts, INTERVAL '1 second', INTERVAL '2 seconds', INTERVAL $_)" } @IV),
  (map { "CUMULATE(w, ts, INTERVAL $_, INTERVAL '1 minute')" } @IV),
  (map { "CUMULATE(w, ts, INTERVAL '1 second', INTERVAL $_)" } @IV),
  (map { "SESSION(w, ts, INTERVAL $_)" } @IV),
  (map { "SESSION(w, ts, INTERVAL '1 second', INTERVAL $_)" } @IV),
  'HOP(w, ts, INTERVAL \'1 second\')', 'HOP(w, ts, INTERVAL \'1 microsecond\', INTERVAL \'1 day\')',
  'CUMULATE(w, ts, INTERVAL \'7 seconds\', INTERVAL \'1 minute\')', 'SESSION(w, ts)', 'SESSION(w)',
  'SESSION(w, ts, NULL)', 'SESSION(w, ts, INTERVAL \'1 second\', NULL)', 'SESSION(w, ts, ts)',
  'SESSION(SESSION(w, ts, INTERVAL \'1 second\'), ts, INTERVAL \'1 second\')',
  'HOP(w, window_start, INTERVAL \'1 second\', INTERVAL \'2 seconds\')';
push @{ $pool{emit} }, (map { "EMIT FINAL ALLOW LATENESS INTERVAL $_" } @IV),
  (map { "EMIT AFTER WATERMARK ALLOW LATENESS INTERVAL $_" } @IV), (map { "EMIT EVERY INTERVAL $_" } @IV),
  'EMIT ON UPDATE LATE DATA TO fz_late', 'EMIT FINAL LATE DATA TO w', 'LATE DATA TO', 'ALLOW LATENESS',
  'EMIT CHANGES ALLOW LATENESS INTERVAL \'1 second\'', 'EMIT ON WINDOW CLOSE ALLOW LATENESS INTERVAL \'1 second\'',
  'EMIT AFTER WATERMARK LATE DATA TO pg_catalog.pg_class', 'EMIT FINAL LATE DATA TO "x; DROP TABLE w"',
  'EMIT CHANGES LATE DATA TO fz_late ALLOW LATENESS INTERVAL \'1 second\'', 'EMIT EVERY', 'EMIT EVERY 5';
push @{ $pool{emit} }, 'EMIT ON UPDATE', 'EMIT ON WINDOW CLOSE', 'EMIT CHANGES', 'EMIT FINAL', 'EMIT', 'EMIT ON',
  'EMIT ON WINDOW', 'EMIT ON UPDATE EMIT ON WINDOW CLOSE', 'EMIT ON WINDOW CLOSE EXTRA', 'EMIT AFTER WATERMARK',
  'EMIT EVERY INTERVAL \'1 second\'', 'emit on window close', 'EMIT "ON" UPDATE', 'EMIT ON WINDOW CLOSE;';
push @{ $pool{group} }, 'GROUP BY ()', 'GROUP BY 1', 'GROUP BY 0', 'GROUP BY 99', 'GROUP BY -1', 'GROUP BY window_start',
  'GROUP BY window_end', 'GROUP BY window_start, window_end', 'GROUP BY ALL k', 'GROUP BY DISTINCT k', 'GROUP BY k, k',
  'GROUP BY ROLLUP (k)', 'GROUP BY GROUPING SETS ((k), ())', 'GROUP BY NULL', 'GROUP BY 1.5', "GROUP BY 'a'",
  'GROUP BY (k, ts)', 'GROUP BY ROW(k)', 'GROUP BY k COLLATE "C"', 'GROUP BY 1, 2, 3, 4, 5, 6, 7, 8', 'GROUP BY k + 1',
  'GROUP BY 9223372036854775807', 'GROUP BY p', 'GROUP BY ts', 'GROUP BY window_start + INTERVAL \'1 second\'';
push @{ $pool{where} }, 'WHERE false', 'WHERE NULL', 'WHERE true', 'WHERE k = 1 / 0', 'WHERE ts > now()',
  'WHERE window_start IS NOT NULL', 'WHERE count(*) > 1', 'WHERE k IN (1, 2)', 'WHERE ts = \'infinity\'';
push @{ $pool{sel} }, '*', 'k', 'NULL', 'ts', 'window_start, window_end, count(*)', 'k, count(*), count(*)',
  'count(*) AS "window_start"', 'k AS window_start', 'ts - ts AS d, count(*)', 'max(ts) - min(ts) AS span, k',
  'row(k, ts) AS r', 'k, sum(k) FILTER (WHERE ts IS NULL)', 'k::text, avg(k::numeric)', 'ctid', 'tableoid::regclass';
for my $k (sort keys %pool) {    # dedupe, keep order
	my %s;
	$pool{$k} = [grep { !$s{$_}++ } @{ $pool{$k} }];
}

# every identifier of the corpus: replacement material
my (@idents, %seen_id);
for my $s (@stmts) {
	for my $tok (@{ tokenize($s) }) {
		next unless $tok->[0] eq 'id' || $tok->[0] eq 'qid';
		push @idents, $tok->[1] unless $seen_id{ $tok->[1] }++;
	}
}

# ------------------------------------------------------------------ extremes
my @X_IDENT = ('U&"\0041\00e9"', 'U&"d\0061t\+000061"', 'U&"!0041" UESCAPE \'!\'', '""', '"a""b"', '"ts"',
	'"TS"', '"Ts"', 'x' x 63, 'y' x 64, '"' . ('é' x 40) . '"', 'pg_temp.fz', 'pg_catalog.fz', 'public.fz',
	"$SCHEMA.fz", 'a.b.c.d', '"select"', '"WATERMARK"', 'emit', 'window_start', 'window_end', 'ctid', 'tableoid',
	'xmin', 'oid', '"\\"', '" "', '"x;y"', '"$1"', 'pg_temp', 'pg_toast.fz', 'information_schema.fz', '_', 'TUMBLE',
	'STREAM', 'laminar._streams', 'laminar.views', '"Odd Schema".x', 'w.ts', 'ts.ts', '"' . ('q' x 200) . '"');
my @X_NUM = ('0', '-1', '1', '2147483647', '2147483648', '-2147483648', '9223372036854775807', '9223372036854775808',
	'-9223372036854775808', '1e308', '1e309', '1e-400', '0.0', '-0', '99999999999999999999999999999999999999',
	'1.5', 'NULL', "'NaN'", "'Infinity'", '32767', '65536', '1664', '1e131071');
my @X_STR = ("''", "' '", "'infinity'", "'-infinity'", "'106751991 days'", "'-106751991 days'",
	"'178000000 years'", "'-178000000 years'", "'1 month'", "'0'", "'-1 second'", "'1 microsecond'",
	"'0.5 microseconds'", "'P1Y'", "'epoch'", "'now'", "'NaN'", "'Infinity'", "'294277-01-09 04:00:54.775807+00'",
	"'4714-11-24 00:00:00+00 BC'", "'x'", "U&'\\0041\\00e9'", "E'\\\\'", "E'\\n'", "''''", "'{}'", "'null'",
	'NULL', "'9223372036854775807 microseconds'", "'-9223372036854775808 microseconds'", "'1 second'",
	"'2 seconds'", "'1 second' || NULL", "'ts'", "'k'", "E'\\\\x00'");
my @X_TYPE = qw(int2 int4 int8 numeric float4 float8 text bytea bool date timestamp timestamptz time timetz
  interval jsonb json uuid inet money oid regclass xid tid pg_lsn tsvector point varbit int4range record unknown
  anyelement void trigger cstring internal pg_node_tree nosuchtype serial bigserial);
push @X_TYPE, 'numeric(1000,999)', 'varchar(1)', 'char(0)', 'timestamptz(0)', 'interval(0)', 'interval second',
  'int[]', 'int8[][]', 'text[]', 'bit(1)', "$SCHEMA.pair", "$SCHEMA.dom", "$SCHEMA.mood", "$SCHEMA.pair[]",
  'int COLLATE "C"', 'text COLLATE "nosuch"', 'int GENERATED ALWAYS AS (1) STORED', 'int DEFAULT 1/0',
  "int DEFAULT nextval('nosuch')", 'int CHECK (false)', 'int PRIMARY KEY', 'int UNIQUE', 'int NOT NULL',
  'timestamptz DEFAULT \'infinity\'', 'int DEFAULT NULL NOT NULL', 'double precision', 'character varying',
  'timestamp with time zone', 'pg_catalog.int8', 'laminar.nosuch', '"int8"', 'int8 int8';
my %TYPEWORD = map { $_ => 1 } qw(int int2 int4 int8 integer bigint smallint text numeric float8 float4 real
  timestamptz timestamp interval jsonb json bool boolean date bytea varchar uuid);
my @X_OP = ('-', '+', '*', '/', '%', '||', '->>', '->', '=', '<', '>', '<>', '::', 'AND', 'OR', '^', 'IS', 'IN',
	'LIKE', '@', '#', '&', '|', '~', '!!');
my @X_UNARY = ('-', '+', 'NOT ', '~', '@', '- -', '-(', 'ROW(', 'ARRAY[', 'DISTINCT ', 'ALL ');
my @KEYWORDS = qw(CREATE STREAM MATERIALIZED VIEW WATERMARK FOR AS EMIT ON WINDOW CLOSE UPDATE TUMBLE GROUP BY
  SELECT FROM WHERE IF NOT EXISTS CASCADE DROP INTERVAL NULL DEFAULT TEMP UNLOGGED ONLY LATERAL DISTINCT ALL
  HAVING ORDER LIMIT UNION WITH TABLE COLLATE FILTER OVER WITHIN RETURNING);
push @KEYWORDS, ';', '(', ')', ',', '.', '*', '$1', '::', '[', ']', '"', "'";

# ------------------------------------------------------------------ mutations
# A statement under construction: { t => tokens, big => [sql exprs] }.  A
# 1 MB literal or deep parentheses are "\x01N\x01" placeholders inside token
# text, rendered as string concatenation with big->[N] (see render).
my %STATS;

sub tok_idx_of {
	my ($t, @types) = @_;
	my %ty = map { $_ => 1 } @types;
	return grep { $ty{ $t->[$_][0] } } 0 .. $#$t;
}

sub big_ph {
	my ($st, $expr) = @_;
	push @{ $st->{big} }, $expr;
	return "\x01" . $#{ $st->{big} } . "\x01";
}

my @MUTATORS = (
	[delete => 6, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 unless @i;
		splice @{ $st->{t} }, pick(\@i), 1;
		1;
	}],
	[delete_range => 3, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 if @i < 3;
		my $a = rnd(@i - 1);
		my $b = $a + 1 + rnd(5);
		$b = $#i if $b > $#i;
		splice @{ $st->{t} }, $i[$a], $i[$b] - $i[$a] + 1;
		1;
	}],
	[duplicate => 4, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 unless @i;
		my $a = rnd(scalar @i);
		my $b = $a + rnd(4);
		$b = $#i if $b > $#i;
		my @copy = map { [@$_] } @{ $st->{t} }[$i[$a] .. $i[$b]];
		splice @{ $st->{t} }, $i[$b] + 1, 0, ['ws', ' '], @copy;
		1;
	}],
	[swap => 4, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 if @i < 2;
		my $a = rnd(@i - 1);
		my $b = coin(0.6) ? $a + 1 : rnd(scalar @i);
		@{ $st->{t} }[$i[$a], $i[$b]] = @{ $st->{t} }[$i[$b], $i[$a]];
		1;
	}],
	[truncate => 3, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 if @i < 2;
		splice @{ $st->{t} }, $i[1 + rnd(@i - 1)];
		1;
	}],
	[ident => 6, sub {
		my ($st) = @_;
		my @i = grep { !$TYPEWORD{ lc $st->{t}[$_][1] } } tok_idx_of($st->{t}, 'id', 'qid');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', coin(0.5) ? pick(\@X_IDENT) : pick(\@idents)];
		1;
	}],
	[number => 5, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'num');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', pick(\@X_NUM)];
		1;
	}],
	[string => 5, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'str');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', pick(\@X_STR)];
		1;
	}],
	[interval => 5, sub {
		my ($st) = @_;
		my $t = $st->{t};
		my @i = grep { is_kw($t->[$_], 'interval') } 0 .. $#$t;
		return 0 unless @i;
		my $j = next_nonws($t, pick(\@i) + 1);
		return 0 unless defined $j && $t->[$j][0] eq 'str';
		$t->[$j] = ['raw', pick(\@IV)];
		1;
	}],
	[type => 4, sub {
		my ($st) = @_;
		my @i = grep { $TYPEWORD{ lc $st->{t}[$_][1] } } tok_idx_of($st->{t}, 'id');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', pick(\@X_TYPE)];
		1;
	}],
	[unary => 3, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'id', 'qid', 'num', 'str');
		return 0 unless @i;
		splice @{ $st->{t} }, pick(\@i), 0, ['raw', pick(\@X_UNARY)];
		1;
	}],
	[operator => 3, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'op');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', ' ' . pick(\@X_OP) . ' '];
		1;
	}],
	[cast => 2, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'id', 'qid', 'num', 'str');
		return 0 unless @i;
		splice @{ $st->{t} }, pick(\@i) + 1, 0, ['raw', '::' . pick(\@X_TYPE)];
		1;
	}],
	[keyword => 3, sub {
		my ($st) = @_;
		my @i = nonws($st->{t});
		return 0 unless @i;
		splice @{ $st->{t} }, pick(\@i), 0, ['raw', ' ' . pick(\@KEYWORDS) . ' '];
		1;
	}],
	[parens => 2, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'id', 'qid', 'num', 'str');
		return 0 unless @i;
		my $a = pick(\@i);
		my $n = pick([1, 2, 3, 50]);
		splice @{ $st->{t} }, $a + 1, 0, ['raw', ')' x $n];
		splice @{ $st->{t} }, $a, 0, ['raw', '(' x $n];
		1;
	}],
	[splice => 12, sub {
		my ($st) = @_;
		my $t = $st->{t};
		my @kinds = grep { @{ $pool{$_} || [] } } qw(wm wmexpr tumble emit group where sel);
		my $k = pick(\@kinds);
		my @have = grep { $_->[0] eq $k } clause_spans($t);
		my $text = pick($pool{$k});
		if (@have) {
			my $sp = pick(\@have);
			splice @$t, $sp->[1], $sp->[2] - $sp->[1], ['raw', $text];
			return 1;
		}
		my $s = untok($t);
		if ($k eq 'emit') { push @$t, ['raw', " $text"]; return 1 }
		if ($k eq 'wm' && $s =~ /^\s*CREATE\s+STREAM/i) {
			my ($last) = grep { $t->[$_][1] eq ')' } reverse 0 .. $#$t;
			return 0 unless defined $last;
			splice @$t, $last, 0, ['raw', ", $text"];
			return 1;
		}
		if ($k eq 'group' || $k eq 'where') {
			my ($at) = grep { is_kw($t->[$_], 'emit') || ($k eq 'where' && is_kw($t->[$_], 'group')) } 0 .. $#$t;
			$at = scalar @$t unless defined $at;
			splice @$t, $at, 0, ['raw', " $text "];
			return 1;
		}
		if ($k eq 'tumble') {
			my ($f) = grep { is_kw($t->[$_], 'from') } 0 .. $#$t;
			return 0 unless defined $f;
			my $j = next_nonws($t, $f + 1);
			return 0 unless defined $j;
			$t->[$j] = ['raw', $text];
			return 1;
		}
		return 0;
	}],
);
my @BIG_MUTATORS = (
	[big_string => 3, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'str');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', "'" . big_ph($st, "repeat('x', $MB)") . "'"];
		1;
	}],
	[big_ident => 1, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'id', 'qid');
		return 0 unless @i;
		$st->{t}[pick(\@i)] = ['raw', '"' . big_ph($st, "repeat('n', $MB)") . '"'];
		1;
	}],
	[deep_parens => 3, sub {
		my ($st) = @_;
		my @i = tok_idx_of($st->{t}, 'id', 'qid', 'num', 'str');
		return 0 unless @i;
		my $a = pick(\@i);
		my $n = pick([1000, 10000, 100000]);
		splice @{ $st->{t} }, $a + 1, 0, ['raw', big_ph($st, "repeat(')', $n)")];
		splice @{ $st->{t} }, $a, 0, ['raw', big_ph($st, "repeat('(', $n)")];
		1;
	}],
	[long_list => 1, sub {
		my ($st) = @_;
		my $t = $st->{t};
		my @i = grep { is_kw($t->[$_], 'by') || is_kw($t->[$_], 'select') || $t->[$_][1] eq '(' } 0 .. $#$t;
		return 0 unless @i;
		my $n = pick([1700, 20000]);
		splice @$t, pick(\@i) + 1, 0, ['raw', ' ' . big_ph($st, "repeat('1, ', $n)") . ' '];
		1;
	}],
);

sub choose_mutator {
	my ($list) = @_;
	my $total = 0;
	$total += $_->[1] for @$list;
	my $r = rand($total);
	for my $m (@$list) {
		return $m if ($r -= $m->[1]) < 0;
	}
	return $list->[-1];
}

# mutate(text, max_mutations) -> statement { t, big, how }
sub mutate {
	my ($text, $max) = @_;
	my $st = { t => tokenize($text), big => [], how => [] };
	my $n = 1;
	$n++ while $n < $max && coin(0.45);
	for (1 .. $n) {
		for my $try (1 .. 8) {
			my $m = choose_mutator(\@MUTATORS);
			if ($m->[2]->($st)) { push @{ $st->{how} }, $m->[0]; last }
		}
	}
	if (coin(0.04)) {
		my $m = choose_mutator(\@BIG_MUTATORS);
		push @{ $st->{how} }, $m->[0] if $m->[2]->($st);
	}
	$STATS{$_}++ for @{ $st->{how} };
	return $st;
}

# crossover: the head of one statement and the tail of another
sub crossover {
	my ($x, $y) = @_;
	my $tx = tokenize($x);
	my $ty = tokenize($y);
	my @ix = nonws($tx);
	my @iy = nonws($ty);
	return $x unless @ix && @iy;
	my $cx = $ix[rnd(scalar @ix)];
	my $cy = $iy[rnd(scalar @iy)];
	return untok([@$tx[0 .. $cx - 1]]) . ' ' . untok([@$ty[$cy .. $#$ty]]);
}

# ------------------------------------------------------------------ render
sub dollar_quote {
	my ($s) = @_;
	my $tag = 'fz';
	my $n = 0;
	$tag = 'fz' . ++$n while index($s, "\$$tag\$") >= 0 || $s =~ /\$\Q$tag\E$/;
	return "\$$tag\$$s\$$tag\$";
}

# render(st) -> SQL text expression of the statement
sub render {
	my ($st) = @_;
	my $text = ref $st ? untok($st->{t}) : $st;
	my @big = ref $st ? @{ $st->{big} } : ();
	my @parts = split /\x01(\d+)\x01/, $text, -1;
	my @sql;
	for my $i (0 .. $#parts) {
		if ($i % 2) {
			push @sql, defined $big[$parts[$i]] ? $big[$parts[$i]] : "''";
		}
		else {
			(my $lit = $parts[$i]) =~ s/\x01//g;
			push @sql, dollar_quote($lit) if length $lit || @parts == 1;
		}
	}
	return join(' || ', @sql);
}

sub show { my ($st) = @_; return untok($st->{t}) }

# the SELECT ... of every corpus CREATE MATERIALIZED VIEW
sub view_queries {
	my @vq;
	for my $v (@views_ddl) {
		my $t = tokenize(unqualify($v));
		my ($as) = grep { is_kw($t->[$_], 'as') } 0 .. $#$t;
		next unless defined $as;
		push @vq, untok([@$t[$as + 1 .. $#$t]]);
	}
	return @vq;
}

# ------------------------------------------------------------------ setup mode
sub write_file {
	my ($name, $text) = @_;
	open my $fh, '>', "$opt{out}/$name" or die "$opt{out}/$name: $!";
	print $fh $text;
	close $fh or die "$name: $!";
}

if ($opt{mode} eq 'setup') {
	my $sql = "-- generated by test/fuzz/gen.pl --mode setup\n"
	  . "SET client_min_messages = warning;\n"
	  . "CREATE EXTENSION IF NOT EXISTS laminar;\n"
	  . "DROP SCHEMA IF EXISTS $SCHEMA, ${SCHEMA}_b CASCADE;\n"
	  . "CREATE SCHEMA $SCHEMA;\n"
	  . "CREATE SCHEMA ${SCHEMA}_b;\n"
	  . "SET search_path = $SCHEMA, public;\n"
	  . "CREATE TYPE $SCHEMA.pair AS (a int4, b text);\n"
	  . "CREATE DOMAIN $SCHEMA.dom AS int4 CHECK (VALUE > -1000000);\n"
	  . "CREATE TYPE $SCHEMA.mood AS ENUM ('sad', 'ok', 'happy');\n";
	for my $s (@streams_ddl) {
		my $t = unqualify($s);
		$sql .= "SELECT laminar.execute(" . dollar_quote($t) . ");\n";
	}
	write_file('setup.sql', $sql);
	# which corpus view queries work unmutated over the scratch streams
	my $chk = '';
	my @vq = view_queries();
	for my $i (0 .. $#vq) {
		$chk .= "\\echo @@ $i\nBEGIN;\nSELECT laminar.execute("
		  . render("CREATE MATERIALIZED VIEW $SCHEMA.fz_check AS $vq[$i]") . ");\nROLLBACK;\n";
	}
	write_file('views.sql', $chk);
	printf "setup: %d corpus strings, %d statements, %d streams, %d views\n", scalar @raw, scalar @stmts,
	  scalar @streams_ddl, scalar @views_ddl;
	exit 0;
}
die "gen.pl: unknown --mode $opt{mode}\n" unless $opt{mode} eq 'run';

# ------------------------------------------------------------------ streams
# stream -> [[col, type], ...], from the file run.sh wrote after setup
my (%cols, @snames);
if ($opt{streams}) {
	open my $fh, '<', $opt{streams} or die "$opt{streams}: $!";
	while (my $l = <$fh>) {
		chomp $l;
		my ($s, $c, $ty) = split /\t/, $l;
		next unless defined $ty;
		push @snames, $s unless $cols{$s};
		push @{ $cols{$s} }, [$c, $ty];
	}
	close $fh;
}

# value(type, extreme, allow_big) -> SQL literal text
my $BIG_LEFT = $opt{'big-events'};
sub value {
	my ($ty, $x, $big) = @_;
	return 'NULL' if coin($x ? 0.15 : 0.03);
	my $n = rnd(6);
	if ($ty =~ /^(bigint|integer|smallint)$/) {
		my %max = (bigint => '9223372036854775807', integer => '2147483647', smallint => '32767');
		return $x ? pick(['0', '-1', $max{$ty}, "-$max{$ty}", "(-$max{$ty} - 1)", '1']) : $n;
	}
	if ($ty =~ /^numeric/) {
		return $x ? pick(["'NaN'", "'Infinity'", "'-Infinity'", '1e131071', '-1e131071', '1e-16383', '0', '-0.0',
			'99999999999999999999.99999']) : "$n.5";
	}
	if ($ty =~ /^(double precision|real)/) {
		return $x ? pick(["'Infinity'", "'-Infinity'", "'NaN'", '1e308', '-1e308', '5e-324', "'-0'", '0']) : "$n.25";
	}
	if ($ty =~ /^(text|character varying)/) {
		if ($x && $big && $BIG_LEFT > 0 && coin(0.1)) { $BIG_LEFT--; return "repeat('b', $MB)" }
		return $x ? pick(["''", "U&'\\0041\\00e9'", "E'\\\\'", "'NULL'", "'with,comma'", "E'tab\\there'",
			"repeat('é', 3000)", "'\"'", "'x' || chr(1)"]) : "'g$n'";
	}
	if ($ty =~ /^timestamp/) {
		return $x ? pick(["'infinity'", "'-infinity'", "'294276-12-31 23:59:59.999999+00'",
			"'4714-11-24 00:00:00+00 BC'", "'epoch'", 'now()', "'2026-01-01 00:00:00+00'", "'1970-01-01 00:00:00.000001+00'",
			"'2026-01-01 00:00:00+00'::timestamptz - interval '100000 years'"])
		  : "'2026-01-01 00:00:00+00'::timestamptz + interval '" . rnd(120) . " seconds'";
	}
	if ($ty =~ /^interval/) {
		return $x ? pick(["'106751991 days'", "'-106751991 days'", "'178000000 years'", "'-178000000 years'", "'0'",
			"'1 microsecond'"]) : "'$n seconds'";
	}
	if ($ty eq 'jsonb' || $ty eq 'json') {
		return $x ? pick(["'null'", "'{}'", "'[]'", "'{\"tag\": \"x\", \"n\": 2147483648}'",
			"'{\"tag\": null, \"n\": \"NaN\"}'", "repeat('[', 5000) || repeat(']', 5000)",
			"'{\"tag\": \"" . ('t' x 3000) . "\"}'"]) : "'{\"tag\": \"t$n\", \"n\": $n}'";
	}
	return $x ? pick(['true', 'false']) : 'true' if $ty eq 'boolean';
	return $x ? pick(["'infinity'", "'-infinity'", "'4714-11-24 BC'"]) : "'2026-01-0" . ($n + 1) . "'" if $ty eq 'date';
	return $x ? pick(["'\\x'", "decode(repeat('00', 2000), 'hex')"]) : "'\\x0$n'" if $ty eq 'bytea';
	return "'00000000-0000-0000-0000-00000000000$n'" if $ty eq 'uuid';
	return $x ? pick(["'sad'", "'happy'"]) : "'ok'" if $ty =~ /mood$/;
	return $x ? pick(['-999999', '2147483647']) : $n if $ty =~ /dom$/;
	return $x ? pick(["ROW(NULL, NULL)", "ROW(2147483647, repeat('p', 5000))"]) : "ROW($n, 'p$n')" if $ty =~ /pair$/;
	return $x ? pick(["'{}'", "'{NULL}'", "ARRAY[2147483647, -2147483648]"]) : "'{$n}'" if $ty =~ /\[\]$/;
	return 'NULL';
}

sub insert_stmt {
	my ($s, $x, $big) = @_;
	my $c = $cols{$s};
	my $shape = rnd(10);
	if ($shape == 0) {    # many rows at once
		my $n = pick([100, 2000, 20000]);
		my @v = map {
			my $ty = $_->[1];
			$ty =~ /^(bigint|integer|smallint|numeric|double precision|real)/ ? "g % 97"
			  : $ty =~ /^timestamp/ ? "'2026-01-01 00:00:00+00'::timestamptz + g * interval '1 second'"
			  : $ty =~ /^text/ ? "'r' || g % 13"
			  : value($ty, $x, 0)
		} @$c;
		return "INSERT INTO $s SELECT " . join(', ', @v) . " FROM generate_series(1, $n) g;";
	}
	my $rows = 1 + rnd(6);
	my @r;
	for (1 .. $rows) {
		push @r, '(' . join(', ', map { value($_->[1], $x && coin(0.4), $big) } @$c) . ')';
	}
	if ($shape == 1 && @$c > 1) {    # a column subset: defaults for the rest
		my @pick = grep { coin(0.5) } 0 .. $#$c;
		@pick = (0) unless @pick;
		return "INSERT INTO $s (" . join(', ', map { $c->[$_][0] } @pick) . ") VALUES ("
		  . join(', ', map { value($c->[$_][1], $x, $big) } @pick) . ");";
	}
	return "INSERT INTO $s VALUES " . join(', ', @r) . ";";
}

my @FLUSH = ("laminar.flush()", "laminar.flush('0')", "laminar.flush('-1 second')", "laminar.flush(NULL)",
	"laminar.flush('106751991 days')", "laminar.flush('-106751991 days')", "laminar.flush('1 microsecond')",
	"laminar.flush('178000000 years')", "laminar.flush('5 seconds')", "laminar.flush('-178000000 years')");

# ------------------------------------------------------------------ phase 1
# every block in its own transaction, rolled back
my $p1 = '';
my $nb = 0;
my ($n_exec, $n_dml, $n_flush, $n_flush2) = (0, 0, 0, 0);
my $total = $opt{statements} + $opt{dml};
for my $b (1 .. $total) {
	$nb++;
	$p1 .= "\\warn @@ $nb\n";
	if (@snames && rnd($total) < $opt{dml}) {
		# DML into a stream and flush calls, rolled back
		my $s = pick(\@snames);
		my $blk = "BEGIN;\n" . insert_stmt($s, 1, 1) . "\n";
		$blk .= "SAVEPOINT a;\n" . insert_stmt(pick(\@snames), 1, 1) . "\nROLLBACK TO a;\n" if coin(0.2);
		$blk .= "SELECT " . pick(\@FLUSH) . ";\n" if coin(0.3);
		$p1 .= $blk . "ROLLBACK;\n";
		$n_dml++;
		if (coin(0.15)) {
			$p1 .= "SELECT " . pick(\@FLUSH) . ";\n";
			$n_flush++;
		}
		next;
	}
	my $st;
	do {
		my $src = coin(0.15) ? pick(\@raw) : pick(\@stmts);
		$src = crossover($src, pick(\@stmts)) if coin(0.1);
		$st = mutate($src, 4);
	} while (known_crash(show($st)));
	my $txt = show($st);
	$txt =~ s/\n/\n-- /g;
	$p1 .= "-- [" . join(' ', @{ $st->{how} }) . "]\n";
	$p1 .= "BEGIN;\nSELECT laminar.execute(" . render($st) . ");\nROLLBACK;\n";
	$n_exec++;
}
write_file('p1.sql', $p1);

# ------------------------------------------------------------------ tamper
# tamper_block(view, stream): a committed change to a result table or a
# stream under a running view, as its owner or a superuser could make it.
# Columns are picked at run time (the generator does not know them).
sub tamper_block {
	my ($v, $s) = @_;
	my $rel = "$SCHEMA.$v";
	my $nth = rnd(3);
	my $col = "(SELECT attname FROM pg_attribute WHERE attrelid = '$rel'::regclass AND attnum > 0 "
	  . "AND NOT attisdropped ORDER BY attnum OFFSET $nth LIMIT 1)";
	my $do = sub { return "DO \$fzdo\$BEGIN EXECUTE $_[0]; END\$fzdo\$;\n" };
	my $k = rnd(12);
	my $type = pick(['text', 'int8', 'numeric', 'int4', 'varchar(3)', 'float8']);
	return $do->("format('ALTER TABLE $rel ALTER COLUMN %I TYPE $type USING NULL', $col)") if $k == 0;
	return $do->("format('ALTER TABLE $rel RENAME COLUMN %I TO fz_renamed', $col)") if $k == 1;
	return $do->("format('ALTER TABLE $rel DROP COLUMN %I', $col)") if $k == 2;
	return "ALTER TABLE $rel ADD COLUMN fz_extra int8 NOT NULL DEFAULT 0;\n" if $k == 3;
	return "ALTER TABLE $rel SET SCHEMA ${SCHEMA}_b;\n" if $k == 4;
	return $do->("(SELECT string_agg('DROP INDEX ' || indexrelid::regclass, '; ') FROM pg_index "
		  . "WHERE indrelid = '$rel'::regclass)") if $k == 5;
	return pick(["TRUNCATE $rel;\n", "VACUUM FULL $rel;\n", "DELETE FROM $rel;\n"]) if $k == 6;
	return "ALTER TABLE $rel ADD CONSTRAINT fz_no CHECK (false) NOT VALID;\n" if $k == 7;
	return "DROP TABLE $rel;\n" if $k == 8;
	return $do->("format('ALTER TABLE $rel ALTER COLUMN %I SET NOT NULL', $col)") if $k == 9;
	# the stream under a partitioned or an inheritance parent, then a
	# column of the parent changed
	my $scol = "(SELECT attname FROM pg_attribute WHERE attrelid = '$s'::regclass AND attnum > 0 "
	  . "AND NOT attisdropped ORDER BY attnum OFFSET " . rnd(4) . " LIMIT 1)";
	my $p = "$SCHEMA.fz_parent_" . rnd(1000000);
	if ($k == 10) {
		return $do->("format('CREATE TABLE $p (LIKE $s) PARTITION BY LIST (%I)', $scol)")
		  . "ALTER TABLE $p ATTACH PARTITION $s DEFAULT;\n"
		  . $do->("format('ALTER TABLE $p ALTER COLUMN %I TYPE $type USING NULL', $scol)");
	}
	return "CREATE TABLE $p (LIKE $s);\nALTER FOREIGN TABLE $s INHERIT $p;\n"
	  . $do->("format('ALTER TABLE $p ALTER COLUMN %I TYPE $type USING NULL', $scol)");
}

# ------------------------------------------------------------------ phase 2
# committed: mutated views over the scratch streams, then events and flushes,
# with some views created and dropped while the events flow
my @vq = view_queries();
# --valid FILE: indexes of the view queries that work unmutated (run.sh
# finds them with views.sql); most committed views start from one of those
my @valid;
if ($opt{valid}) {
	open my $fh, '<', $opt{valid} or die "$opt{valid}: $!";
	@valid = grep { /^\d+$/ && $_ <= $#vq } map { s/\s+//gr } <$fh>;
	close $fh;
}
my $p2 = '';
my ($n_views, $n_events, $n_drops, $n_tamper, $n_term) = (0, 0, 0, 0, 0);
my @created;
my $events_left = $opt{events};
my $views_first = int($opt{views} * 0.7);
my $nviews = 0;
sub view_block {
	$nviews++;
	my $q = @valid && coin(0.8) ? $vq[pick(\@valid)] : pick(\@vq);
	my $st;
	for my $try (1 .. 20) {
		$st = coin(0.35) ? { t => tokenize($q), big => [], how => ['none'] } : mutate($q, 3);
		my $s = show($st);
		# stay inside the scratch schema: no second statement, no qualified
		# names outside lm_fuzz
		# nor anything that would stall or disturb the workers on purpose
		last unless $s =~ /;/ || $s =~ /\b(pg_catalog|pg_temp|public|laminar|information_schema|pg_toast)\s*\./i
		  || $s =~ /sleep|pg_terminate|pg_cancel|pg_reload|set_config|advisory|\block\b|dblink|pg_read|pg_write/i
		  || known_crash($s);
		$st = undef;
	}
	return '' unless $st;
	if (@snames && coin(0.15)) {    # over a random scratch stream
		my $t = $st->{t};
		my ($f) = grep { is_kw($t->[$_], 'from') } 0 .. $#$t;
		if (defined $f) {
			my $j = next_nonws($t, $f + 1);
			$t->[$j] = ['raw', pick(\@snames)] if defined $j && $t->[$j][0] =~ /^(id|qid)$/;
		}
	}
	$n_views++;
	push @created, "fzv_$nviews";
	my $txt = show($st);
	return "-- [" . join(' ', @{ $st->{how} }) . "]\nSELECT laminar.execute("
	  . render("CREATE MATERIALIZED VIEW $SCHEMA.fzv_$nviews AS ") . " || " . render($st) . ");\n";
}
my $pb = 0;
for (1 .. $views_first) {
	$pb++;
	$p2 .= "\\warn @@ $pb\n" . view_block();
}
if (@snames) {
	for my $e (1 .. $opt{events}) {
		$pb++;
		$p2 .= "\\warn @@ $pb\n";
		my $r = rnd(100);
		my $s = pick(\@snames);
		if (rnd($opt{events}) < $opt{views} - $views_first && $nviews < $opt{views}) {
			$p2 .= view_block();
		}
		elsif (rnd($opt{events}) < $opt{views} / 5 && @created > 1) {
			my $v = splice @created, rnd(scalar @created), 1;
			$p2 .= "SELECT laminar.execute('DROP MATERIALIZED VIEW IF EXISTS $SCHEMA.$v');\n";
			$n_drops++;
		}
		elsif (rnd($opt{events}) < $opt{tamper} && @created) {
			my $b = tamper_block(pick(\@created), $s);
			if (known_crash($b)) { $p2 .= "-- (a known crash left out)\n" }
			else { $p2 .= $b; $n_tamper++ }
		}
		elsif (rnd($opt{events}) < $opt{terminate}) {
			# the launcher restarts the worker: views reload their tables
			# (OFFSET 0: the filter runs before pg_terminate_backend)
			$p2 .= "SELECT 'terminated:' || count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM\n"
			  . " (SELECT pid FROM laminar.workers WHERE worker_id = " . rnd(2) . " AND pid IS NOT NULL OFFSET 0) w;\n";
			$n_term++;
		}
		elsif ($r < 18) {
			$p2 .= "BEGIN;\n" . insert_stmt($s, 1, 1) . "\nROLLBACK;\n";
			$n_events++;
		}
		elsif ($r < 26) {
			$p2 .= "BEGIN;\n" . insert_stmt($s, 1, 1) . "\nSAVEPOINT a;\n" . insert_stmt($s, 1, 1)
			  . "\nROLLBACK TO a;\n" . insert_stmt($s, 0, 0) . "\nCOMMIT;\n";
			$n_events++;
		}
		else {
			$p2 .= insert_stmt($s, coin(0.5), 1) . "\n";
			$n_events++;
		}
		if ($e % 15 == 0) {
			$p2 .= "SELECT laminar.flush('10s');\n";
			$n_flush2++;
		}
	}
}
write_file('p2.sql', $p2);

my $stats = sprintf("seed %d: phase 1: %d blocks (%d mutated laminar.execute, %d DML, %d extra flush); "
	  . "phase 2: %d blocks (%d views, %d drops, %d event statements, %d flush, %d changes to result tables "
	  . "and streams, %d worker terminations); corpus: %d strings, %d statements\n",
	$opt{seed}, $nb, $n_exec, $n_dml, $n_flush, $pb, $n_views, $n_drops, $n_events, $n_flush2, $n_tamper, $n_term,
	scalar @raw, scalar @stmts);
$stats .= "left out: $N_KNOWN generated statements matching $opt{known}\n" if $N_KNOWN;
$stats .= "mutations: " . join(', ', map { "$_ $STATS{$_}" } sort keys %STATS) . "\n";
write_file('stats.txt', $stats);
print $stats;
