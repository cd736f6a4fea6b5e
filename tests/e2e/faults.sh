# Faults on the one-shot path, on the namespace testbed: the remote tcpdump
# writes garbage, a truncated stream, or exits early (a fake tcpdump first on
# the host sessions' PATH: VOCALC_TESTBED_HOST_BIN); a host that stalls
# (its SSH server stopped with SIGSTOP); the local disk filling (a small
# tmpfs as --out); SIGTERM and SIGHUP; a second vocalc on the same run
# directory.  In every case: the contract's exit status, a message naming the
# host or file, nothing captured lost, nothing left running on either side.
source tests/e2e/lib.sh
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
FAKE="$T/fakebin"
mkdir -p "$FAKE"
SAMPLE="$PWD/captures/vm-bulk/nic.pcap"
# the fake: what it does is read from $FAKE/mode at each start
cat >"$FAKE/tcpdump" <<SH
#!/bin/sh
mode=\$(cat "$FAKE/mode")
case \$mode in
real) exec /usr/bin/tcpdump "\$@" ;;
garbage) echo "listening on fake, link-type EN10MB (Ethernet)" >&2; head -c 100000 /dev/urandom; exec sleep 60 ;;
truncated) echo "listening on fake, link-type EN10MB (Ethernet)" >&2; head -c 3000 "$SAMPLE"; exit 1 ;;
early) echo "listening on fake, link-type EN10MB (Ethernet)" >&2; sleep 1; echo "tcpdump: fake: device went away" >&2; exit 1 ;;
esac
SH
chmod 755 "$FAKE/tcpdump"
echo real >"$FAKE/mode"
VOCALC_TESTBED_HOST_BIN="$FAKE" $TB up >/dev/null || fail "testbed up"
eval "$($TB env)"
oneshot() { # DIR EXTRA...: a one-shot from the client namespace
	local d=$1; shift
	ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" \
		--no-progress -o "$d" "$@" "$VOCALC_HOST" "$VOCALC_GUEST"
}
left_on() { # NS: what of ours still runs there
	ip netns pids "$1" 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | grep -E "tcpdump|timeout|ping|sleep|iperf3"
}
nothing_left() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(left_on vtb-host)$(left_on vtb-guest)" ] && return 0
		sleep 0.5
	done
	echo "left running: host: $(left_on vtb-host | tr '\n' ' ') guest: $(left_on vtb-guest | tr '\n' ' ')"
	return 1
}

# 1. the remote capture misbehaves: exit 3, the host point named, the
# guest's capture kept and analyzable, nothing left running
for mode in garbage truncated early; do
	echo $mode >"$FAKE/mode"
	expect_exit 3 oneshot "$T/$mode" -d 3 --json
	grep -Eq "root@10.99.0.2:22: the (nic|bridge|vnet) capture \((nic0|br0|vnet0)\)" "$T/err" ||
		fail "$mode: $(cat "$T/err")"
	case $mode in
	garbage) grep -q "is no capture: .*not a pcap or pcapng" "$T/err" || fail "garbage: $(cat "$T/err")" ;;
	*) grep -q "ended early: tcpdump exited" "$T/err" || fail "$mode: $(cat "$T/err")" ;;
	esac
	[ -s "$T/$mode/guest.pcap" ] && [ -s "$T/$mode/manifest.json" ] || fail "$mode: the run not kept"
	# the point named is incomplete in the manifest (the others may have been
	# stopped cleanly when the run stopped), the guest's complete
	named=$(grep -Eo "the (nic|bridge|vnet) capture" "$T/err" | head -n 1 | cut -d' ' -f2)
	json_get "$T/$mode/manifest.json" "{p['name']: p['complete'] for p in r['points']}['$named'], r['points'][3]['complete']" |
		grep -qx "False True" || fail "$mode: manifest ($named): $(json_get "$T/$mode/manifest.json" "r['points']")"
	nothing_left || fail "$mode: something left running"
	echo "$mode: exit 3, $(tail -n 1 "$T/err")"
done
echo real >"$FAKE/mode"

# 2. the host stalls (its SSH server stopped): seen within 5 s of silence,
# exit 3 naming it; the guest side stopped cleanly; once resumed, the host's
# captures end by themselves
ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" --no-progress \
	-o "$T/stall" -d 60 --json "$VOCALC_HOST" "$VOCALC_GUEST" >"$T/stall.json" 2>"$T/stall.err" &
vpid=$!
sleep 4
listener=$(cat /run/vocalc-testbed/sshd-host.pid)
stopped=()
for p in $(ip netns pids vtb-host); do
	[ "$(ps -o comm= -p "$p")" = sshd ] && [ "$p" != "$listener" ] && { kill -STOP "$p"; stopped+=("$p"); }
done
[ ${#stopped[@]} -gt 0 ] || fail "no host session to stop"
t0=$(date +%s)
wait $vpid
rc=$?
took=$(($(date +%s) - t0))
for p in "${stopped[@]}"; do kill -CONT "$p"; done
[ $rc = 3 ] || fail "stall: exit $rc: $(cat "$T/stall.err")"
grep -q "root@10.99.0.2:22: nothing heard for 5 s: it stalled" "$T/stall.err" || fail "stall: $(cat "$T/stall.err")"
[ $took -le 12 ] || fail "stall: took $took s to notice"
[ -s "$T/stall/guest.pcap" ] && [ -s "$T/stall/nic.pcap" ] || fail "stall: captures not kept"
nothing_left || fail "stall: something left running after the host resumed"
echo "stall: exit 3 within $took s of the stop; what arrived kept; nothing left once resumed"

# 3. the local disk fills: exit 3 with the reason, what was written kept,
# the manifest (written at the start) saying the captures are incomplete
mkdir -p "$T/small"
mount -t tmpfs -o size=400k tmpfs "$T/small" || fail "mount a small tmpfs"
trap 'umount "$T/small" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; $TB down >/dev/null 2>&1' EXIT
expect_exit 3 oneshot "$T/small/run" -d 20 --workload-guest "ping -q -f -c 20000 -s 1000 $VOCALC_CLIENT_IP"
grep -q "writing the .* capture failed: No space left on device (what was written before is kept)" "$T/err" ||
	fail "disk full: $(cat "$T/err")"
json_get "$T/small/run/manifest.json" "[p['complete'] for p in r['points']]" | grep -qx "\[False, False, False, False\]" ||
	fail "disk full: the manifest: $(cat "$T/small/run/manifest.json")"
for p in nic bridge vnet guest; do [ -s "$T/small/run/$p.pcap" ] || fail "disk full: $p.pcap lost"; done
nothing_left || fail "disk full: something left running"
echo "disk full: exit 3, $(grep -o "[^ ]*: writing the .* capture failed: No space left on device" "$T/err" | head -n 1)"
umount "$T/small"

# 4. SIGTERM and SIGHUP behave as Ctrl-C: exit 0, the report, nothing left
for sig in TERM HUP; do
	ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" --no-progress \
		-o "$T/sig$sig" -d 60 --json "$VOCALC_HOST" "$VOCALC_GUEST" >"$T/sig.json" 2>"$T/sig.err" &
	vpid=$!
	sleep 4
	kill -$sig $vpid
	wait $vpid
	rc=$?
	[ $rc = 0 ] || fail "SIG$sig: exit $rc: $(cat "$T/sig.err")"
	grep -q "interrupted" "$T/sig.err" && json_get "$T/sig.json" "any(h['matched'] for h in r['hops'])" | grep -qx True ||
		fail "SIG$sig: no report"
	nothing_left || fail "SIG$sig: something left running"
	echo "SIG$sig: exit 0, report written, nothing left"
done

# 5. a second vocalc on the same run directory never writes over the first
ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" --no-progress \
	-o "$T/same" -d 4 --json --workload-guest "ping -q -c 150 -i 0.02 $VOCALC_CLIENT_IP" \
	"$VOCALC_HOST" "$VOCALC_GUEST" >"$T/first.json" 2>"$T/first.err" &
vpid=$!
sleep 2
expect_exit 2 oneshot "$T/same" -d 2
grep -q "$T/same: exists (a run is never written over" "$T/err" || fail "second run: $(cat "$T/err")"
wait $vpid || fail "the first run failed: $(cat "$T/first.err")"
"$VOCALC" analyze --json "$T/same" >"$T/again.json" || fail "the first run's captures"
python3 -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a['hops'] == b['hops']" "$T/first.json" "$T/again.json" || fail "the first run's captures changed"
nothing_left || fail "same dir: something left running"
echo "a second run on the same directory: refused, the first intact"
$TB down >/dev/null
