# bench/latency.gp - latency.png from latency.tsv (written by bench/run.sh).
#
#   gnuplot -e "outdir='bench/results'; title_str='...'; flush_ms=10; p50=5; p90=7; p99=9; pmax=10; load=2000" bench/latency.gp
#
# The cumulative distribution of the commit-to-visible latency of part (g):
# one step per probe, with laminar.flush_interval and the bound of
# 5 x flush_interval as vertical lines.
if (!exists("outdir")) outdir = 'bench/results'
if (!exists("title_str")) title_str = 'Laminar benchmark'
if (!exists("flush_ms")) flush_ms = 10
if (!exists("load")) load = 2000
data = outdir.'/latency.tsv'

set terminal pngcairo size 1000,600 font "DejaVu Sans,10" noenhanced
set output outdir.'/latency.png'
stats data using 1 nooutput
n = STATS_records
xmax = (STATS_max > 5 * flush_ms ? STATS_max : 5 * flush_ms) * 1.05
set title title_str."\n(g) commit-to-visible latency of single-row INSERTs under ".sprintf("%d", load)." rows/s background load (".sprintf("%d", n)." probes)"
set xlabel "milliseconds from just before COMMIT until a query of the view's table sees the row"
set ylabel "fraction of probes"
set xrange [0:xmax]
set yrange [0:1.02]
set grid lc rgb "#dddddd"
set key at graph 0.85, graph 0.5 right box opaque
set arrow 1 from flush_ms, graph 0 to flush_ms, graph 1 nohead dt 3 lc rgb "#555555"
set label 1 "flush_interval" at flush_ms, graph 0.06 offset 0.5,0 left
set arrow 2 from 5 * flush_ms, graph 0 to 5 * flush_ms, graph 1 nohead dt 2 lw 2 lc rgb "#cc0000"
set label 2 "bound for p99: 5 x flush_interval" at 5 * flush_ms, graph 0.75 offset -0.5,0 right textcolor rgb "#cc0000"
pct = exists("p50") ? sprintf("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p90, p99, pmax) : "CDF"
plot data using 1:(1.0 / n) smooth cumulative with steps lw 2 lc rgb "#D55E00" title pct
