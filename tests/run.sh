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
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0 failed=() skipped=()
only=${TESTS:-}
[ $# -gt 0 ] || { echo "usage: tests/run.sh BUILD[:DIR,...]..." >&2; exit 2; }
for suite in "$@"; do
	build=${suite%%:*}
	dirs=unit,tests/cases
	[ "$build" = "$suite" ] || dirs=${suite#*:}
	[ -x "$build/vocalc" ] || { echo "tests/run.sh: $build/vocalc is not built (make SAN=... all)" >&2; exit 2; }
	out="tests/out/$build"
	mkdir -p "$out"
	export VOCALC="$PWD/$build/vocalc" VOCGEN="$PWD/$build/tools/vocgen" BUILD="$build"
	export BAREREAD="$PWD/$build/tools/bareread" TESTS_OUT="$PWD/$out"
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
		start=$(date +%s)
		case "$t" in
		*.sh) bash "$t" >"$log" 2>&1 ;;
		*) "$t" >"$log" 2>&1 ;;
		esac
		rc=$?
		secs=$(($(date +%s) - start))
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
