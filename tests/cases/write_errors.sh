# Output that cannot be written (a full disk: /dev/full) is an error named on
# stderr with exit 2, in every command and for every output, never exit 0
# with a report that was not written.
source tests/lib.sh
# The binary itself: the suite's wrapper ($VOCALC, tools/vocaudit) reads
# vocalc's output through a pipe, so vocalc would never see the full disk;
# nothing written to /dev/full needs its nan check either.
V=${VOCALC_REAL:-$VOCALC}
R=captures/vm-bulk
for cmd in "analyze $R" "analyze --json $R" "drift $R" "drift --json $R" "rtt $R" "rtt --json $R" \
	"rtt --samples $R/guest.pcap" "ack $R" "ack --json $R" "ack --json $R/guest.pcap"; do
	# shellcheck disable=SC2086
	"$V" $cmd >/dev/full 2>"$T/err"
	rc=$?
	[ $rc = 2 ] && grep -q "No space left on device" "$T/err" ||
		{ cat "$T/err"; fail "vocalc $cmd >/dev/full: exit $rc"; }
done
for cmd in analyze drift ack rtt; do
	"$V" $cmd --csv /dev/full $R >/dev/null 2>"$T/err"
	rc=$?
	[ $rc = 2 ] && grep -q "/dev/full\|CSV" "$T/err" || { cat "$T/err"; fail "$cmd --csv /dev/full: exit $rc"; }
done
echo "every command, stdout and --csv: exit 2 with the reason"
