#!/usr/bin/env bash
# tests/run.sh SUITE... — runs tests and ends with "N passed, N failed, N skipped".
#
# A SUITE is BUILD (the build's unit test binaries and the scripts in
# tests/cases/, run against BUILD/vocalc) or BUILD:DIR[,DIR...] (only the
# scripts in those directories, e.g. build:tests/e2e).  A script passes with
# exit 0, is skipped with exit 77 (its last line says why), fails otherwise.
#
# TESTS=PATTERN runs only the tests whose name (BUILD/NAME, e.g.
# build-san/rtt_sim) contains PATTERN; when it matches no test at all the run
# fails, so a mistyped name never passes.
#
# No impossible figure, anywhere: $VOCALC is BUILD/tools/vocaudit, which runs
# BUILD/vocalc and keeps a copy of all it writes (stdout, stderr, --csv
# files) under tests/out/BUILD/audit/NAME/.  After each test, every copy is
# searched for nan or inf standing as a number (nan, -inf, NaN, Infinity,
# "nan%"): one found fails the test, whatever its own checks said.  A test
# that runs the binary by its path instead of $VOCALC would escape that, so
# a script naming BUILD/vocalc fails too.  TESTS_OUT_ROOT moves tests/out
# (tests/cases/nan_guard.sh runs this script on planted outputs).
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0 failed=() skipped=()
only=${TESTS:-}
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
# nan_found DIR: prints "COMMAND: FILE:LINE: TEXT" for each impossible figure
# in the copies of DIR (at most 10), and fails when there is none.
nan_found() {
	local f hits=0 line
	for f in "$1"/*.out "$1"/*.err "$1"/*.csv; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			echo "$(head -c 300 "${f%.*}.cmd"): $(basename "$f"):$line"
			hits=$((hits + 1))
		done < <(grep -a -n -i -E '(^|[^[:alnum:]_.-])[-+]?(nan|inf|infinity)([^[:alnum:]_.-]|$)' "$f" | head -n 10)
	done
	[ $hits -gt 0 ]
}
[ $# -gt 0 ] || { echo "usage: tests/run.sh BUILD[:DIR,...]..." >&2; exit 2; }
for suite in "$@"; do
	build=${suite%%:*}
	dirs=unit,tests/cases
	[ "$build" = "$suite" ] || dirs=${suite#*:}
	[ -x "$build/vocalc" ] || { echo "tests/run.sh: $build/vocalc is not built (make SAN=... all)" >&2; exit 2; }
	[ -x "$build/tools/vocaudit" ] || { echo "tests/run.sh: $build/tools/vocaudit is not built (make SAN=... all)" >&2; exit 2; }
	out="${TESTS_OUT_ROOT:-tests/out}/$(basename "$build")"
	mkdir -p "$out"
	out=$(abs "$out")
	bdir=$(abs "$build")
	export VOCALC="$bdir/tools/vocaudit" VOCALC_REAL="$bdir/vocalc" VOCGEN="$bdir/tools/vocgen"
	export BUILD="$build" BAREREAD="$bdir/tools/bareread" TESTS_OUT="$out"
	# sanitizer findings are failures, never warnings
	export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export TSAN_OPTIONS=halt_on_error=1
	tests=()
	IFS=, read -r -a dirlist <<<"$dirs"
	for d in "${dirlist[@]}"; do
		if [ "$d" = unit ]; then
			for t in "$build"/tests/test_*; do
				case "$t" in *.o | *.d) continue ;; esac
				[ -x "$t" ] && tests+=("$t")
			done
			continue
		fi
		[ -d "$d" ] || { echo "tests/run.sh: no test directory $d" >&2; exit 2; }
		for t in "$d"/*.sh; do
			[ "$(basename "$t")" = lib.sh ] || tests+=("$t")
		done
	done
	for t in "${tests[@]}"; do
		name="$build/$(basename "$t" .sh)"
		if [ -n "$only" ] && [[ "$name" != *"$only"* ]]; then continue; fi
		log="$out/$(basename "$t" .sh).log"
		audit="$out/audit/$(basename "$t" .sh)"
		rm -rf "$audit" && mkdir -p "$audit"
		start=$(date +%s)
		case "$t" in
		*.sh) VOCALC_AUDIT="$audit" bash "$t" >"$log" 2>&1 ;;
		*) VOCALC_AUDIT="$audit" "$t" >"$log" 2>&1 ;;
		esac
		rc=$?
		secs=$(($(date +%s) - start))
		if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then
			if hits=$(nan_found "$audit"); then
				{ echo "FAIL (tests/run.sh): vocalc printed nan/inf:"; echo "$hits"; } >>"$log"
				rc=1
			elif case "$t" in *.sh) grep -En '(build[-a-z]*|\$\{?BUILD\}?)/vocalc([^[:alnum:]_.-]|$)' "$t" >"$audit/bypass" ;; *) false ;; esac; then
				{ echo "FAIL (tests/run.sh): runs vocalc by its path, not \$VOCALC (outputs unchecked):"; cat "$audit/bypass"; } >>"$log"
				rc=1
			fi
		fi
		[ $rc -ne 0 ] && [ $rc -ne 77 ] || rm -rf "$audit"
		if [ $rc -eq 0 ]; then
			pass=$((pass + 1))
			printf 'PASS  %-40s %4ss\n' "$name" "$secs"
		elif [ $rc -eq 77 ]; then
			skip=$((skip + 1))
			skipped+=("$name: $(tail -n 1 "$log")")
			printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")"
		else
			fail=$((fail + 1))
			failed+=("$name")
			printf 'FAIL  %-40s %4ss (exit %d)\n' "$name" "$secs" "$rc"
			sed 's/^/      | /' "$log" | tail -n 40
		fi
	done
done
if [ -n "$only" ] && [ $((pass + fail + skip)) -eq 0 ]; then
	echo "tests/run.sh: no test name contains '$only' (in: $*)" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
[ ${#skipped[@]} -eq 0 ] || printf 'skipped: %s\n' "${skipped[@]}"
[ ${#failed[@]} -eq 0 ] || printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
