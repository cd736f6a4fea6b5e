# Shared helpers for tests/cases/*.sh.  Each case: `source tests/lib.sh`,
# then checks; `fail` ends it with a message.  $VOCALC, $VOCGEN and
# $TESTS_OUT come from tests/run.sh (defaults let a case run by hand).
set -u
: "${VOCALC:=$PWD/build/vocalc}" "${VOCGEN:=$PWD/build/tools/vocgen}"
: "${TESTS_OUT:=$PWD/tests/out/manual}" "${BUILD:=build}"
mkdir -p "$TESTS_OUT"
T=$(mktemp -d "$TESTS_OUT/$(basename "$0" .sh).XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# expect_exit STATUS CMD...: runs CMD, its stdout to $T/out, stderr to $T/err.
expect_exit() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" -eq "$want" ] || { echo "stderr:"; cat "$T/err"; fail "$* exited $rc, expected $want"; }
}

# json_get FILE PYTHON-EXPR: prints the expression evaluated on the document `r`.
json_get() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
