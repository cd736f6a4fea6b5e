# vocalc watch - GUEST run on the host itself (issue 18): the host points
# captured here with libpcap (localcap's stream, cut into windows like a
# remote tcpdump's), the guest over SSH.  Ground truth is the backend's
# injected delay (1000 us toward the guest, 500 back): every window's
# clock-free VO round trip is 1500 us plus the path's own (under 800 us on
# two loaded cores: 280 to 600 us measured);
# the textfile holds the metrics; --windows stops it with nothing left
# running; a guest nobody logs into (--guest-ip) gets its host hops and its
# side's round trip at vnet (the host's pings: 1500 us plus the path's own),
# no VO; SIGHUP reopens --log; a --textfile directory
# that cannot be written, a bad --alarm and a watch with no output are
# refused before anything runs.
source tests/e2e/lib.sh
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
$TB up --to-guest-delay 1000 --from-guest-delay 500 >/dev/null || fail "testbed up"
eval "$($TB env)"
$TB exec client ping -q -i 0.02 10.99.0.3 >/dev/null 2>&1 &
WL=$!
trap 'kill $WL 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; $TB down >/dev/null 2>&1' EXIT
mkdir -p "$T/tf"
expect_exit 0 ip netns exec vtb-host "$VC" watch -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" \
	--interval 3 --windows 4 --json --textfile "$T/tf" --listen 127.0.0.1:0 -o "$T/run" - "$VOCALC_GUEST"
cp "$T/out" "$T/lines"
grep -q "capturing at 4 points" "$T/err" || fail "not 4 points: $(cat "$T/err")"
python3 - "$T/lines" <<'PY' || fail "the windows: $(head -c 600 "$T/lines")"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
assert len(L) == 4, len(L)
for l in L[1:]:
    assert [p["point"] for p in l["points"]] == ["nic", "bridge", "vnet", "guest"], l["points"]
    assert all(p["up"] and p["complete"] for p in l["points"]), l["points"]
    assert all(p["drops"] is not None and p["drops"] >= 0 for p in l["points"][:3]), l["points"]
    f = l["guests"][0]["figures"]
    rt = f["vo_round_trip.p50"]
    print(f"window {l['window']}: VO round trip {rt * 1e6:.1f} us, {f['vo.to_guest.packets']:.0f} packets to the guest")
    assert 1500e-6 <= rt <= 2300e-6, rt
    assert f["vo.to_guest.packets"] > 100 and f["vo.to_guest.loss"] < 0.01, f
PY
# the textfile: the metrics, complete (its last line a sample), no temporary file left
[ -s "$T/tf/vocalc.prom" ] || fail "no textfile"
[ "$(ls -A "$T/tf")" = vocalc.prom ] || fail "left in the textfile directory: $(ls -A "$T/tf")"
grep -q '^vocalc_latency_seconds_bucket{host="[^"]*",guest="root@10.99.0.3",hop="vo",direction="to_guest",protocol="icmp",le="+Inf"} [0-9]' "$T/tf/vocalc.prom" ||
	fail "no VO histogram in the textfile"
grep -q '^vocalc_windows_total{host="[^"]*"} 4$' "$T/tf/vocalc.prom" || fail "vocalc_windows_total: $(grep windows_total "$T/tf/vocalc.prom")"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/tf/vocalc.prom" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
fi
left=$(ip netns pids vtb-host | xargs -r ps -o comm= -p | grep -E "tcpdump|ping" || true)
[ -z "$left" ] || fail "left running on the host: $left"
# a guest nobody logs into (--guest-ip): its host hops, no VO (its clock is
# unknown), and its side as a round trip at vnet (the host's pings: the
# injected 1500 us plus the path's own); --log reopened on SIGHUP
ip netns exec vtb-host "$VC" watch --interval 3 --windows 4 --json --probe-rate 50 -o "$T/run2" \
	--log "$T/watch.log" - --guest-ip 10.99.0.3 >"$T/lines2" 2>"$T/err2" &
pid=$!
for _ in $(seq 1 60); do [ "$(wc -l <"$T/lines2")" -ge 2 ] && break; sleep 0.25; done
mv "$T/watch.log" "$T/watch.log.1"
kill -HUP $pid
for _ in $(seq 1 80); do kill -0 $pid 2>/dev/null || break; sleep 0.25; done
wait $pid || fail "--guest-ip watch: exit $?: $(cat "$T/watch.log"* "$T/err2")"
grep -q "capturing at 3 points" "$T/watch.log.1" || fail "the first log: $(cat "$T/watch.log.1")"
grep -q "SIGHUP: the log reopened" "$T/watch.log" || fail "no log reopened: $(cat "$T/watch.log" 2>&1)"
grep -q "stopping" "$T/watch.log" || fail "the reopened log lacks the stop"
python3 - "$T/lines2" <<'PY' || fail "the --guest-ip windows: $(tail -1 "$T/lines2" | head -c 800)"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
assert len(L) == 4, len(L)
for l in L[1:]:
    g = l["guests"][0]
    assert g["name"] == "10.99.0.3", g["name"]
    f = g["figures"]
    assert f["bridge_vnet.to_guest.packets"] > 50, f
    assert not any(k.startswith(("vo.", "vo_round_trip", "clock.")) for k in f), sorted(f)
    rt = f["guest_side.icmp.p50"]
    print(f"window {l['window']}: guest side round trip (the host's pings, at vnet) {rt * 1e6:.1f} us")
    assert 1500e-6 <= rt <= 2300e-6, rt
print("--guest-ip: host hops and the guest side's round trip, no VO")
PY
# refused before anything runs
expect_exit 2 "$VC" watch - root@10.99.0.3
grep -qF "nothing would come out: give --listen, --textfile, --json or --alarm" "$T/err" || fail "no output: $(cat "$T/err")"
expect_exit 2 "$VC" watch --json --alarm 'x:vo.sideways.p50>1ms' - root@10.99.0.3
grep -qF "vo.sideways.p50" "$T/err" || fail "bad alarm: $(cat "$T/err")"
expect_exit 2 "$VC" watch --json --interval 0.2 - root@10.99.0.3
grep -qF -- "--interval: 1 to 3600 s" "$T/err" || fail "interval: $(cat "$T/err")"
expect_exit 2 "$VC" watch --json --keep 10d - root@10.99.0.3
grep -qF -- "--keep: not a duration" "$T/err" || fail "keep: $(cat "$T/err")"
expect_exit 2 "$VC" watch --textfile "$T/no/such/dir" - root@10.99.0.3
grep -qF "$T/no/such/dir" "$T/err" || fail "textfile dir: $(cat "$T/err")"
expect_exit 2 "$VC" watch --json --duration 5 - root@10.99.0.3
grep -qF -- "--duration" "$T/err" || fail "duration: $(cat "$T/err")"
