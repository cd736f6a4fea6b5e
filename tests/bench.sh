#!/usr/bin/env bash
# make bench: vocalc analyze throughput (hops and VO with the clock given,
# --no-ack,
# --no-rtt: the job the 2x target is about), as packets/s and as a ratio to a
# bare libpcap read loop over the same files (tools/bareread.c), peak RSS at
# 1x and 4x the trace length, and a peer: tshark extracting fields from the
# same files.  Targets (issue 2): ratio <= 2, RSS <= 64 MB + 48 B/packet.
# Times are the best of 9 runs with the files in the page cache, vocalc and
# the bare read alternating so both see the same machine.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
V="$PWD/$B/vocalc" G="$PWD/$B/tools/vocgen" R="$PWD/$B/tools/bareread"
W=$(mktemp -d /tmp/vocalc-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
missed=0

wall() { # CMD...: prints the wall time of one run in seconds
	local t
	t=$( { TIMEFORMAT=%R; time "$@" >/dev/null 2>&1; } 2>&1 )
	echo "$t"
}
best_of() { # N CMD...: prints the best wall time in seconds
	local n=$1 best=1e9 t; shift
	for _ in $(seq "$n"); do
		t=$(wall "$@")
		best=$(python3 -c "print(min($t, $best))")
	done
	echo "$best"
}

printf '%-6s %10s %12s %10s %10s %8s %10s %12s\n' trace packets "vocalc pkt/s" "vocalc s" "bare s" ratio "RSS MB" "RSS target"
for scale in 1 4; do
	d="$W/x$scale"
	"$G" --out "$d" --journeys $((100000 * scale)) --seed 1 --offset-us -4136 --skew-ppm 73 \
		--loss vnet-guest:to=0.005 >/dev/null || { echo "bench: vocgen failed"; exit 2; }
	files=("$d"/nic.pcap "$d"/bridge.pcap "$d"/vnet.pcap "$d"/guest.pcap)
	cat "${files[@]}" >/dev/null
	pk=$("$R" "${files[@]}" | cut -d' ' -f1)
	# the target's job: hops and VO, the clock given, no RTT tracking
	args=(analyze --json --no-rtt --no-ack --guest-offset-us -4136 --guest-skew-ppm 73 "$d")
	tv=1e9 tb=1e9
	for _ in $(seq 9); do
		tv=$(python3 -c "print(min($(wall "$V" "${args[@]}"), $tv))")
		tb=$(python3 -c "print(min($(wall "$R" "${files[@]}"), $tb))")
	done
	rss=$( { /usr/bin/time -f %M "$V" "${args[@]}" >/dev/null; } 2>&1 | tail -n 1)
	python3 - "$scale" "$pk" "$tv" "$tb" "$rss" <<'PY' || missed=1
import sys
scale, pk, tv, tb, rss = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:6])
ratio = tv / tb if tb > 0 else float("inf")
rss_mb = rss / 1024
target = 64 + 48 * pk / 2**20
print(f"{scale + 'x':6} {pk:10d} {pk / tv:12.0f} {tv:10.3f} {tb:10.3f} {ratio:8.2f} {rss_mb:10.1f} {target:12.1f}")
bad = []
if ratio > 2: bad.append(f"ratio {ratio:.2f} > 2")
if rss_mb > target: bad.append(f"RSS {rss_mb:.1f} MB > {target:.1f} MB")
if bad: print("  target missed: " + "; ".join(bad))
sys.exit(1 if bad else 0)
PY
	if [ "$scale" = 1 ]; then
		# the default run also estimates the guest clock (one more pass over
		# vnet and guest) and tracks TCP round trips per point (no target)
		ta=$(best_of 5 "$V" analyze --json "$d")
		auto="default analyze (clock estimated, RTT and ACKs tracked): $ta s at 1x, $(python3 -c "print(f'{$ta/$tb:.2f}')")x the bare read"
	fi
	if [ "$scale" = 1 ] && command -v tshark >/dev/null; then
		# vocalc rtt on the busiest capture, beside tshark extracting the
		# fields the same rule needs from it
		tr=$(best_of 5 "$V" rtt "$d/nic.pcap")
		tsr=$(best_of 1 tshark -r "$d/nic.pcap" -T fields -e frame.time_epoch -e ip.src \
			-e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport \
			-e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr -e tcp.flags)
		npk=$("$R" "$d/nic.pcap" | cut -d' ' -f1)
		rttline=$(python3 -c "print(f'rtt: $npk packets in $tr s ({$npk/$tr:.0f} pkt/s); tshark extracting its fields: $tsr s ({$tsr/$tr:.0f}x slower)')")
		tt=$(best_of 1 sh -c 'for f in "$@"; do tshark -r "$f" -T fields -e frame.time_epoch -e ip.id -e tcp.seq -e tcp.ack >/dev/null; done' sh "${files[@]}")
		peer="peer: tshark -T fields over the same files: $tt s ($(python3 -c "print(f'{$tt/$tv:.0f}')")x vocalc's time)"
	fi
done
[ -n "${auto:-}" ] && echo "$auto"
[ -n "${rttline:-}" ] && echo "$rttline"
[ -n "${peer:-}" ] && echo "$peer"
exit $missed
