# The suite's guard against impossible figures (tests/run.sh, tools/vocaudit.c):
# planted nan/inf in stdout, stderr, JSON and a --csv file each fail a test
# whose own checks pass; finite output that merely contains the letters passes;
# a test that runs vocalc by its path fails; and the wrapper is transparent:
# same bytes, stdin, exit status, signals passed on, a closed reader honoured.
source tests/lib.sh
W="$PWD/$BUILD/tools/vocaudit"
[ -x "$W" ] || fail "$W is not built"
F="$T/fake"
mkdir -p "$F/tools" "$T/cases"
cp "$W" "$F/tools/vocaudit"
cat >"$F/vocalc" <<'EOF'
#!/usr/bin/env bash
# a vocalc that prints what the real one must never print
case "$1" in
text) echo "VO latency: to guest p50 nan us, from guest p50 12.0 us" ;;
json) printf '{\n  "vo_share": NaN,\n  "p50": 1.5\n}\n' ;;
stderr) echo "vocalc: share -inf%" >&2 ;;
csv) printf 'flow,vo_us\na>b,inf\n' >"$3" ;;
clean) echo "information: inf.pcap and nan.pcapng read; p50 12.5 us (finite); infinite-looking words: Infinity_x nanos"
	echo '{"vo_share": null, "vo_share_reason": "no RTT samples"}' ;;
int) trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.05; done ;;
term) kill -TERM $$ ;;
cat) cat ;;
flood) yes 1.0 ;;
rc) echo out; echo err >&2; exit 3 ;;
esac
EOF
chmod +x "$F/vocalc"
for k in text json stderr clean; do
	printf '"$VOCALC" %s >/dev/null 2>&1\nexit 0\n' "$k" >"$T/cases/planted_$k.sh"
done
printf '"$VOCALC" csv --csv "$TESTS_OUT/x.csv" >/dev/null\nexit 0\n' >"$T/cases/planted_csv.sh"
printf '"$VOCALC" text >/dev/null 2>&1\nexit 77\n' >"$T/cases/planted_skip.sh"
printf 'echo $%s/vocalc >/dev/null\nexit 0\n' BUILD >"$T/cases/bypass.sh"
TESTS= TESTS_OUT_ROOT="$T/out" bash tests/run.sh "$F:$T/cases" >"$T/run.log" 2>&1
rc=$?
cat "$T/run.log"
[ $rc -eq 1 ] || fail "planted nan: run.sh exited $rc, expected 1"
for k in text json stderr csv skip; do
	grep -Eq "^FAIL .*/planted_$k " "$T/run.log" || fail "planted $k not caught"
done
grep -Eq 'vocalc text: [0-9]+\.out:1:VO latency: to guest p50 nan us' "$T/run.log" || fail "the hit names the command, copy and line"
grep -Eq 'vocalc json: [0-9]+\.out:2:  "vo_share": NaN,' "$T/run.log" || fail "the JSON hit"
grep -Eq "^PASS .*/planted_clean " "$T/run.log" || fail "finite output taken for nan/inf"
grep -Eq "^FAIL .*/bypass " "$T/run.log" && grep -q "runs vocalc by its path" "$T/run.log" || fail "bypass not caught"
grep -q "^1 passed, 6 failed, 0 skipped$" "$T/run.log" || fail "summary"
[ -d "$T/out/fake/audit/planted_text" ] && [ ! -d "$T/out/fake/audit/planted_clean" ] || fail "a failed test keeps its copies, a passed one does not"

# transparent: bytes, stdin, status, both streams, one stream in order
export VOCALC_AUDIT="$T/a" VOCALC_REAL="$F/vocalc"
mkdir -p "$T/a"
head -c 100000 /dev/urandom >"$T/bytes"
"$W" cat <"$T/bytes" >"$T/got" || fail "cat through the wrapper"
cmp -s "$T/bytes" "$T/got" || fail "stdin/stdout not passed byte for byte"
"$W" rc >"$T/o" 2>"$T/e"
[ $? -eq 3 ] && [ "$(cat "$T/o")" = out ] && [ "$(cat "$T/e")" = err ] || fail "exit status or streams"
"$W" rc >"$T/oe" 2>&1
[ "$(cat "$T/oe")" = "$(printf 'out\nerr')" ] || fail "2>&1 order"
# a signal to the wrapper reaches vocalc; vocalc's death by signal is the wrapper's
"$W" int >"$T/int" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$T/int" && break; sleep 0.05; done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && grep -q "got INT" "$T/int" || fail "SIGINT not passed on (exit $rc): $(cat "$T/int")"
"$W" term
rc=$?
[ $rc -eq 143 ] || fail "death by SIGTERM not passed on: exit $rc"
# a reader that goes away stops vocalc (as SIGPIPE would)
timeout 10 "$W" flood | head -n 1 >/dev/null
[ "${PIPESTATUS[0]}" -ne 124 ] || fail "a closed pipe did not stop vocalc"

# the real vocalc through it: identical output
unset VOCALC_REAL
G=captures/sample-netns/guest.pcap
R="$(dirname "$W")/../vocalc"
VOCALC_REAL="$R" "$W" rtt - <"$G" >"$T/w.txt" || fail "real vocalc through the wrapper"
"$R" rtt - <"$G" >"$T/d.txt"
cmp -s "$T/w.txt" "$T/d.txt" || fail "the wrapper changed vocalc's output"
echo "ok: planted nan/inf caught in stdout, stderr, JSON, CSV and a skipped test; clean output passes; bypass caught; wrapper transparent"
