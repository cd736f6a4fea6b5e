# vocalc HOST GUEST on the namespace testbed, from the client namespace, the
# way an operator runs it: discovery, capture at four points over SSH,
# clock, report; the saved run re-analyzed; the SSH sessions absent from
# every capture; host keys checked; Ctrl-C and a guest whose sshd dies
# (or the host's) mid-capture leave no tcpdump behind.
source tests/e2e/lib.sh
command -v tshark >/dev/null || skip "needs tshark (make deps)"
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
WL="ping -q -c 70 -i 0.047 10.99.0.1"
oneshot() { # RUN_DIR EXTRA...: a run from the client namespace, JSON report to $T/out
	local d=$1; shift
	ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 4 \
		--no-progress -o "$d" --workload-guest "$WL" "$@" "$VOCALC_HOST" "$VOCALC_GUEST"
}
vo() { json_get "$1" "r['vo']['$2']['delay_us']['p50']"; }
for run in base delay; do
	# The baseline carries 1 ms each way, the other run 2 ms and 0.5 ms more:
	# with zero delay a ping's reply comes back within ~100 us, and on this
	# 2-core machine the request/reply processing overlapping the captures
	# raised the zero-delay medians by 30-60 us (from_guest) in some runs;
	# 1 ms apart, both runs go through the same motions.  (The zero-injection
	# baseline itself is tests/e2e/testbed.sh's comparison.)
	if [ $run = base ]; then $TB up --to-guest-delay 1000 --from-guest-delay 1000 >/dev/null || fail "testbed up"
	else $TB up --to-guest-delay 3000 --from-guest-delay 1500 >/dev/null || fail "testbed up (delay)"; fi
	eval "$($TB env)"
	expect_exit 0 oneshot "$T/$run" --json
	cp "$T/out" "$T/$run.json"
	grep -q "points: nic nic0, bridge br0, vnet vnet0 on root@10.99.0.2:22; guest eth0 (52:54:00:99:00:03" "$T/err" ||
		fail "discovery: $(cat "$T/err")"
	json_get "$T/$run/manifest.json" "' '.join(p['name'] + '=' + p['interface'] for p in r['points'])" |
		grep -qx "nic=nic0 bridge=br0 vnet=vnet0 guest=eth0" || fail "manifest: $(cat "$T/$run/manifest.json")"
	# the saved run gives the same numbers
	expect_exit 0 "$VOCALC" analyze --json "$T/$run"
	python3 - "$T/$run.json" "$T/out" <<'PY' || fail "vocalc analyze on the saved run differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("clock", "hops", "vo", "rtt", "ack"):
    assert a[k] == b[k], k
PY
	# the control connections are in no capture
	for p in nic bridge vnet guest; do
		n=$(tshark -r "$T/$run/$p.pcap" -Y "tcp.port == 22" 2>/dev/null | wc -l)
		[ "$n" = 0 ] || fail "$n SSH packets in the $p capture"
	done
	# with the true clock (one kernel), per direction
	expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 0 "$T/$run"
	cp "$T/out" "$T/$run.true.json"
	# the backend's own log of what each frame got (written out when it stops)
	$TB down >/dev/null
	cp /run/vocalc-testbed/backend.log "$T/$run.backend.log" || fail "no backend log"
done
$TB up >/dev/null || fail "testbed up (after the delay runs)"
eval "$($TB env)"
python3 - "$T" <<'PY' || fail "VO latency does not match the injected delay"
import json, statistics, sys
t = sys.argv[1]
def vo(name, d, q="p50"):
    return json.load(open(f"{t}/{name}.json"))["vo"][d]["delay_us"][q]
# What the backend really held each frame (release - receive, us, per
# direction): the testbed's own truth, so a testbed that did not apply the
# delay asked for is told apart from a measurement fault.
def holds(run, d):
    return [(int(f[2]) - int(f[1])) / 1e3 for f in
            (l.split() for l in open(f"{t}/{run}.backend.log")) if f[0] == d]
asked = {("base", "to_guest"): 1050, ("base", "from_guest"): 1050,
         ("delay", "to_guest"): 3050, ("delay", "from_guest"): 1550}  # + the 50 us pipeline
for (run, d), want in asked.items():
    h = statistics.median(holds(run, d))
    print(f"backend held {run} {d}: median {h:.1f} us, least {min(holds(run, d)):.1f} (asked {want})")
    assert want <= h < want + 100, f"the testbed did not apply the delay asked for: {run} {d} {h}"
# The oracle is the least delay: the fastest frame of each direction is held
# the least the backend holds plus the kernel's least path, which the load of
# a busy machine does not move (a median of 70 pings carries the queueing
# behind the capture's own work: 30-50 us from run to run under CI's load).
inj = {d: min(holds("delay", d)) - min(holds("base", d)) for d in ("to_guest", "from_guest")}
# the clock estimated: an asymmetric constant delay looks like an offset,
# the sum of both directions does not
s = sum(vo("delay", d, "min") - vo("base", d, "min") for d in inj)
m = sum(vo("delay", d) - vo("base", d) for d in inj)
print(f"estimated clock: least to+from grew by {s:.1f} us, medians by {m:.1f} "
      f"(injected 2500; the backend's least holds {sum(inj.values()):.1f} more)")
assert abs(s - sum(inj.values())) <= 50, s
# Medians are no oracle for the difference: the path's tail here reaches
# 1.8 ms beyond the backend's hold under load, and one CI run's medians grew
# by 1032 us with the least delays exact.  What always holds: every frame of
# the delay run was held the injection more (the backend log), so its
# medians' sum is at least the base run's least sum plus the injection.
least_base = sum(vo("base", d, "min") for d in inj)
assert sum(vo("delay", d) for d in inj) >= least_base + 2500 - 50, (m, least_base)
c = json.load(open(f"{t}/delay.json"))["clock"]
assert abs(c["offset_us"] - 0) <= c["error_bound_us"], c
to = vo("delay.true", "to_guest", "min") - vo("base.true", "to_guest", "min")
fr = vo("delay.true", "from_guest", "min") - vo("base.true", "from_guest", "min")
print(f"true clock: least to_guest +{to:.1f} us (injected 2000, held {inj['to_guest']:.1f} more), "
      f"from_guest +{fr:.1f} us (injected 500, held {inj['from_guest']:.1f} more)")
assert abs(to - inj["to_guest"]) <= 25 and abs(fr - inj["from_guest"]) <= 25
assert vo("delay.true", "to_guest") >= vo("base.true", "to_guest", "min") + 2000 - 25
assert vo("delay.true", "from_guest") >= vo("base.true", "from_guest", "min") + 500 - 25
PY
no_tcpdump() {
	local ns
	for ns in vtb-host vtb-guest; do
		ip netns pids $ns 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | grep -qE "tcpdump|timeout|ping" && return 1
	done
	return 0
}
no_tcpdump || fail "a capture survived a normal run"
# host keys: unknown refused (fingerprint shown), --accept-new adds it (its
# lines appended, the user's own lines kept as they were: a comment, another
# host's key, a marker libssh2 does not read), a wrong one always refused
printf '%s\n' "# the user's own comment" "@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeep" \
	"other.example $(cut -d' ' -f1,2 "$VOCALC_SSH_KEY.pub" 2>/dev/null || echo ssh-ed25519 AAAA)" >"$T/kh"
cp "$T/kh" "$T/kh.mine"
expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$T/kh" -d 1 -o "$T/k1" \
	"$VOCALC_HOST" "$VOCALC_GUEST"
grep -q "unknown host key (ssh-ed25519 SHA256:" "$T/err" && grep -q "10.99.0.2" "$T/err" || fail "unknown key: $(cat "$T/err")"
[ -e "$T/k1" ] && fail "a refused run left a directory"
expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$T/kh" --accept-new -d 1 \
	--no-progress -o "$T/k2" "$VOCALC_HOST" "$VOCALC_GUEST"
grep -q "points: nic nic0, bridge br0, vnet vnet0 on root@10.99.0.2:22; guest eth0 (52:54:00:99:00:03" "$T/err" ||
	fail "discovery without flags: $(cat "$T/err")"
[ "$(wc -l <"$T/kh")" = 5 ] || fail "--accept-new did not add both keys: $(cat "$T/kh")"
head -n 3 "$T/kh" | cmp -s - "$T/kh.mine" || fail "--accept-new changed the user's lines: $(cat "$T/kh")"
ssh-keygen -q -t ed25519 -N '' -f "$T/other"
echo "10.99.0.3 $(cut -d' ' -f1,2 "$T/other.pub")" >"$T/kh-wrong"
grep 10.99.0.2 "$VOCALC_KNOWN_HOSTS" >>"$T/kh-wrong"
for extra in "" --accept-new; do
	expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$T/kh-wrong" $extra \
		-d 1 -o "$T/k3$extra" "$VOCALC_HOST" "$VOCALC_GUEST"
	grep -q "HOST KEY MISMATCH" "$T/err" || fail "wrong key $extra: $(cat "$T/err")"
done
# an unreachable host fails within the connect timeout, named
start=$(date +%s)
expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --connect-timeout 2 -d 1 root@10.99.0.77 "$VOCALC_GUEST"
[ $(($(date +%s) - start)) -le 5 ] && grep -q "10.99.0.77" "$T/err" || fail "unreachable: $(cat "$T/err")"
# ~/.ssh/config style names (HostName, User, IdentityFile), and a user filter
cat >"$T/ssh_config" <<CFG
Host tb-host
    HostName 10.99.0.2
    User root
    IdentityFile $VOCALC_SSH_KEY
Host tb-vm
    HostName 10.99.0.3
    User root
    IdentityFile $VOCALC_SSH_KEY
Host tb-*
    User nobody
CFG
expect_exit 0 ip netns exec vtb-client "$VC" --ssh-config "$T/ssh_config" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	--no-progress -o "$T/cfg" -f icmp tb-host tb-vm
grep -q "on root@tb-host:22; guest eth0 (52:54:00:99:00:03, 10.99.0.3" "$T/err" || fail "ssh config: $(cat "$T/err")"
for p in nic bridge vnet guest; do
	n=$(tshark -r "$T/cfg/$p.pcap" -Y "not icmp" 2>/dev/null | wc -l)
	[ "$n" = 0 ] || fail "-f icmp: $n other packets in the $p capture"
done
json_get "$T/cfg/manifest.json" "r['filter']" | grep -qx icmp || fail "the manifest lacks the filter"
# as in OpenSSH, the first value found wins: a wildcard block first sets User
printf 'Host tb-*\n    User nobody\n' | cat - "$T/ssh_config" >"$T/ssh_config2"
expect_exit 3 ip netns exec vtb-client "$VC" --ssh-config "$T/ssh_config2" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 1 \
	-o "$T/cfg2" tb-host tb-vm
grep -q "nobody@tb-host:22: public-key authentication as nobody failed" "$T/err" || fail "config order: $(cat "$T/err")"
# --spool: each capture goes to /dev/shm on its machine, fetched and removed after
expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	--no-progress -o "$T/spool" --json --spool "$VOCALC_HOST" "$VOCALC_GUEST"
json_get "$T/out" "[h['matched'] for h in r['hops'] if h['from'] == 'vnet' and h['to'] == 'guest' and h['protocol'] == 'icmp'][0] >= 100" |
	grep -qx True || fail "--spool: the probes not matched vnet -> guest"
ls /dev/shm/vocalc-* >/dev/null 2>&1 && fail "--spool left files in /dev/shm: $(ls /dev/shm)"
# HOST as this machine: vocalc run on the host (its namespace) captures the
# host points with libpcap itself and only the guest over SSH
expect_exit 0 ip netns exec vtb-host "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 3 \
	--no-progress -o "$T/local" --json --workload-host "ping -q -c 100 -i 0.02 10.99.0.3" - "$VOCALC_GUEST"
grep -q "points: nic nic0, bridge br0, vnet vnet0 on localhost; guest eth0" "$T/err" || fail "local: $(cat "$T/err")"
json_get "$T/local/manifest.json" "r['points'][2]['host'], r['points'][3]['host']" | grep -qx "localhost root@10.99.0.3:22" ||
	fail "local manifest"
json_get "$T/out" "[h['matched'] for h in r['hops'] if h['from'] == 'vnet' and h['to'] == 'guest' and h['protocol'] == 'icmp'][0] >= 100" |
	grep -qx True || fail "local: the host's pings not matched vnet -> guest"
for p in nic bridge vnet guest; do
	n=$(tshark -r "$T/local/$p.pcap" -Y "tcp.port == 22" 2>/dev/null | wc -l)
	[ "$n" = 0 ] || fail "local: $n SSH packets in the $p capture"
done
no_tcpdump || fail "local: something left running"
# Ctrl-C during the capture: stops, analyzes what arrived, nothing left running
ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 60 --no-progress \
	-o "$T/int" --json "$VOCALC_HOST" "$VOCALC_GUEST" >"$T/int.json" 2>"$T/int.err" &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
[ $rc = 0 ] || fail "SIGINT: exit $rc: $(cat "$T/int.err")"
grep -q "interrupted" "$T/int.err" || fail "SIGINT not reported"
json_get "$T/int.json" "r['hops'][0]['from']" >/dev/null || fail "no report after SIGINT"
sleep 1
no_tcpdump || fail "a capture survived SIGINT"
# lose NS NAME PATTERN: a run whose SSH server in NS is killed 4 s in: exit
# 3, the lost point named (PATTERN on stderr), the partial report written,
# no capture or probe left on either side
lose() {
	local ns=$1 name=$2 pattern=$3 pid rc p
	ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 60 \
		--no-progress -o "$T/$name" --json "$VOCALC_HOST" "$VOCALC_GUEST" >"$T/$name.json" 2>"$T/$name.err" &
	pid=$!
	sleep 4
	for p in $(ip netns pids "$ns"); do
		[ "$(ps -o comm= -p "$p")" = sshd ] && kill -9 "$p"
	done
	wait $pid
	rc=$?
	[ $rc = 3 ] || fail "$name: exit $rc: $(cat "$T/$name.err")"
	grep -q "$pattern" "$T/$name.err" || fail "$name: $(cat "$T/$name.err")"
	json_get "$T/$name.json" "r['points'][0]['name']" >/dev/null || fail "$name: no partial report"
	for _ in 1 2 3 4 5; do no_tcpdump && break; sleep 1; done
	no_tcpdump || fail "$name: a capture survived: $(ip netns pids "$ns" | xargs -r ps -o pid,comm,args -p)"
}
lose vtb-guest lostguest "root@10.99.0.3:22: the guest capture (eth0) ended early"
# the same on the host's side: its three captures and the probes end there
$TB up >/dev/null || fail "testbed up (again)"
eval "$($TB env)"
lose vtb-host losthost "root@10.99.0.2:22: the .* capture (.*) ended early: connection lost"
$TB down >/dev/null
echo "one-shot: discovery, capture, clock, report; host keys; SIGINT; lost guest and host: all clean"
