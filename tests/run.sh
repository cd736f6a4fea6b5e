#!/usr/bin/env bash
# Runs every test against each build directory given (e.g. build build-san):
# the unit test binaries, then the scripts in tests/cases/ (or, with
# CASES=DIR, only the scripts in DIR, e.g. tests/e2e).  A script passes
# with exit 0, is skipped with exit 77 (it says why), fails otherwise.
# Ends with the line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0 failed=()
only=${TESTS:-}
for build in "$@"; do
	out="tests/out/$build"
	mkdir -p "$out"
	export VOCALC="$PWD/$build/vocalc" VOCGEN="$PWD/$build/tools/vocgen" BUILD="$build"
	export BAREREAD="$PWD/$build/tools/bareread" TESTS_OUT="$PWD/$out"
	# sanitizer findings are failures, never warnings
	export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export TSAN_OPTIONS=halt_on_error=1
	tests=()
	for t in "$build"/tests/test_*; do
		case "$t" in *.o | *.d) continue ;; esac
		[ -z "${CASES:-}" ] && [ -x "$t" ] && tests+=("$t")
	done
	for t in "${CASES:-tests/cases}"/*.sh; do
		[ "$(basename "$t")" = lib.sh ] || tests+=("$t")
	done
	for t in "${tests[@]}"; do
		name="$build/$(basename "$t" .sh)"
		if [ -n "$only" ] && [[ "$name" != *$only* ]]; then continue; fi
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
			printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")"
		else
			fail=$((fail + 1))
			failed+=("$name")
			printf 'FAIL  %-40s %4ss (exit %d)\n' "$name" "$secs" "$rc"
			sed 's/^/      | /' "$log" | tail -n 40
		fi
	done
done
[ ${#failed[@]} -eq 0 ] || printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
