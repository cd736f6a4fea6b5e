# vocalc HOST GUEST logged in as a user who is not root: every capture,
# kill and fetch goes through `sudo -n`; without passwordless sudo the run is
# refused with the reason, before anything starts.
source tests/e2e/lib.sh
command -v sudo >/dev/null && command -v useradd >/dev/null || skip "needs sudo and useradd (make deps)"
U=vtbsudo
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
cleanup() { rm -f /etc/sudoers.d/$U; userdel -r $U >/dev/null 2>&1; }
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; $TB down >/dev/null 2>&1; cleanup' EXIT
cleanup
useradd -m -s /bin/sh -p '*' $U || fail "useradd" # '*': no password, not locked (sshd refuses locked accounts)
echo "$U ALL=(root) NOPASSWD: ALL" >/etc/sudoers.d/$U && chmod 440 /etc/sudoers.d/$U
$TB up >/dev/null || fail "testbed up"
eval "$($TB env)"
H=$(getent passwd $U | cut -d: -f6)
mkdir -p "$H/.ssh" && cp "$VOCALC_SSH_KEY.pub" "$H/.ssh/authorized_keys" && chown -R $U: "$H/.ssh"
expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	--no-progress -o "$T/run" --json --spool $U@10.99.0.2 $U@10.99.0.3
json_get "$T/out" "[h['matched'] for h in r['hops'] if h['from'] == 'vnet' and h['to'] == 'guest' and h['protocol'] == 'icmp'][0] >= 100" |
	grep -qx True || fail "as $U: the probes not matched"
for ns in vtb-host vtb-guest; do
	ip netns pids $ns | xargs -r ps -o comm= -p | grep -qE "tcpdump|timeout|ping" && fail "as $U: a capture survived"
done
ls /dev/shm/vocalc-* >/dev/null 2>&1 && fail "as $U: spool files left"
rm -f /etc/sudoers.d/$U
expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	-o "$T/nosudo" $U@10.99.0.2 $U@10.99.0.3
grep -q "$U@10.99.0.3:22: capturing needs root" "$T/err" || fail "without sudo: $(cat "$T/err")"
[ -e "$T/nosudo" ] && fail "a refused run left a directory"
echo "as $U through sudo -n: captured, stopped, fetched; refused without sudo"
