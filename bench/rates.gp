# bench/rates.gp - rates.png from rates.tsv (written by bench/run.sh).
#
#   gnuplot -e "outdir='bench/results'; title_str='...'; tp_target=3000000" bench/rates.gp
#
# Four panels, one per data block of rates.tsv (label, value, 1 = Laminar /
# 0 = Postgres baseline, text above the bar): the 1M-event COPY workload
# (a)-(d), the pgbench single-row INSERTs (e), and the large INSERT ... SELECT
# (t) as wall-clock rate and as events per worker CPU-second, with its target.
if (!exists("outdir")) outdir = 'bench/results'
if (!exists("title_str")) title_str = 'Laminar benchmark'
if (!exists("tp_target")) tp_target = 3000000
data = outdir.'/rates.tsv'

set terminal pngcairo size 1400,1000 font "DejaVu Sans,10" noenhanced
set output outdir.'/rates.png'
set datafile separator "\t"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics lc rgb "#dddddd"
set format y "%.1s %c"
set yrange [0:*]
set offsets 0.5, 0.5, 0, 0
set xtics nomirror scale 0
set ytics nomirror
unset key
laminar = 0xD55E00
postgres = 0x5A7FA6
col(k) = (k == 1 ? laminar : postgres)

set multiplot layout 2,2 title title_str."\nLaminar orange, Postgres baselines blue; higher is better" font ",12"

# headroom above the tallest bar of a block for the value labels
set title "(a)-(d) 1M events as 100 COPYs of 10k rows, until the rollup is current [rows/s]"
set autoscale y
stats data index 0 using 2 nooutput
set yrange [0:(STATS_max > 0 ? STATS_max * 1.15 : 1)]
set xtics rotate by -15
plot data index 0 using 0:2:(col($3)):xtic(1) with boxes lc rgb variable, \
     '' index 0 using 0:2:4 with labels offset 0,0.8
set xtics norotate

set title "(e) pgbench, single-row INSERT transactions, 8 clients [TPS]"
set autoscale y
stats data index 1 using 2 nooutput
set yrange [0:(STATS_max > 0 ? STATS_max * 1.15 : 1)]
plot data index 1 using 0:2:(col($3)):xtic(1) with boxes lc rgb variable, \
     '' index 1 using 0:2:4 with labels offset 0,0.8

set title "(t) one large INSERT ... SELECT into the stream, until flush() [events/s, wall clock]"
set autoscale y
stats data index 2 using 2 nooutput
set yrange [0:(STATS_max > 0 ? STATS_max * 1.15 : 1)]
plot data index 2 using 0:2:(col($3)):xtic(1) with boxes lc rgb variable, \
     '' index 2 using 0:2:4 with labels offset 0,0.8

set title sprintf("(t) events aggregated per worker CPU-second (dashed: target %.0f M)", tp_target / 1e6)
set autoscale y
stats data index 3 using 2 nooutput
ymax = (STATS_max > tp_target ? STATS_max : tp_target) * 1.15
set yrange [0:ymax]
set arrow 1 from graph 0, first tp_target to graph 1, first tp_target nohead dt 2 lw 2 lc rgb "#cc0000"
plot data index 3 using 0:2:(col($3)):xtic(1) with boxes lc rgb variable, \
     '' index 3 using 0:2:4 with labels offset 0,0.8
unset arrow 1

unset multiplot
