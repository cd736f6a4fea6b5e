# Bad input (issue 2 must-show): each case gives exactly one line on stderr
# that names the file (or option) and the reason, exit status 2, no crash; in
# the sanitizer build a sanitizer report would fail the run.
source tests/lib.sh
"$VOCGEN" --out "$T/ok" --journeys 300 --seed 3 || fail vocgen
G="$T/ok/guest.pcap" N="$T/ok/nic.pcap"
: >"$T/empty.pcap"
echo "this is not a capture, just text" >"$T/text.pcap"
python3 - "$N" "$T" <<'PY'
import struct, sys
src, d = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
open(d + "/trunc.pcap", "wb").write(data[:-7])            # last record cut
b = bytearray(data)
struct.pack_into("<I", b, 24 + 8, 0x7fffffff)              # first record's caplen
open(d + "/badlen.pcap", "wb").write(b)
b = bytearray(data[:24]); struct.pack_into("<I", b, 20, 105)  # IEEE 802.11
open(d + "/wifi.pcap", "wb").write(bytes(b) + data[24:])
open(d + "/hdronly.pcap", "wb").write(data[:24])           # a valid, empty capture
PY
mkdir -p "$T/nodir" "$T/badman" "$T/negdrops"
echo '{"points": [' >"$T/badman/manifest.json"
echo '{"points": [{"name": "nic", "file": "n.pcap", "drops": -5}]}' >"$T/negdrops/manifest.json"

# check STATUS PATTERN ARGS...: one stderr line matching PATTERN, that status.
check() {
	local want=$1 pat=$2; shift 2
	expect_exit "$want" "$VOCALC" "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "$*: stderr is not one line"; }
	grep -Eq -- "$pat" "$T/err" || { cat "$T/err"; fail "$*: stderr lacks /$pat/"; }
	[ ! -s "$T/out" ] || fail "$*: wrote to stdout on error"
	echo "ok: $(cat "$T/err")"
}
check 2 "empty.pcap: empty file" analyze nic="$N" guest="$T/empty.pcap"
check 2 "text.pcap: not a pcap or pcapng" analyze nic="$N" guest="$T/text.pcap"
check 2 "trunc.pcap: damaged after record [0-9]+: truncated" analyze nic="$T/trunc.pcap" guest="$G"
check 2 "badlen.pcap: damaged after record 0: .*capture length" analyze nic="$T/badlen.pcap" guest="$G"
check 2 "wifi.pcap: unsupported link type 105" analyze nic="$T/wifi.pcap" guest="$G"
check 2 "x.pcap: unknown point 'nick'" analyze nick="$T/x.pcap" guest="$G"
check 2 "two files for point guest" analyze nic="$N" guest="$G" guest="$T/ok/vnet.pcap"
check 2 "missing.pcap: No such file" analyze nic="$T/missing.pcap" guest="$G"
check 2 "at least two points" analyze guest="$G"
check 2 "nodir: no manifest.json and no captures" analyze "$T/nodir"
check 2 "manifest.json: cannot read run manifest" analyze "$T/badman"
check 2 "manifest.json: point 0: \"drops\" is not a count of packets or null" analyze "$T/negdrops"
check 2 "expected POINT=FILE" analyze "$T/ok/nic.pcap"
check 2 "--guest-ip: not an IPv4 or IPv6 address" analyze --guest-ip 10.0.0.300 nic="$N" guest="$G"
check 2 "--window-ms: must be in" analyze --window-ms 0 nic="$N" guest="$G"
check 2 "--csv needs a value" analyze nic="$N" guest="$G" --csv
check 2 "--guest-offset-us: not a number" analyze --guest-offset-us 12abc nic="$N" guest="$G"
check 2 "--guest-skew-ppm needs --guest-offset-us" analyze --guest-skew-ppm 3 nic="$N" guest="$G"
check 2 "is the nic capture; refusing to overwrite" analyze --csv "$N" nic="$N" guest="$G"
check 2 "unknown option --no-such-option" analyze --no-such-option nic="$N" guest="$G"
check 2 "usage|unknown option" --bogus
# a target or ssh config value vocalc would put into known_hosts lines and
# commands is a name or address, a port a port (tests/regress/fuzz/EXPECT,
# config/host-with-space.txt): refused before any connection
printf 'Host vm\n  HostName 10.0.0.1 extra\nHost h1\n  Port 99999\nHost h2\n  User "a b"\n' >"$T/sshcfg"
check 2 "^vocalc: alice@\[a b\]: bad host$" -d 1 "alice@[a b]" root@127.0.0.1
check 2 "^vocalc: root@a,b: bad host$" -d 1 root@a,b root@127.0.0.1
check 2 "sshcfg line 2: HostName '10.0.0.1 extra' is not a host name" --ssh-config "$T/sshcfg" -d 1 vm h1
check 2 "sshcfg line 4: Port '99999' is not a port \(1 to 65535\)" --ssh-config "$T/sshcfg" -d 1 h1 vm
check 2 "sshcfg line 6: User '\"a b\"' is not a user name" --ssh-config "$T/sshcfg" -d 1 h2 vm

# a report or CSV that cannot be written (a full disk: /dev/full) is an
# error naming what could not be written, not exit 0 with output lost (run
# unaudited: vocaudit would take the write error on itself, and read
# /dev/full back as the CSV)
full_check() {
	local pat=$1; shift
	VOCALC_AUDIT= "$VOCALC" "$@" >/dev/full 2>"$T/err"
	local rc=$?
	[ $rc -eq 2 ] || { cat "$T/err"; fail "$* >/dev/full: exit $rc, expected 2"; }
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -Eq -- "$pat" "$T/err" || { cat "$T/err"; fail "$* >/dev/full: stderr lacks /$pat/"; }
	echo "ok: $(cat "$T/err")"
}
full_check "^vocalc: writing standard output failed: No space left on device$" analyze nic="$N" guest="$G"
full_check "^vocalc: writing standard output failed" analyze --json nic="$N" guest="$G"
full_check "^vocalc: writing standard output failed" drift nic="$N" guest="$G"
full_check "^vocalc: writing standard output failed" rtt --json "$G"
full_check "^vocalc: writing standard output failed" ack "$G"
full_check "^vocalc: writing standard output failed" --help
VOCALC_AUDIT= "$VOCALC" analyze --csv /dev/full nic="$N" guest="$G" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^vocalc: writing /dev/full failed: No space left on device$" "$T/err" ||
	{ cat "$T/err"; fail "--csv /dev/full not refused"; }
VOCALC_AUDIT= "$VOCALC" rtt --csv /dev/full "$G" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^vocalc: writing /dev/full failed" "$T/err" || { cat "$T/err"; fail "rtt --csv /dev/full"; }
VOCALC_AUDIT= "$VOCALC" ack --csv /dev/full "$G" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^vocalc: writing /dev/full failed" "$T/err" || { cat "$T/err"; fail "ack --csv /dev/full"; }
VOCALC_AUDIT= "$VOCALC" drift --csv /dev/full nic="$N" guest="$G" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^vocalc: writing /dev/full failed" "$T/err" || { cat "$T/err"; fail "drift --csv /dev/full"; }
echo "ok: --csv /dev/full refused in analyze, rtt, ack, drift"

# the captures the user gave are never modified
cmp -s "$N" "$T/ok/nic.pcap" && [ -s "$N" ] || fail "input changed"

# --allow-truncated analyzes the complete records, with a warning
expect_exit 0 "$VOCALC" analyze --json --allow-truncated nic="$T/trunc.pcap" guest="$G"
grep -q "warning: .*trunc.pcap" "$T/err" || fail "no truncation warning"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/out" || fail "not JSON"
# ... printed once, however many passes read the file (it was 3)
expect_exit 0 "$VOCALC" analyze --allow-truncated nic="$T/trunc.pcap" guest="$G"
[ "$(grep -c "warning: .*trunc.pcap" "$T/err")" -eq 1 ] || { cat "$T/err"; fail "truncation warned more than once"; }
# gzip'd and damaged inputs for the checks below
python3 - "$T" <<'PY'
import gzip, sys
d = sys.argv[1]
gzip.open(d + "/hdronly.pcap.gz", "wb").write(open(d + "/hdronly.pcap", "rb").read())
g = gzip.compress(open(d + "/ok/guest.pcap", "rb").read())
open(d + "/cut.pcap.gz", "wb").write(g[: len(g) // 2])  # gzip data cut short
b = bytearray(g); b[len(b) // 2] ^= 0xff; b[len(b) // 2 + 1] ^= 0x5a
open(d + "/bad.pcap.gz", "wb").write(bytes(b))          # damaged deflate data
open(d + "/text.gz", "wb").write(gzip.compress(b"not a capture\n"))
PY
# a header-only capture (tcpdump stopped before a packet came) is refused by
# point and file in every command, not reported as an empty analysis
check 2 "^vocalc: no packets at nic \(.*hdronly.pcap\): the capture holds no complete record$" \
	analyze --json --guest-ip 10.0.0.2 nic="$T/hdronly.pcap" guest="$G"
check 2 "^vocalc: no packets at vnet \(.*hdronly.pcap\)" drift vnet="$T/hdronly.pcap" guest="$G"
check 2 "^vocalc: no packets at guest \(.*hdronly.pcap\)" rtt "$T/hdronly.pcap"
check 2 "^vocalc: no packets at guest \(stdin\)" ack - <"$T/hdronly.pcap"
check 2 "^vocalc: no packets at guest \(.*hdronly.pcap.gz\)" ack guest="$T/hdronly.pcap.gz" nic="$N"

# gzip and standard input: damage named, one line
check 2 "cut.pcap.gz: damaged after record [0-9]+: .*--allow-truncated analyzes" rtt "$T/cut.pcap.gz"
check 2 "bad.pcap.gz: damaged gzip data: " rtt "$T/bad.pcap.gz"
check 2 "text.gz: not a pcap or pcapng capture inside the gzip data" rtt "$T/text.gz"
check 2 "^vocalc: stdin: damaged gzip data: " rtt - <"$T/bad.pcap.gz"
check 2 "^vocalc: stdin: empty, not a pcap or pcapng capture" rtt - </dev/null
check 2 "^vocalc: stdin: not a pcap or pcapng capture" analyze nic="$N" guest=- <"$T/text.pcap"
check 2 "^vocalc: -: standard input given for both nic and guest" analyze nic=- guest=- <"$N"
check 2 "^vocalc: stdin: expected POINT=FILE \(e.g. guest=-\)" analyze - <"$N"
check 2 "^vocalc: guest=: no file named" rtt guest=
expect_exit 0 "$VOCALC" rtt --allow-truncated "$T/cut.pcap.gz"
[ "$(grep -c "warning: .*cut.pcap.gz: " "$T/err")" -eq 1 ] || { cat "$T/err"; fail "cut gzip warning"; }

# each command names itself in its errors (ack and drift said "analyze")
for c in analyze drift ack rtt; do
	check 2 "^vocalc: $c: unknown option --no-such \(see vocalc $c --help\)$" $c --no-such nic="$N" guest="$G"
done
# an unknown letter inside a group is named, not the word before it (it said
# "unknown option analyze")
check 2 "^vocalc: analyze: unknown option -x \(see vocalc analyze --help\)$" analyze -xv nic="$N" guest="$G"
check 2 "^vocalc: drift: unknown option -q \(see vocalc drift --help\)$" drift -vq nic="$N" guest="$G"
check 2 "^vocalc: drift: --csv needs a value \(see vocalc drift --help\)$" drift nic="$N" guest="$G" --csv
check 2 "^vocalc: ack: --bin needs a value" ack "$G" --bin
check 2 "^vocalc: drift: give POINT=FILE arguments or a run directory$" drift
check 2 "^vocalc: ack: give POINT=FILE arguments or a run directory$" ack

# a mistyped command is not an SSH login to a host of that name
check 2 "^vocalc: unknown command 'analyse' \(commands: analyze, drift, rtt, ack, report, watch; .*did you mean 'analyze'\?$" \
	analyse "$T/ok"
check 2 "^vocalc: unknown command 'reprot' \(commands: analyze, drift, rtt, ack, report, watch; or HOST GUEST.*did you mean 'report'" reprot "$T/ok"
check 2 "^vocalc: unknown command 'anlyze' .*did you mean 'analyze'" anlyze nic="$N" guest="$G"
check 2 "^vocalc: unknown command 'summary'" --json summary
check 2 "^vocalc: unknown command 'drfit' .*did you mean 'drift'" drfit "$T/ok" extra
