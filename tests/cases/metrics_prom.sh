# The Prometheus exposition (src/metrics.h) read by Prometheus's own tools.
# build/tests/prom_serve serves a registry with known observations (each
# second 1000 of 1.5 ms for guest="a", 1000 of 300 us for guest="b"), and:
#   - its scrape and its textfile pass `promtool check metrics` (the parser
#     and the lint), and a planted fault in a copy does not (the check can
#     fail); every histogram series has the same 62 le strings, cumulative
#     counts, +Inf equal to _count;
#   - a real Prometheus (tests/promlib.sh) scrapes it every second;
#     histogram_quantile(0.5, ...) per guest, on the raw buckets and on
#     their rate(), lies in the bucket holding the true value, at the point
#     Prometheus's linear interpolation gives; summed over both guests by le
#     (what identical buckets on every host are for), the 0.75 quantile is
#     a's; the gauge reads back, the unknown one is absent, an escaped label
#     value reads back unescaped.
# Prometheus is stopped and its directory removed at exit, whatever happens.
source tests/lib.sh
source tests/promlib.sh
prom_have || skip "needs prometheus and promtool (Debian package prometheus: make deps)"
command -v python3 >/dev/null || skip "needs python3 (make deps)"
SERVE=$BUILD/tests/prom_serve
[ -x "$SERVE" ] || fail "$SERVE is not built (make all)"

mkdir -p "$T/tf"
"$SERVE" 127.0.0.1:0 "$T/tf" >"$T/serve.out" 2>"$T/serve.err" &
serve_pid=$!
prom_on_exit "kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null"
for i in $(seq 1 50); do
	grep -q '^listening on ' "$T/serve.out" && break
	kill -0 $serve_pid 2>/dev/null || { cat "$T/serve.err"; fail "prom_serve exited"; }
	sleep 0.1
done
addr=$(sed -n 's/^listening on //p' "$T/serve.out")
[ -n "$addr" ] || fail "prom_serve did not say where it listens"
case $addr in 127.0.0.1:*) ;; *) fail "prom_serve listens on $addr, not 127.0.0.1" ;; esac

# one scrape by hand: status, content type, body
python3 - "http://$addr/metrics" "$T/scrape.txt" <<'EOF' || fail "scraping $addr"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    ct = r.headers["Content-Type"]
    assert r.status == 200, r.status
    assert ct == "text/plain; version=0.0.4; charset=utf-8", ct
    open(sys.argv[2], "wb").write(r.read())
EOF
promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1 ||
	{ cat "$T/promtool.out"; fail "promtool check metrics refuses the scrape"; }
[ -s "$T/tf/vocalc.prom" ] || fail "no textfile written"
promtool check metrics <"$T/tf/vocalc.prom" >"$T/promtool.out" 2>&1 ||
	{ cat "$T/promtool.out"; fail "promtool check metrics refuses the textfile"; }
ls -A "$T/tf" | grep -qv '^vocalc.prom$' && fail "a temporary file left beside the textfile: $(ls -A "$T/tf")"
# the check can fail: a counter without _total, a label value not UTF-8
sed 's/vocalc_test_rounds_total/vocalc_test_rounds/g' "$T/scrape.txt" | promtool check metrics >/dev/null 2>&1 &&
	fail "promtool passed a counter without _total: the check cannot fail"
sed 's/guest="a"/guest="\xff"/' "$T/scrape.txt" | promtool check metrics >/dev/null 2>&1 &&
	fail "promtool passed a label value that is not UTF-8"

python3 - "$T/scrape.txt" <<'EOF' || fail "the histogram's structure"
import re, sys
text = open(sys.argv[1]).read()
les, counts, total = {}, {}, {}
for line in text.splitlines():
    m = re.match(r'vocalc_test_delay_seconds_bucket\{guest="(\w)",le="([^"]+)"\} (\d+)$', line)
    if m:
        les.setdefault(m[1], []).append(m[2])
        counts.setdefault(m[1], []).append(int(m[3]))
    m = re.match(r'vocalc_test_delay_seconds_count\{guest="(\w)"\} (\d+)$', line)
    if m:
        total[m[1]] = int(m[2])
assert sorted(les) == ["a", "b"], les.keys()
assert les["a"] == les["b"], "the two series' le strings differ"
assert len(les["a"]) == 62 and les["a"][-1] == "+Inf", les["a"]
bounds = [float(x) for x in les["a"][:-1]]
assert bounds == sorted(bounds) and bounds[0] == 1e-6 and bounds[-1] == 1.0, bounds
for g, true in (("a", 0.0015), ("b", 0.0003)):
    c = counts[g]
    assert all(x <= y for x, y in zip(c, c[1:])), f"{g}: not cumulative"
    assert c[-1] == total[g] > 0, f"{g}: +Inf {c[-1]} != count {total[g]}"
    # every observation in the first bucket whose bound >= the value
    i = next(i for i, b in enumerate(bounds) if b >= true)
    assert c[i] == total[g] and c[i - 1] == 0, f"{g}: {true} not alone in le={les[g][i]}"
print("histogram structure ok:", len(bounds), "bounds +Inf")
EOF

prom_start "$addr" || fail "prometheus did not start"
prom_wait_scraped 3 40 || fail "prometheus did not scrape prom_serve"

check_quantile() { # EXPR WHAT: per guest within the true value's bucket, at the interpolated point
	prom_value "$1" >"$T/q.out" || fail "query $1"
	python3 - "$T/scrape.txt" "$T/q.out" "$2" <<'EOF' || { cat "$T/q.out"; fail "$2: $1"; }
import re, sys
text, got, what = open(sys.argv[1]).read(), open(sys.argv[2]).read().split("\n"), sys.argv[3]
bounds = sorted({float(m) for m in re.findall(r'_bucket\{guest="a",le="([^"+]+)"\}', text)})
vals = {}
for line in got:
    if line:
        labels, v = line.rsplit(" ", 1)
        vals[labels] = float(v)
want = {"guest=a": 0.0015, "guest=b": 0.0003} if what != "union" else {"{}": 0.0015}
assert set(vals) == set(want), f"series {sorted(vals)}, expected {sorted(want)}"
for k, true in want.items():
    i = next(i for i, b in enumerate(bounds) if b >= true)
    lo, hi = bounds[i - 1], bounds[i]
    v = vals[k]
    assert lo <= v <= hi, f"{k}: {v} outside the bucket ({lo}, {hi}] of {true}"
    # all of the bucket's observations share one value: linear
    # interpolation puts the median half way; the union's 0.75 quantile
    # is half way through a's bucket too
    mid = lo + (hi - lo) * 0.5
    assert abs(v - mid) <= 1e-12 * mid, f"{k}: {v}, interpolation gives {mid}"
    print(f"{what} {k}: {v} in ({lo}, {hi}], true {true}")
EOF
	cat "$T/q.out"
}
check_quantile 'histogram_quantile(0.5, sum by (guest, le) (vocalc_test_delay_seconds_bucket))' buckets
check_quantile 'histogram_quantile(0.5, sum by (guest, le) (rate(vocalc_test_delay_seconds_bucket[30s])))' rate
check_quantile 'histogram_quantile(0.75, sum by (le) (vocalc_test_delay_seconds_bucket))' union

# the gauge, the unknown one absent, the escaped label value unescaped
prom_value 'vocalc_test_offset_seconds' >"$T/g.out" || fail "gauge query"
python3 - "$T/g.out" <<'EOF' || { cat "$T/g.out"; fail "the gauges as Prometheus stored them"; }
import sys
lines = [l for l in open(sys.argv[1]).read().split("\n") if l]
assert len(lines) == 2, f"{len(lines)} gauge series, expected 2 (guest b unknown: absent)"
a = [l for l in lines if ",guest=a" in l or l.startswith("guest=a")]
assert a and float(a[0].rsplit(" ", 1)[1]) == -0.004136, a
EOF
prom_query 'vocalc_test_offset_seconds{guest!="a"}' >"$T/esc.json" || fail "gauge query"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
assert [x["metric"]["guest"] for x in r] == ["q\"uo\\te\nd"], r
' "$T/esc.json" || { cat "$T/esc.json"; fail "the escaped label value did not read back"; }
rounds=$(prom_value 'vocalc_test_rounds_total' | awk '{print $2}')
[ "${rounds:-0}" -ge 3 ] 2>/dev/null || fail "rounds_total $rounds, expected >= 3"

# stopped and removed
pdir=$PROM_DIR ppid=$PROM_PID
prom_stop
kill -0 "$ppid" 2>/dev/null && fail "prometheus still running after prom_stop"
[ ! -e "$pdir" ] || fail "$pdir left after prom_stop"
echo "prometheus read the exposition as expected"
