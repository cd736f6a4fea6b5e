# Host-side discovery of libvirt domains (src/hostfind.c's script, dom= and
# libvirt).  Part 1, always: a mock of virsh only (on PATH) replays the
# output recorded from a real virsh 9.0.0 (tests/virt/README) in a network
# namespace holding the bridge and tap those outputs name; the lease source
# gives nothing and --source arp fails, as recorded, so the addresses come
# from the neighbour table; a second domain (hf-two, written in virsh's
# format) has addresses from domifaddr with "-" continuation lines; a
# domain that is shut off (interface "-") is found by its MAC.  Part 2, live
# when libvirtd and qemu-system-x86_64 are installed: a real diskless QEMU
# TCG domain hf-test on bridge hfbr0, found by dom= and by libvirt.
source tests/lib.sh
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
TH=$BUILD/tests/test_hostfind
SCRIPT=$("$TH" --print-script) || fail "test_hostfind --print-script"
V=$PWD/tests/virt
N="hf-lv-$$" LIVE= STARTED=
ip netns add "$N" 2>/dev/null || skip "network namespaces not available here"
cleanup() {
	ip netns del "$N" 2>/dev/null
	if [ -n "$LIVE" ]; then
		virsh destroy hf-test >/dev/null 2>&1; virsh undefine hf-test >/dev/null 2>&1
		ip link del hfbr0 2>/dev/null
	fi
	for p in $STARTED; do kill "$(cat "$p")" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
x() { ip -n "$N" "$@" || fail "ip -n $N $*"; }
x link add hfbr0 type bridge
x tuntap add dev vnet0 mode tap
x link set vnet0 address fe:54:00:48:46:01
x tuntap add dev vnet1 mode tap
x link set vnet1 address fe:54:00:48:46:02
x link add nic0 type veth peer name nic0p
for l in vnet0 vnet1 nic0; do x link set "$l" master hfbr0; done
for l in hfbr0 vnet0 vnet1 nic0 lo; do x link set "$l" up; done
x neigh add 10.88.0.5 lladdr 52:54:00:48:46:01 dev hfbr0
x neigh add fd00:88::5 lladdr 52:54:00:48:46:01 dev hfbr0
mkdir -p "$T/bin" "$T/off"
cat >"$T/bin/virsh" <<MOCK
#!/bin/sh
# mock of virsh (tests/cases/hostfind_libvirt.sh): replays tests/virt
[ "\$1" = -c ] && shift 2
[ "\$1" = -q ] && shift
case "\$*" in
"list --name") cat "$V/list-name.out"; echo hf-two; echo hf-off; echo ;;
"domiflist hf-test") cat "$V/domiflist-hf-test.out" ;;
"domifaddr hf-test") cat "$V/domifaddr-hf-test.out"; exit "\$(cat "$V/domifaddr-hf-test.rc")" ;;
"domifaddr hf-test --source arp") cat "$V/domifaddr-arp-hf-test.err" >&2; exit 1 ;;
"domiflist hf-two") cat "$V/domiflist-hf-two.out" ;;
"domifaddr hf-two") cat "$V/domifaddr-hf-two.out" ;;
"domiflist hf-off") cat "$V/domiflist-hf-test-shutoff.out" ;;
"domifaddr hf-off"*) echo "error: Requested operation is not valid: domain is not running" >&2; exit 1 ;;
*) echo "error: failed to get domain '\$2'" >&2; exit 1 ;;
esac
MOCK
chmod +x "$T/bin/virsh"
blk() { # KEY NAME MAC TAP NIC ADDRS
	printf 'guest %s\nname %s\nmac %s\ntap %s\nbridge hfbr0\nbridge_kind linux\nnic %s\naddrs %s\nend\n' "$@"
}
ip netns exec "$N" env PATH="$T/bin:$PATH" sh -c "$SCRIPT" vocalc libvirt dom=hf-two 'dom=no;such' >"$T/mock" ||
	fail "script exited $?"
{
	blk dom=hf-test hf-test 52:54:00:48:46:01 vnet0 nic0 "10.88.0.5 fd00:88::5"
	blk dom=hf-two hf-two 52:54:00:48:46:02 vnet1 nic0 "10.88.0.7 fd00:88::7"
	blk dom=hf-off hf-off 52:54:00:48:46:01 vnet0 nic0 "10.88.0.5 fd00:88::5"
	blk dom=hf-two hf-two 52:54:00:48:46:02 vnet1 nic0 "10.88.0.7 fd00:88::7"
	printf 'guest dom=no?such\nname no?such\n'
	printf 'why virsh domiflist no?such gave no interface (domain unknown or not running?)\nend\n'
	printf 'conn \nuid 0\n'
} >"$T/mock.want"
diff -u "$T/mock.want" "$T/mock" || fail "replayed virsh: the script's output differs (above)"
# The parser refuses the whole text: "dom=no?such" is no name it takes.
"$TH" --parse <"$T/mock" >/dev/null 2>"$T/perr" && fail "parser took dom=no?such"
grep -q 'line 37 (guest): not a valid value' "$T/perr" || fail "parser: $(cat "$T/perr")"
head -n 36 "$T/mock" | "$TH" --parse >"$T/parsed" 2>&1 && fail "parser took a text without uid"
{ head -n 36 "$T/mock"; echo 'uid 0'; } | "$TH" --parse >"$T/parsed" || fail "parser: $(cat "$T/parsed")"
grep -q '^guests 4$' "$T/parsed" || fail "parsed: $(cat "$T/parsed")"
grep -q '^2 dom=hf-two tap=vnet1 bridge=hfbr0 kind=linux nic=nic0 addrs=2 why=$' "$T/parsed" ||
	fail "parsed: $(cat "$T/parsed")"
echo "libvirt (mock of virsh replaying recorded output): ok"

# Part 2: live.
command -v virsh >/dev/null && command -v libvirtd >/dev/null && command -v qemu-system-x86_64 >/dev/null || {
	skip "libvirt live: needs libvirt-daemon-system, libvirt-clients, qemu-system-x86 (make deps; the recorded part passed)"; }
if ! virsh -q list --name >/dev/null 2>&1; then
	pgrep -x virtlogd >/dev/null || { virtlogd -d -p "$T/virtlogd.pid" && STARTED="$T/virtlogd.pid"; }
	libvirtd -d -p "$T/libvirtd.pid" && STARTED="$STARTED $T/libvirtd.pid"
	for _ in 1 2 3 4 5 6 7 8 9 10; do virsh -q list --name >/dev/null 2>&1 && break; sleep 0.5; done
	virsh -q list --name >/dev/null 2>&1 || fail "libvirtd started but virsh cannot reach it"
fi
virsh -q list --all --name | grep -qx hf-test && fail "a domain hf-test exists already: not touching it"
ip link show hfbr0 >/dev/null 2>&1 && fail "bridge hfbr0 exists already: not touching it"
LIVE=1
ip link add hfbr0 type bridge && ip link set hfbr0 up || fail "bridge hfbr0"
virsh define "$V/hf-test.xml" >/dev/null && virsh start hf-test >/dev/null || fail "virsh define/start hf-test"
# after the start: the tap joining the bridge flushes the bridge's neighbours
ip neigh replace 10.88.0.5 lladdr 52:54:00:48:46:01 dev hfbr0 || fail "neigh"
tap=$(virsh -q domiflist hf-test | awk '{print $1}')
nic=$(ip -o route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1)
sh -c "$SCRIPT" vocalc dom=hf-test libvirt >"$T/live" || fail "script on live libvirt"
{ blk dom=hf-test hf-test 52:54:00:48:46:01 "$tap" "$nic" 10.88.0.5
  blk dom=hf-test hf-test 52:54:00:48:46:01 "$tap" "$nic" 10.88.0.5; } >"$T/live.want"
# other domains this host may run: keep hf-test's blocks only
awk '/^guest /{keep = ($2 == "dom=hf-test")} /^(conn|uid) /{keep = 0} keep' "$T/live" >"$T/live.hf"
diff -u "$T/live.want" "$T/live.hf" || fail "live libvirt: the script's output differs (above)"
echo "libvirt live ($(virsh --version), QEMU TCG domain hf-test, tap $tap): ok"
