#!/usr/bin/env bash
# make bench: how fast vocalc does the jobs a user runs, as ratios to a bare
# libpcap read of the same files (tools/bareread.c: pcap_next_ex over every
# record, nothing else), and beside peers doing the same job on the same file
# in the same run.  Rows (issue 15):
#   default analyze    4 points, clock estimated, RTT and ACKs on   <= 3x
#   matching only      clock given, --no-rtt --no-ack              <= 2x
#   rtt FILE           the busiest capture (nic)                   <= 2x, < tcptrace
#   peak RSS           default analyze at 1x and 4x the trace (1.6 M and
#                      6.4 M records): 4x <= 1.25 * 1x, and < 128 MB
#   peers              tcptrace -n -l -r (seq/ack RTTs), tshark's ack_rtt
# Times: the best of N runs, the job and its bare read alternating, so both
# meet the same machine (it is noisy); the files are in the page cache.
# BENCH_RUNS=N (default 7).
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
V="$PWD/$B/vocalc" G="$PWD/$B/tools/vocgen" R="$PWD/$B/tools/bareread"
N=${BENCH_RUNS:-7}
W=$(mktemp -d /tmp/vocalc-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
missed=0

wall() { # CMD...: the wall time of one run, s (its output discarded)
	local t
	t=$( { TIMEFORMAT=%R; time "$@" >/dev/null 2>&1; } 2>&1 )
	echo "$t"
}
min() { python3 -c "print(min($1, $2))"; }
rss_mb() { # CMD...: peak RSS of one run, MB
	/usr/bin/time -o "$W/rss" -f %M "$@" >/dev/null 2>&1
	python3 -c "import sys; print(f'{int(open(sys.argv[1]).read().split()[-1]) / 1024:.1f}')" "$W/rss"
}
# JOB_ARGS... -- FILES...: best of N alternating runs of the job and of the
# bare read of FILES; prints "job_s bare_s"
alternate() {
	local job=() files=() tj=1e9 tb=1e9
	while [ "$1" != -- ]; do job+=("$1"); shift; done
	shift
	files=("$@")
	for _ in $(seq "$N"); do
		tj=$(min "$(wall "${job[@]}")" "$tj")
		tb=$(min "$(wall "$R" "${files[@]}")" "$tb")
	done
	echo "$tj $tb"
}
gen() { # DIR JOURNEYS
	"$G" --out "$1" --journeys "$2" --seed 1 --offset-us -4136 --skew-ppm 73 \
		--loss vnet-guest:to=0.005 >/dev/null || { echo "bench: vocgen failed" >&2; exit 2; }
	cat "$1"/*.pcap >/dev/null
}
row() { # NAME RECORDS JOB_S BARE_S TARGET (a ratio, or - for none)
	python3 - "$@" <<'PY'
import sys
name, rec, tj, tb, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
ratio = tj / tb if tb > 0 else float("inf")
ok = target == "-" or ratio <= float(target)
print(f"{name:28} {rec:9d} {tj:8.3f} {tb:8.3f} {ratio:7.2f}x  {'<= ' + target + 'x' if target != '-' else '':8} {'' if ok else 'MISSED'}")
sys.exit(0 if ok else 1)
PY
}

gen "$W/x1" 185000
files=("$W"/x1/nic.pcap "$W"/x1/bridge.pcap "$W"/x1/vnet.pcap "$W"/x1/guest.pcap)
rec=$("$R" "${files[@]}" | cut -d' ' -f1)
nic_rec=$("$R" "$W/x1/nic.pcap" | cut -d' ' -f1)

printf '%-28s %9s %8s %8s %8s  %-8s\n' job records "s" "bare s" ratio target
read -r tj tb < <(alternate "$V" analyze --json "$W/x1" -- "${files[@]}")
row "default analyze (4 points)" "$rec" "$tj" "$tb" 3 || missed=1
read -r tj tb < <(alternate "$V" analyze --json --no-rtt --no-ack --guest-offset-us -4136 \
	--guest-skew-ppm 73 "$W/x1" -- "${files[@]}")
row "matching only (clock given)" "$rec" "$tj" "$tb" 2 || missed=1
read -r tr tb < <(alternate "$V" rtt "$W/x1/nic.pcap" -- "$W/x1/nic.pcap")
row "rtt nic.pcap" "$nic_rec" "$tr" "$tb" 2 || missed=1

# peers on the same file, the same job: RTT samples of every TCP flow
if command -v tcptrace >/dev/null; then
	tt=1e9
	for _ in $(seq "$N"); do tt=$(min "$(wall tcptrace -n -l -r "$W/x1/nic.pcap")" "$tt"); done
	row "peer: tcptrace -n -l -r" "$nic_rec" "$tt" "$tb" - || true
	if python3 -c "import sys; sys.exit(0 if $tr < $tt else 1)"; then
		echo "  vocalc rtt: $(python3 -c "print(f'{$tt/$tr:.1f}')")x faster than tcptrace"
	else
		echo "  vocalc rtt slower than tcptrace: MISSED"
		missed=1
	fi
else
	echo "peer: tcptrace not installed (make deps)"
fi
if command -v tshark >/dev/null; then
	ts=$(wall tshark -r "$W/x1/nic.pcap" -T fields -e tcp.analysis.ack_rtt)
	row "peer: tshark ack_rtt (1 run)" "$nic_rec" "$ts" "$tb" - || true
fi

# memory: bounded by the matching window, not by the trace
echo
printf '%-28s %9s %8s  %s\n' "peak RSS, default analyze" records MB target
r1=$(rss_mb "$V" analyze --json "$W/x1")
printf '%-28s %9d %8s\n' "1x" "$rec" "$r1"
gen "$W/x4" 740000
r4=$(rss_mb "$V" analyze --json "$W/x4")
rec4=$("$R" "$W"/x4/*.pcap | cut -d' ' -f1)
ok=$(python3 -c "print('' if $r4 <= 1.25 * $r1 and $r4 < 128 else 'MISSED')")
printf '%-28s %9d %8s  <= 1.25 x 1x, < 128 %s\n' "4x" "$rec4" "$r4" "$ok"
[ -z "$ok" ] || missed=1
exit $missed
