# Host-side guest discovery (src/hostfind.c's script), for real: plain sh
# runs HOSTFIND_SCRIPT in a network namespace holding a real Linux bridge, a
# real tap with QEMU's MAC rule (fe:.. for the guest's 52:..), a veth "nic",
# a veth guest port known only from the bridge FDB, and neighbour entries;
# checks by mac=, by ip= (v4 and v6), the FDB fallback and the not-found case
# word for word.  Then Open vSwitch: a mock ovs-vsctl on PATH (replaying
# port-to-br and list-ports) always, and a real OVS bridge with a tap port
# (userspace datapath: this kernel has no openvswitch module) when
# openvswitch-switch is installed.  Every block is also read back by
# test_hostfind's parser (--parse).
source tests/lib.sh
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
TH=$BUILD/tests/test_hostfind
[ -x "$TH" ] || fail "$TH is not built"
SCRIPT=$("$TH" --print-script) || fail "test_hostfind --print-script"
N="hf-case-$$"
ip netns add "$N" 2>/dev/null || skip "network namespaces not available here"
OVS_STARTED= OB="hfo-$$" OT="hft-$$" ON="hfn-$$"
cleanup() {
	ip netns del "$N" 2>/dev/null
	if [ -n "${OVS_UP:-}" ]; then
		ovs-vsctl --timeout=5 --if-exists del-br "$OB"
		ip link del "$OT" 2>/dev/null; ip link del "$ON" 2>/dev/null
	fi
	[ -z "$OVS_STARTED" ] || /usr/share/openvswitch/scripts/ovs-ctl stop >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
x() { ip -n "$N" "$@" || fail "ip -n $N $*"; }
x link add br0 type bridge
x tuntap add dev vnet0 mode tap
x link set vnet0 address fe:54:00:aa:bb:01
x link add nic0 type veth peer name nic0p
x link add vport type veth peer name vpeer
for l in vnet0 nic0 vport; do x link set "$l" master br0; done
for l in br0 vnet0 nic0 nic0p vport vpeer lo; do x link set "$l" up; done
x addr add 10.9.0.1/24 dev br0
x addr add 2001:db8:9::1/64 dev br0 nodad
x neigh add 10.9.0.5 lladdr 52:54:00:aa:bb:01 dev br0
x neigh add 2001:db8:9::5 lladdr 52:54:00:aa:bb:01 dev br0
x neigh add 10.9.0.6 lladdr 02:00:00:00:00:66 dev br0
bridge -n "$N" fdb add 02:00:00:00:00:66 dev vport master static || fail "bridge fdb add"

hf() { ip netns exec "$N" sh -c "$SCRIPT" vocalc "$@"; }
# same NAME: the script's output (in $T/NAME) must be $T/NAME.want, and parse.
same() {
	diff -u "$T/$1.want" "$T/$1" || fail "$1: the script's output differs (above)"
	"$TH" --parse <"$T/$1" >"$T/$1.parsed" || fail "$1: the parser refused the script's output"
}
hf mac=52:54:00:AA:BB:01 ip=10.9.0.5 ip=2001:db8:9::5 mac=02:00:00:00:00:66 \
	ip=10.9.0.99 mac=52:54:00:00:00:99 >"$T/linux" || fail "script exited $?"
blk() { # KEY MAC TAP NIC ADDRS
	printf 'guest %s\nmac %s\ntap %s\nbridge br0\nbridge_kind linux\nnic %s\naddrs %s\nend\n' "$@"
}
{
	blk mac=52:54:00:AA:BB:01 52:54:00:aa:bb:01 vnet0 nic0 "10.9.0.5 2001:db8:9::5"
	blk ip=10.9.0.5 52:54:00:aa:bb:01 vnet0 nic0 "10.9.0.5 2001:db8:9::5"
	blk ip=2001:db8:9::5 52:54:00:aa:bb:01 vnet0 nic0 "10.9.0.5 2001:db8:9::5"
	blk mac=02:00:00:00:00:66 02:00:00:00:00:66 vport nic0 10.9.0.6
	printf 'guest ip=10.9.0.99\nwhy no neighbour entry for 10.9.0.99 (pinged once)\nend\n'
	printf 'guest mac=52:54:00:00:00:99\nmac 52:54:00:00:00:99\n'
	printf 'why no tap has MAC 52:54:00:00:00:99 and no bridge learned it\nend\n'
	printf 'conn \nuid 0\n'
} >"$T/linux.want"
same linux
# The parser's view: 6 guests, the FDB one on vport, the lost ones with a why.
grep -q '^guests 6$' "$T/linux.parsed" || fail "parsed: $(cat "$T/linux.parsed")"
grep -q '^4 mac=02:00:00:00:00:66 tap=vport bridge=br0 kind=linux nic=nic0 addrs=1 why=$' \
	"$T/linux.parsed" || fail "parsed FDB guest: $(cat "$T/linux.parsed")"
echo "linux bridge: by mac, ip v4, ip v6, FDB, two not found: ok"

# Open vSwitch, mock: the tap has no master (as with the userspace
# datapath); ovs-vsctl on PATH answers for bridge br-int.
x tuntap add dev vnet7 mode tap
x link set vnet7 address fe:54:00:aa:bb:07
x link add eth1 type veth peer name eth1p
mkdir -p "$T/bin"
cat >"$T/bin/ovs-vsctl" <<'MOCK'
#!/bin/sh
# mock ovs-vsctl (tests/cases/hostfind.sh): replays two answers
case "$1 $2" in
"port-to-br vnet7") echo br-int ;;
"list-ports br-int") printf 'patch-tun\nvnet7\neth1\n' ;; # patch-tun: no netdev
*) exit 1 ;;
esac
MOCK
chmod +x "$T/bin/ovs-vsctl"
ip netns exec "$N" env PATH="$T/bin:$PATH" sh -c "$SCRIPT" vocalc mac=52:54:00:aa:bb:07 >"$T/ovsmock"
printf 'guest mac=52:54:00:aa:bb:07\nmac 52:54:00:aa:bb:07\ntap vnet7\nbridge br-int\nbridge_kind ovs\nnic eth1\nend\nconn \nuid 0\n' >"$T/ovsmock.want"
same ovsmock
echo "open vswitch (mock ovs-vsctl): ok"

# Open vSwitch, real (root namespace: ovs-vswitchd runs there).
command -v ovs-vsctl >/dev/null && [ -x /usr/share/openvswitch/scripts/ovs-ctl ] ||
	skip "open vswitch real: needs openvswitch-switch (make deps; the mock part passed)"
if ! ovs-vsctl --timeout=3 show >/dev/null 2>&1; then
	/usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >"$T/ovs-start" 2>&1 ||
		fail "ovs-ctl start: $(tail -3 "$T/ovs-start")"
	OVS_STARTED=1
fi
OVS_UP=1
ovs-vsctl --timeout=5 add-br "$OB" -- set bridge "$OB" datapath_type=netdev || fail "ovs add-br"
ip tuntap add dev "$OT" mode tap && ip link set "$OT" address fe:54:00:aa:bb:0e && ip link set "$OT" up ||
	fail "tap $OT"
ip link add "$ON" type veth peer name "${ON}p" && ip link set "$ON" up || fail "veth $ON"
ovs-vsctl --timeout=5 add-port "$OB" "$OT" -- add-port "$OB" "$ON" || fail "ovs add-port"
sh -c "$SCRIPT" vocalc mac=52:54:00:aa:bb:0e >"$T/ovs" || fail "script on real OVS"
printf 'guest mac=52:54:00:aa:bb:0e\nmac 52:54:00:aa:bb:0e\ntap %s\nbridge %s\nbridge_kind ovs\nnic %s\n' "$OT" "$OB" "$ON" >"$T/ovs.want"
# the root namespace may hold neighbour entries of its own: compare up to end
sed -i '/^addrs /d; /^conn /,$d' "$T/ovs"
echo end >>"$T/ovs.want"
diff -u "$T/ovs.want" "$T/ovs" || fail "real OVS: the script's output differs"
echo "open vswitch (real ovs-vswitchd $(ovs-vsctl --version | head -n 1 | awk '{print $NF}'), userspace datapath): ok"
