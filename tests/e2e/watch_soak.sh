# vocalc watch for 10 minutes (VOCALC_SOAK_S, default 600) on the testbed
# under a steady workload (issue 18): its resident memory after the first
# 2 minutes grows by less than 5 %, its open file descriptors do not grow,
# the ring on disk stays at --keep, every window is analyzed (none
# skipped) with figures for both guests, and SIGTERM stops it with nothing
# left running on the host or the guests.  Sampled from /proc every 5 s.
source tests/e2e/lib.sh
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
SOAK=${VOCALC_SOAK_S:-600}
[ "$SOAK" -ge 180 ] || fail "VOCALC_SOAK_S: at least 180 (the baseline is taken at 120 s)"
$TB up --guests 2 --to-guest-delay 1000,2000 --from-guest-delay 300,300 >/dev/null || fail "testbed up"
eval "$($TB env)"
WL=() WPID=
trap 'kill ${WL[*]} $WPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; $TB down >/dev/null 2>&1' EXIT
for ip in 10.99.0.3 10.99.0.4; do # steady: pings and a TCP stream at 2 Mbit/s
	$TB exec client ping -q -i 0.01 "$ip" >/dev/null 2>&1 &
	WL+=($!)
done
$TB exec guest iperf3 -s -p 5201 >/dev/null 2>&1 &
WL+=($!)
sleep 0.3
$TB exec client iperf3 -c 10.99.0.3 -p 5201 -t $((SOAK + 60)) -b 2M -l 1400 >/dev/null 2>&1 &
WL+=($!)
mkdir -p "$T/tf"
ip netns exec vtb-client "$VC" watch -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" \
	--interval 5 --listen 127.0.0.1:0 --textfile "$T/tf" --json -o "$T/run" --keep 1 \
	--alarm '*:vo_round_trip.p50>50ms' "$VOCALC_HOST" root@10.99.0.3 root@10.99.0.4 \
	>"$T/watch.jsonl" 2>"$T/watch.err" &
WPID=$!
start=$(date +%s)
: >"$T/samples"
while [ $(($(date +%s) - start)) -lt "$SOAK" ]; do
	sleep 5
	kill -0 $WPID 2>/dev/null || fail "vocalc watch died: $(tail -5 "$T/watch.err")"
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$WPID/status)
	fds=$(ls /proc/$WPID/fd | wc -l)
	echo "$(($(date +%s) - start)) $rss $fds $(ls "$T/run/ring" | wc -l)" >>"$T/samples"
done
stop_watch $WPID "$T/watch.err"
WPID=
python3 - "$T/samples" "$T/watch.jsonl" "$SOAK" <<'PY' || fail "the soak: $(tail -3 "$T/samples")"
import json, sys
S = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
base = next(s for s in S if s[0] >= 120)
after = [s for s in S if s[0] >= base[0]]
rss_max, fd_max, ring_max = max(s[1] for s in after), max(s[2] for s in after), max(s[3] for s in S)
print(f"{len(S)} samples over {S[-1][0]} s; at {base[0]} s RSS {base[1]} kB, {base[2]} fds; "
      f"after: RSS max {rss_max} kB ({100 * (rss_max / base[1] - 1):+.1f} %), "
      f"last {S[-1][1]} kB, fds max {fd_max}, last {S[-1][2]}; ring at most {ring_max} windows")
assert rss_max < 1.05 * base[1], "RSS grew by 5 % or more"
assert S[-1][2] <= base[2] and fd_max <= base[2] + 2, "file descriptors grew"
# --keep 1: 12 windows of 5 s, plus the one being written, the next one's
# directory (made when its cut is armed) and those waiting for the worker (3)
assert ring_max <= 12 + 2 + 3, "the ring outgrew --keep 1"
lines = [json.loads(l) for l in open(sys.argv[2])]
want = int(sys.argv[3]) // 5 - 2
assert len(lines) >= want, (len(lines), want)
assert [l["window"] for l in lines] == list(range(len(lines))), "a window skipped"
for l in lines[1:]:
    for g in l["guests"]:
        assert g["figures"] and g["figures"]["vo_round_trip.p50"] > 0, (l["window"], g)
print(f"{len(lines)} windows, none skipped, every one with both guests' figures")
PY
grep -q "skipped" "$T/watch.err" && fail "windows skipped: $(grep skipped "$T/watch.err" | head -3)"
[ -s "$T/tf/vocalc.prom" ] || fail "no textfile"
