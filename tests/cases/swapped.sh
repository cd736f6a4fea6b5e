# Captures given to the wrong points: a round trip cannot be negative, and
# two points cannot share one capture.  vocalc refuses (exit 2) and names the
# points, in every command that reads several points, instead of printing
# impossible figures.
source tests/lib.sh
B=captures/vm-bulk
# check PATTERN CMD...: exit 2 and one stderr line matching PATTERN
check() {
	local pat=$1; shift
	expect_exit 2 "$@"
	[ "$(wc -l <"$T/err")" = 1 ] && grep -q "$pat" "$T/err" || { cat "$T/err"; fail "$*: message"; }
	echo "ok: $(cat "$T/err")"
}
for cmd in analyze drift ack; do
	check "nic=$B/guest.pcap and guest=$B/nic.pcap look swapped: their minimum round trip is -[0-9.]* us" \
		"$VOCALC" $cmd nic=$B/guest.pcap guest=$B/nic.pcap
	check "vnet=$B/guest.pcap and guest=$B/vnet.pcap look swapped" \
		"$VOCALC" $cmd nic=$B/nic.pcap vnet=$B/guest.pcap guest=$B/vnet.pcap
done
# a clock given: the round trip of the medians (no offset changes it) decides
"$VOCGEN" --out "$T/g" --journeys 20000 --offset-us -4136 --delay vnet-guest:both=exp:20:30 || fail vocgen
check "vnet=.*guest.pcap and guest=.*vnet.pcap look swapped: their median round trip (to + from) is -" \
	"$VOCALC" analyze --guest-offset-us 4136 nic="$T/g/nic.pcap" bridge="$T/g/bridge.pcap" \
	vnet="$T/g/guest.pcap" guest="$T/g/vnet.pcap"
# ... or, an offset far off: nothing in common, said so
check "have no packet in common" "$VOCALC" analyze --guest-offset-us -937391 nic=$B/guest.pcap guest=$B/nic.pcap
# one file for two points, or a copy of it
check "nic and guest are the same capture" "$VOCALC" analyze nic=$B/nic.pcap guest=$B/nic.pcap
cp $B/vnet.pcap "$T/copy.pcap"
check "vnet and guest are the same capture" "$VOCALC" drift vnet=$B/vnet.pcap guest="$T/copy.pcap"
# the right way round still runs
expect_exit 0 "$VOCALC" analyze --json $B
echo "the shipped run as recorded: exit 0"
