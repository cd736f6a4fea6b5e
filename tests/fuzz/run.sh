#!/usr/bin/env bash
# tests/fuzz/run.sh HARNESS... — runs each libFuzzer harness
# (build-fuzz/fuzz_HARNESS, made by `make fuzz-build`) for FUZZ_SECONDS
# (default 60), one after the other, one process each, and prints one line
# per harness: executions, coverage (edges: "cov", features: "ft"), corpus
# size, peak memory.  Fails when any harness crashed, leaked, hung (an input
# over -timeout=10 s) or ran out of memory (-rss_limit_mb, and any single
# allocation over -malloc_limit_mb): the input that did it is saved in
# build-fuzz/artifacts/HARNESS/, to become tests/regress/fuzz/HARNESS/NAME
# with a line in tests/regress/fuzz/EXPECT (tests/cases/regress.sh).
#
# Each harness starts from its seeds (tests/fuzz/corpus/HARNESS, in git) and
# the corpus earlier runs grew (build-fuzz/corpus/HARNESS, not in git).
# FUZZ_ARGS adds libFuzzer options (e.g. FUZZ_ARGS=-runs=1000).
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
B=build-fuzz
[ $# -gt 0 ] || { echo "usage: tests/fuzz/run.sh HARNESS..." >&2; exit 2; }
failed=() total=0
printf '%-14s %12s %8s %7s %8s %7s %7s  %s\n' harness executions seconds edges features corpus rss_mb result
for h in "$@"; do
	bin=$B/fuzz_$h
	[ -x "$bin" ] || { echo "tests/fuzz/run.sh: $bin is not built (make fuzz-build)" >&2; exit 2; }
	corpus=$B/corpus/$h art=$B/artifacts/$h log=$B/logs/$h.log
	mkdir -p "$corpus" "$art" "$B/logs"
	case $h in
	capture) dict=(-dict=tests/fuzz/pcap.dict) maxlen=65536 ;;
	pipeline) dict=(-dict=tests/fuzz/pcap.dict) maxlen=20000 ;;
	config) dict=(-dict=tests/fuzz/config.dict) maxlen=8192 ;;
	*) dict=() maxlen=4096 ;;
	esac
	before=$(ls "$art" | wc -l)
	start=$(date +%s)
	# leaks are findings (ASan's leak check after each input); UBSan stops at the first report
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
	LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
		-max_len="$maxlen" "${dict[@]}" -print_final_stats=1 -artifact_prefix="$art/" \
		${FUZZ_ARGS:-} "$corpus" "tests/fuzz/corpus/$h" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	new=$(ls -t "$art" | head -n $(($(ls "$art" | wc -l) - before)))
	result=ok
	if [ $rc -ne 0 ] || [ -n "$new" ]; then
		result="FAILED (exit $rc)"
		failed+=("$h")
	fi
	total=$((total + ${execs:-0}))
	printf '%-14s %12s %8s %7s %8s %7s %7s  %s\n' "fuzz_$h" "${execs:-?}" "$took" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "${rss:-?}" "$result"
	if [ "$result" != ok ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error|ALARM|==[0-9]+== ERROR)' "$log" | head -n 5 | sed 's/^/    /'
		for f in $new; do echo "    input: $art/$f"; done
		echo "    log: $log"
	fi
done
echo "total executions: $total"
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (make each input a file in tests/regress/fuzz/HARNESS/ with a line in tests/regress/fuzz/EXPECT)"
	exit 1
fi
