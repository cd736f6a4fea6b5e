# tests/promlib.sh — a real Prometheus server for tests, to source after
# tests/lib.sh (tests/cases/metrics_prom.sh; the e2e test of vocalc watch):
#
#   prom_have                      0 if prometheus and promtool are installed
#   prom_on_exit CMD               runs CMD when the script exits, before the
#                                  EXIT trap already set (lib.sh's rm -rf $T)
#   prom_free_port                 prints a free TCP port of 127.0.0.1
#   prom_start TARGET...           starts prometheus scraping each HOST:PORT
#                                  (path /metrics) every second, on
#                                  127.0.0.1:$PROM_PORT, its config, data and
#                                  log in $PROM_DIR; waits until it is ready;
#                                  stopped and removed at exit whatever happens
#   prom_wait_scraped [N] [SECS]   waits until every target is up and was
#                                  scraped at least N times (1), SECS (30)
#   prom_query EXPR                prints the JSON answer of an instant query
#                                  (fails unless its status is "success")
#   prom_value EXPR                prints one line per series of the answer,
#                                  "k=v,k=v VALUE" (labels sorted, values
#                                  escaped as in JSON; "{}" for none)
#   prom_stop                      stops it (TERM, KILL after 10 s), removes
#                                  $PROM_DIR unless KEEP is set; idempotent
#
# PROM_NETNS=NS: prometheus runs in network namespace NS, and the queries
# are made from it (a target there, e.g. on its 127.0.0.1).
#
# Call these in the script itself, not in $(...): the trap and the variables
# must stay in the script's shell.  Only the process prom_start started is
# ever signalled (by its pid).  Needs python3 (make deps) for HTTP and JSON.
PROM_PID= PROM_DIR= PROM_PORT= PROM_URL= PROM_NTARGETS=0

# CMD... in $PROM_NETNS when set (ip netns exec execs: the PID is CMD's)
_prom_ns() {
	if [ -n "${PROM_NETNS:-}" ]; then ip netns exec "$PROM_NETNS" "$@"; else "$@"; fi
}

prom_have() {
	command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1
}

prom_on_exit() {
	local cmd=$1 old
	old=$(trap -p EXIT)
	if [ -n "$old" ]; then
		eval "set -- $old" # trap -- 'CMD' EXIT
		old=$3
	fi
	trap "$cmd${old:+; $old}" EXIT
}

prom_free_port() {
	_prom_ns python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _prom_get PATH: the body of GET $PROM_URL/PATH (PATH with its query).
_prom_get() {
	_prom_ns python3 - "$PROM_URL/$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
    sys.exit(1)
except Exception as e:
    print(f"GET {sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
EOF
}

prom_start() {
	[ $# -gt 0 ] || { echo "prom_start: no target" >&2; return 2; }
	[ -z "$PROM_PID" ] || { echo "prom_start: already running (pid $PROM_PID)" >&2; return 2; }
	PROM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vocalc-prom.XXXXXX") || return 1
	prom_on_exit prom_stop
	PROM_NTARGETS=$#
	local t list=
	for t in "$@"; do list="$list${list:+, }'$t'"; done
	cat >"$PROM_DIR/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vocalc
    metrics_path: /metrics
    static_configs:
      - targets: [$list]
EOF
	promtool check config "$PROM_DIR/prom.yml" >"$PROM_DIR/check.log" 2>&1 ||
		{ cat "$PROM_DIR/check.log" >&2; echo "prom_start: bad config" >&2; return 1; }
	local try i
	for try in 1 2 3; do # the free port may be taken between the check and the bind
		PROM_PORT=$(prom_free_port) || return 1
		PROM_URL=http://127.0.0.1:$PROM_PORT
		_prom_ns prometheus --config.file="$PROM_DIR/prom.yml" --storage.tsdb.path="$PROM_DIR/data" \
			--web.listen-address=127.0.0.1:"$PROM_PORT" >"$PROM_DIR/log" 2>&1 &
		PROM_PID=$!
		for i in $(seq 1 300); do # 30 s
			kill -0 "$PROM_PID" 2>/dev/null || break
			_prom_get -/ready >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		if kill -0 "$PROM_PID" 2>/dev/null; then
			echo "prom_start: prometheus not ready after 30 s; its log:" >&2
			tail -n 20 "$PROM_DIR/log" >&2
			return 1
		fi
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=
		grep -q 'address already in use' "$PROM_DIR/log" || break
	done
	echo "prom_start: prometheus exited; its log:" >&2
	tail -n 20 "$PROM_DIR/log" >&2
	return 1
}

prom_query() {
	_prom_ns python3 - "$PROM_URL" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request, urllib.error
url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
try:
    with urllib.request.urlopen(url, timeout=5) as r:
        body = r.read().decode()
except urllib.error.HTTPError as e:
    body = e.read().decode()
except Exception as e:
    print(f"prom_query {sys.argv[2]}: {e}", file=sys.stderr)
    sys.exit(1)
print(body)
try:
    ok = json.loads(body).get("status") == "success"
except ValueError:
    ok = False
sys.exit(0 if ok else 1)
EOF
}

prom_value() {
	local json
	json=$(prom_query "$1") || { echo "$json" >&2; return 1; }
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])["data"]
res = d["result"] if d["resultType"] in ("vector", "matrix") else [{"metric": {}, "value": d["result"]}]
for r in res:
    m = ",".join(f"{k}={json.dumps(v)[1:-1]}" for k, v in sorted(r["metric"].items())) or "{}"
    print(m, r["value"][1] if "value" in r else r["values"][-1][1])
' "$json"
}

prom_wait_scraped() {
	local n=${1:-1} secs=${2:-30} i up scrapes
	for i in $(seq 1 $((secs * 4))); do
		up=$(prom_value 'count(up == 1)' 2>/dev/null | awk '{print $2}')
		scrapes=$(prom_value 'min(count_over_time(up[10m]))' 2>/dev/null | awk '{print $2}')
		if [ "${up:-0}" = "$PROM_NTARGETS" ] && [ "${scrapes:-0}" -ge "$n" ] 2>/dev/null; then
			return 0
		fi
		sleep 0.25
	done
	echo "prom_wait_scraped: after ${secs} s, $up of $PROM_NTARGETS targets up, $scrapes scrapes (want $n); targets:" >&2
	_prom_get api/v1/targets >&2
	return 1
}

prom_stop() {
	if [ -n "$PROM_PID" ]; then
		kill "$PROM_PID" 2>/dev/null
		local i
		for i in $(seq 1 100); do
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$PROM_PID" 2>/dev/null && kill -KILL "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=
	fi
	if [ -n "$PROM_DIR" ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$PROM_DIR"
		PROM_DIR=
	fi
	return 0
}
