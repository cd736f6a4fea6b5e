# make fuzz on a budget that fits CI (issue 14): every libFuzzer harness for
# FUZZ_SHORT_SECONDS (default 15) from its seeds and the corpus earlier runs
# grew; any crash, leak, timeout or out-of-memory fails, naming the input
# saved in build-fuzz/artifacts/ (tests/fuzz/run.sh).  The long campaign is
# `make fuzz FUZZ_SECONDS=600` (README, Fuzzing).  Once per test run: from
# the plain build's (the fuzz build is its own, build-fuzz/).
source tests/lib.sh
[ "$BUILD" = build ] || skip "the fuzzers run once, in the plain build's run (build-fuzz/ is their own build)"
command -v clang >/dev/null || skip "needs clang and libfuzzer-14-dev (make deps)"
make -s fuzz-build >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "make fuzz-build"; }
FUZZ_SECONDS=${FUZZ_SHORT_SECONDS:-15} tests/fuzz/run.sh capture pipeline clock config | tee "$T/table"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "a fuzzer found a fault (tests/fuzz/run.sh exited $rc)"
n=$(grep -c ' ok$' "$T/table")
[ "$n" -eq 4 ] || fail "$n of 4 harnesses ran"
