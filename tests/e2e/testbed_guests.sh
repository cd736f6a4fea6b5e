# tools/testbed up --guests 2: two guests on one bridge, each behind its own
# backend with its own delays (1 ms and 3 ms toward it, 0.5 ms back): each
# answers ping from the client with a least RTT of at least its injected sum
# and not far above, the two differ by what was injected, both sshds let the
# client in with the testbed's key and known_hosts, env lists both, and down
# leaves no namespace, interface or process.  Bad --guests lists and several
# QEMU guests are refused before anything is built.
source tests/e2e/lib.sh
# The testbed's own processes by their executables (pgrep -f vobackend would
# also match a compiler or an editor on tools/vobackend.c: see testbed_cli.sh)
nothing_left() {
	! ip netns list | grep -q '^vtb-' && [ -z "$(pgrep -x vobackend)" ] &&
		! pgrep -f 'sshd.*-f /run/vocalc-testbed/sshd-' >/dev/null && ! ip link show nic0 >/dev/null 2>&1
}
refused() { # WHAT ARGS...: up ARGS fails, saying WHAT, and builds nothing
	local what=$1; shift
	$TB up "$@" >/dev/null 2>"$T/err" && fail "up $* was accepted"
	grep -qF -- "$what" "$T/err" || fail "up $*: no word of '$what': $(cat "$T/err")"
	nothing_left || fail "up $* left something behind"
}
refused "1 to 32" --guests 0
refused "1 to 32" --guests 33
refused "has 3 values for 2 guest(s)" --guests 2 --to-guest-delay 1000,2000,3000
refused "has 2 values for 1 guest(s)" --to-guest-delay 1000,2000
refused "an empty value" --guests 2 --from-guest-delay 500,
refused "delays are microseconds" --guests 2 --to-guest-delay 1000,fast
refused "runs one guest" --guests 2 --guest qemu

$TB up --guests 2 --to-guest-delay 1000,3000 --from-guest-delay 500,500 >"$T/up" || fail "up --guests 2"
cat "$T/up"
eval "$($TB env)"
[ "$VOCALC_GUESTS" = "root@10.99.0.3 root@10.99.0.4" ] || fail "VOCALC_GUESTS is '$VOCALC_GUESTS'"
[ "$VOCALC_GUEST" = root@10.99.0.3 ] && [ "$VOCALC_GUEST_NS" = vtb-guest ] || fail "the first guest's env changed"
[ "$VOCALC_GUEST_NAMESPACES" = "vtb-guest vtb-guest2" ] || fail "VOCALC_GUEST_NAMESPACES is '$VOCALC_GUEST_NAMESPACES'"
$TB status >"$T/status" || fail "status: $(cat "$T/status")"
for w in "vtb-guest2: eth0(UP)" "vnet1(UP)" "backend2: running" "sshd-guest2: running" "guests=2"; do
	grep -qF "$w" "$T/status" || fail "status has no '$w': $(cat "$T/status")"
done
[ "$(pgrep -x vobackend | wc -l)" = 2 ] || fail "backends: $(pgrep -a -x vobackend)"
# each guest in its own namespace, with its own address and tap on the host
[ "$($TB exec guest2 ip -br -4 addr show eth0 | awk '{print $3}')" = 10.99.0.4/24 ] || fail "guest2's address"
$TB exec host ip link show vnet1 | grep -q "master br0" || fail "vnet1 is not on br0"

# the least RTT of 100 pings at 10 ms, in us, from the client to each guest
declare -A MIN
for g in 10.99.0.3:1500 10.99.0.4:3500; do
	ip=${g%:*}
	$TB exec client ping -q -c 100 -i 0.01 -W 2 "$ip" >"$T/ping.$ip" || fail "ping $ip: $(cat "$T/ping.$ip")"
	MIN[$ip]=$(awk -F'[/ ]' '/^rtt/ {printf "%.0f", $7 * 1000}' "$T/ping.$ip")
	echo "$ip: least RTT ${MIN[$ip]} us, injected ${g#*:} us ($(tail -1 "$T/ping.$ip"))"
	[ "${MIN[$ip]}" -ge "${g#*:}" ] || fail "$ip answered faster (${MIN[$ip]} us) than its injected ${g#*:} us"
	[ "${MIN[$ip]}" -le $((${g#*:} + 2000)) ] || fail "$ip: least RTT ${MIN[$ip]} us, over 2 ms above ${g#*:}"
done
# both go through the same bridge and the same kind of backend: the minima
# differ by the 2 ms injected (to 300 us of the machine's noise)
diff=$((MIN[10.99.0.4] - MIN[10.99.0.3]))
echo "guest 2 - guest 1: $diff us (injected 2000)"
[ $diff -ge 1700 ] && [ $diff -le 2300 ] || fail "the guests differ by $diff us, injected 2000"

# every sshd answers the client, host keys checked against known_hosts
for h in "$VOCALC_HOST" $VOCALC_GUESTS; do
	$TB exec client ssh -i "$VOCALC_SSH_KEY" -o UserKnownHostsFile="$VOCALC_KNOWN_HOSTS" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 "$h" true || fail "ssh $h"
done
$TB down >/dev/null || fail "down"
nothing_left || fail "down left: $(ip netns list | grep '^vtb-') $(pgrep -a -x vobackend) $(pgrep -a -f 'sshd.*-f /run/vocalc-testbed/sshd-')"
# each backend's log (written out on down): every frame held its own guest's delays
python3 - $VOCALC_BACKEND_LOGS <<'PY' || fail "the backend logs"
import sys
for path, want in zip(sys.argv[1:], ({"to_guest": 1000e3, "from_guest": 500e3}, {"to_guest": 3000e3, "from_guest": 500e3})):
    n = {"to_guest": 0, "from_guest": 0}
    for line in open(path):
        f = line.split()
        assert int(f[2]) - int(f[1]) >= want[f[0]], (path, line)
        n[f[0]] += 1
    assert min(n.values()) >= 100, (path, n)
    print(path, n)
PY
$TB down >/dev/null || fail "down twice"
echo "testbed down: no namespace, interface or process left"
