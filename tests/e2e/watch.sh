# vocalc watch on the testbed with two guests, scraped by a real Prometheus
# (issue 18).  Ground truth is the backends' injected delays: guest 1 gets
# 1000 us toward it and 500 back, guest 2 2500 and 500.  After a few
# windows, Prometheus's histogram_quantile(0.5) of each guest's VO
# histograms, the two directions summed (clock-free), is its injected sum
# plus the path's own (under 800 us), to the buckets' resolution, and the
# two guests differ by the difference of their injections; each guest's
# clock offset lies within its bound (the namespaces share one clock: the
# true offset is 0).  The host's tcpdump at guest 1's vnet killed mid-run
# is restarted and vocalc_capture_up shows the gap; raising guest 2's delay
# mid-run fires its alarm, and only its alarm: one line, --on-alarm run
# with the details in its environment, the frozen captures a run directory
# `vocalc analyze` reads.  SIGTERM stops it with nothing left running on
# the host or the guests.
source tests/e2e/lib.sh
source tests/promlib.sh
prom_have || skip "needs prometheus and promtool (make deps)"
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
G1=root@10.99.0.3 G2=root@10.99.0.4
$TB up --guests 2 --to-guest-delay 1000,2500 --from-guest-delay 500,500 >/dev/null || fail "testbed up"
eval "$($TB env)"
export PROM_NETNS=vtb-client
WL=() WPID=
prom_on_exit 'kill ${WL[*]} $WPID 2>/dev/null'
for ip in 10.99.0.3 10.99.0.4; do # a steady workload through nic, bridge and vnet
	$TB exec client ping -q -i 0.02 "$ip" >/dev/null 2>&1 &
	WL+=($!)
done
cat >"$T/on-alarm.sh" <<EOF
#!/bin/sh
env | grep '^VOCALC_ALARM' >"$T/alarm.\$\$.env"
EOF
chmod +x "$T/on-alarm.sh"
PORT=$(prom_free_port)
ip netns exec vtb-client "$VC" watch -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" \
	--interval 3 --listen 127.0.0.1:"$PORT" --json -o "$T/run" --keep 1 \
	--alarm '*:vo_round_trip.p50>5ms' --on-alarm "$T/on-alarm.sh" \
	"$VOCALC_HOST" $G1 $G2 >"$T/watch.jsonl" 2>"$T/watch.err" &
WPID=$!
prom_start 127.0.0.1:"$PORT" || fail "prometheus did not start"
windows() { [ -s "$T/watch.jsonl" ] && wc -l <"$T/watch.jsonl" || echo 0; }
have_windows() { [ "$(windows)" -ge "$1" ]; }
wait_for() { # SECS CMD...: until CMD succeeds
	local s=$1 i
	shift
	for i in $(seq 1 $((s * 4))); do "$@" && return 0; kill -0 $WPID 2>/dev/null || return 1; sleep 0.25; done
	return 1
}
wait_for 40 have_windows 5 || fail "fewer than 5 windows in 40 s: $(cat "$T/watch.err")"
prom_wait_scraped 3 || fail "prometheus did not scrape vocalc watch"
sleep 2
grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/watch.err" || fail "no endpoint line: $(cat "$T/watch.err")"

# the medians from Prometheus, by guest, and the buckets they fall in
q() { prom_value "histogram_quantile(0.5, sum by (guest, le) (vocalc_latency_seconds_bucket{hop=\"vo\",direction=\"$1\"}))"; }
q to_guest >"$T/to" || fail "query to_guest"
q from_guest >"$T/from" || fail "query from_guest"
prom_value 'vocalc_guest_clock_offset_seconds' >"$T/off" || fail "query offset"
prom_value 'vocalc_guest_clock_error_bound_seconds' >"$T/bound" || fail "query bound"
prom_value 'sum by (guest, hop, direction) (vocalc_packets_total)' >"$T/pk" || fail "query packets"
prom_value 'sum by (guest, hop, direction) (vocalc_lost_packets_total)' >"$T/lost" || fail "query lost"
python3 - "$T" "$G1" "$G2" <<'PY' || fail "the figures Prometheus gives: $(cat "$T/to" "$T/from")"
import json, sys, re
T, G1, G2 = sys.argv[1:4]
def load(name):
    out = {}
    for line in open(f"{T}/{name}"):
        labels, v = line.rsplit(" ", 1)
        d = dict(kv.split("=", 1) for kv in labels.split(",") if "=" in kv)
        out[tuple(sorted(d.items()))] = float(v)
    return out
def by_guest(name):
    return {dict(k)["guest"]: v for k, v in load(name).items()}
to, fr = by_guest("to"), by_guest("from")
# the buckets: 10 a decade from 1 us, R10 (metrics.h); the width of v's
R10 = (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8)
LE = [r * 10.0 ** e * 1e-6 for e in range(6) for r in R10] + [1.0]
def width(v):
    hi = next(i for i, b in enumerate(LE) if b >= v)
    return LE[hi] - (LE[hi - 1] if hi else 0)
inj = {G1: 1500e-6, G2: 3000e-6}
base = 800e-6  # the path's own round trip in the testbed (2 x 50 us pipeline, the stacks;
               # 280 to 600 us measured on two loaded cores)
for g in (G1, G2):
    s = to[g] + fr[g]
    tol = width(to[g]) + width(fr[g])
    print(f"{g}: prometheus p50 to {to[g]*1e6:.1f} + from {fr[g]*1e6:.1f} = {s*1e6:.1f} us, injected {inj[g]*1e6:.0f}, resolution {tol*1e6:.1f}")
    assert inj[g] - tol <= s <= inj[g] + base + tol, g
d = (to[G2] + fr[G2]) - (to[G1] + fr[G1])
tol = sum(width(x[g]) for x in (to, fr) for g in (G1, G2))
print(f"guest 2 - guest 1: {d*1e6:.1f} us (injected 1500, resolution {tol*1e6:.1f})")
assert abs(d - 1500e-6) <= tol
off, bound = by_guest("off"), by_guest("bound")
for g in (G1, G2):
    print(f"{g}: clock offset {off[g]*1e6:.1f} us, bound {bound[g]*1e6:.1f} us (true offset 0)")
    assert abs(off[g]) <= bound[g]
pk, lost = load("pk"), load("lost")
for k, n in pk.items():
    d = dict(k)
    l = lost.get(k, 0)
    assert n > 100, (d, n)
    assert l <= 0.01 * (n + l), (d, n, l)  # window cuts cost a packet or two, no more
print("hops:", len(pk), "rows, all with packets, loss below 1 %")
PY
# every line a window, in order, with both guests' figures
python3 - "$T/watch.jsonl" "$G1" "$G2" <<'PY' || fail "the JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["window"] for l in lines] == list(range(len(lines))), [l["window"] for l in lines]
for l in lines[1:]:
    assert abs(l["t_end"] - l["t_start"] - 3) < 0.01, l["t_end"] - l["t_start"]
    names = [g["name"] for g in l["guests"]]
    assert names == sys.argv[2:4], names
    for g in l["guests"]:
        assert g["figures"] and g["figures"]["vo_round_trip.p50"] > 0, g
PY

# the capture at guest 1's vnet killed: restarted, the gap shown
pid=$(ip netns exec vtb-host pgrep -f '^tcpdump -i vnet0 ' | head -1)
[ -n "$pid" ] || fail "no tcpdump on vnet0 in the host"
kill "$pid"
wait_for 20 grep -q "the vnet capture (vnet0 on root@10.99.0.2:22) restarted" "$T/watch.err" ||
	fail "the vnet capture was not restarted: $(cat "$T/watch.err")"
n=$(windows)
wait_for 20 have_windows $((n + 2)) || fail "no windows after the restart"
sleep 2
sel="guest=\"$G1\",point=\"vnet\""
gap=$(prom_value "min_over_time(vocalc_capture_up{$sel}[2m])" | awk '{print $2}')
[ "$gap" = 0 ] || fail "vocalc_capture_up of guest 1's vnet never 0 (min $gap)"
now=$(prom_value "vocalc_capture_up{$sel}" | awk '{print $2}')
[ "$now" = 1 ] || fail "vocalc_capture_up of guest 1's vnet not back to 1 ($now)"
rs=$(prom_value "vocalc_capture_restarts_total{$sel}" | awk '{print $2}')
[ "$rs" = 1 ] || fail "restarts counted: $rs"
down=$(prom_value "vocalc_capture_down_seconds_total{$sel}" | awk '{print $2}')
python3 -c "import sys; assert 1.5 <= float(sys.argv[1]) <= 10, sys.argv[1]" "$down" || fail "down seconds: $down"
echo "restart: capture_up went to 0, down $down s, restarted once"
grep -q "alarm" "$T/watch.err" && fail "an alarm before any delay was raised: $(grep alarm "$T/watch.err")"

# guest 2's delay raised: its alarm, and only its
$TB delay guest2 5500 500 || fail "testbed delay"
wait_for 30 grep -q "^vocalc: alarm: " "$T/watch.err" || fail "no alarm in 30 s: $(tail -5 "$T/watch.err")"
n=$(windows)
wait_for 20 have_windows $((n + 2)) || fail "no windows after the alarm"
sleep 2
grep "^vocalc: alarm: " "$T/watch.err" >"$T/alarms"
[ "$(wc -l <"$T/alarms")" = 1 ] || fail "not one alarm line: $(cat "$T/alarms")"
grep -q "^vocalc: alarm: $G2: vo_round_trip.p50 = .*captures kept in $T/run/alarms/" "$T/alarms" ||
	fail "the alarm line: $(cat "$T/alarms")"
env=$(ls "$T"/alarm.*.env 2>/dev/null)
[ "$(echo "$env" | wc -w)" = 1 ] || fail "--on-alarm ran $(echo "$env" | wc -w) times"
grep -qx "VOCALC_ALARM_GUEST=$G2" "$env" || fail "VOCALC_ALARM_GUEST: $(cat "$env")"
grep -qx "VOCALC_ALARM_WHAT=vo_round_trip.p50" "$env" || fail "VOCALC_ALARM_WHAT: $(cat "$env")"
v=$(sed -n 's/^VOCALC_ALARM_VALUE=//p' "$env")
python3 -c "import sys; assert 5e-3 < float(sys.argv[1]) < 7e-3" "$v" || fail "VOCALC_ALARM_VALUE $v (injected 6000 us)"
dir=$(sed -n 's/^VOCALC_ALARM_DIR=//p' "$env")
[ -f "$dir/manifest.json" ] || fail "no frozen run in '$dir'"
expect_exit 0 "$VOCALC" analyze --json "$dir"
json_get "$T/out" "len(r['guests'])" | grep -qx 2 || fail "the frozen run's report: $(head -c 400 "$T/out")"
a2=$(prom_value "vocalc_alarms_total{guest=\"$G2\"}" | awk '{print $2}')
[ "$a2" = 1 ] || fail "vocalc_alarms_total of guest 2: $a2"
[ -z "$(prom_value "vocalc_alarms_total{guest=\"$G1\"}")" ] || fail "guest 1 has an alarm count"
f2=$(prom_value "vocalc_alarm_firing{guest=\"$G2\"}" | awk '{print $2}')
[ "$f2" = 1 ] || fail "vocalc_alarm_firing of guest 2: $f2"
echo "alarm: $(cat "$T/alarms")"

# the ring is bounded by --keep (1 minute of 3 s windows, and the one being written)
nring=$(ls "$T/run/ring" | wc -l)
[ "$nring" -le 23 ] || fail "$nring windows kept (--keep 1 = 20)"
# SIGTERM: stops, nothing left anywhere
stop_watch $WPID "$T/watch.err"
WPID=
