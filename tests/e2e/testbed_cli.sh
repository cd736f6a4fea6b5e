# tools/testbed's command line: bad options refused, a failed `up` cleans up
# after itself, `up` twice is the same as once, status and env say when it
# is down.
source tests/e2e/lib.sh
# The testbed's own processes only, by their executables: a pattern over
# whole command lines (pgrep -f vobackend) also matches a compiler building
# tools/vobackend.c or an editor with it open, and made this test flaky.
backends() { pgrep -x vobackend; }
nothing_left() {
	! ip netns list | grep -q '^vtb-' && [ -z "$(backends)" ] &&
		! pgrep -f 'sshd.*-f /run/vocalc-testbed/sshd-' >/dev/null
}
$TB up --to-guest-delay fast >/dev/null 2>&1 && fail "a bad delay was accepted"
$TB up --bottleneck notarate >/dev/null 2>"$T/err" && fail "a bad rate was accepted"
grep -q "up failed; cleaning up" "$T/err" || fail "no word of the failed up: $(cat "$T/err")"
nothing_left || fail "a failed up left something behind"
$TB status >/dev/null && fail "status says up while down"
$TB env >/dev/null 2>&1 && fail "env answers while down"
$TB up >/dev/null && $TB up --to-guest-delay 100 >/dev/null || fail "up twice"
[ "$(ip netns list | grep -c '^vtb-')" = 3 ] || fail "up twice: $(ip netns list)"
[ "$(backends | wc -l)" = 1 ] || fail "up twice: backends $(backends | tr '\n' ' ')"
$TB status | grep -q "to_guest=const:100" || fail "status does not show the delay"
eval "$($TB env)"
[ "$VOCALC_GUEST" = root@10.99.0.3 ] && [ -r "$VOCALC_SSH_KEY" ] && [ -r "$VOCALC_KNOWN_HOSTS" ] || fail "env"
# the client logs in to host and guest with the key, checking host keys
for h in "$VOCALC_HOST" "$VOCALC_GUEST"; do
	$TB exec client ssh -i "$VOCALC_SSH_KEY" -o UserKnownHostsFile="$VOCALC_KNOWN_HOSTS" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes "$h" true || fail "ssh $h"
done
$TB down >/dev/null
nothing_left || fail "down left something behind"
