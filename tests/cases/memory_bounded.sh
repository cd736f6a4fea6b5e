# Memory bounded by the cap (issue 15 point 3): peak RSS of vocalc analyze
# on a trace and on one 4 times as long (TCP only, 1000 journeys/s, so the
# round-trip tracker's 10 s of TSvals is full in both) grows by less than
# 25 % once every distribution has crossed the cap (VOCALC_EXACT_CAP=1000:
# hops, RTT per flow and point, ACK inter-arrivals and spacing ratios all
# become sketches).  With no cap (exact values kept however many) the same
# pair of runs grows by more: the test can tell.  vocalc report (the HTML
# page and its figures) is bounded the same way.  The clock is given: its
# estimate buffers pairs of its own (clock_est), not distributions.
source tests/lib.sh
# ASan keeps freed memory in quarantine: RSS would measure that, not vocalc
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
command -v /usr/bin/time >/dev/null || skip "no /usr/bin/time (Debian package time)"
for n in 20000 80000; do
	"$VOCGEN" --out "$T/r$n" --journeys $n --rate 1000 --mix 100,0,0 --seed 4 >/dev/null ||
		fail "vocgen $n"
done
# peak RSS in KB, the smaller of two runs (the machine is shared; one in a
# sanitizer's build, whose runs are slow)
runs=2
[ "$BUILD" = build ] || runs=1
rss() {
	local best=
	for _ in $(seq $runs); do
		/usr/bin/time -f %M -o "$T/rss" "$@" >/dev/null 2>"$T/err" || {
			cat "$T/err"
			fail "$*"
		}
		local r
		r=$(tail -n 1 "$T/rss")
		[ -z "$best" ] || [ "$r" -lt "$best" ] && best=$r
	done
	echo "$best"
}
growth() { python3 -c "import sys; print(f'{int(sys.argv[2]) / int(sys.argv[1]):.3f}')" "$1" "$2"; }
a=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" analyze --guest-offset-us 0 "$T/r20000")
b=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" analyze --guest-offset-us 0 "$T/r80000")
g=$(growth "$a" "$b")
echo "cap 1000: peak RSS $a KB at 1x, $b KB at 4x: x$g"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.25 else 1)" "$g" ||
	fail "with the cap crossed, peak RSS grew x$g from 1x to 4x (at most x1.25)"
# the HTML report too: its figures (the VO latency per second, the CDFs,
# the clock's pairs) are bounded like the rest; made without gnuplot, whose
# RSS time(1) would report (the largest of a process and its children)
export VOCALC_GNUPLOT=/nonexistent
ra=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" report -o "$T/a.html" --plots "$T/pa" --guest-offset-us 0 "$T/r20000")
rb=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" report -o "$T/b.html" --plots "$T/pb" --guest-offset-us 0 "$T/r80000")
unset VOCALC_GNUPLOT
rg=$(growth "$ra" "$rb")
echo "report, cap 1000: peak RSS $ra KB at 1x, $rb KB at 4x: x$rg"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.25 else 1)" "$rg" ||
	fail "vocalc report: with the cap crossed, peak RSS grew x$rg from 1x to 4x (at most x1.25)"
[ "$BUILD" = build ] || exit 0
u=$(VOCALC_EXACT_CAP=4294967296 rss "$VOCALC" analyze --guest-offset-us 0 "$T/r20000")
v=$(VOCALC_EXACT_CAP=4294967296 rss "$VOCALC" analyze --guest-offset-us 0 "$T/r80000")
h=$(growth "$u" "$v")
echo "no cap:   peak RSS $u KB at 1x, $v KB at 4x: x$h"
python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) > float(sys.argv[1]) else 1)" "$g" "$h" ||
	fail "without a cap RSS grew x$h, not more than with it (x$g): this test cannot tell"
# for the record (not this test's bound): the default, the clock estimated
c=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" analyze "$T/r20000")
d=$(VOCALC_EXACT_CAP=1000 rss "$VOCALC" analyze "$T/r80000")
echo "cap 1000, clock estimated: $c KB at 1x, $d KB at 4x: x$(growth "$c" "$d")"
