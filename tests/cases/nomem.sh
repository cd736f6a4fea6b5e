# Out of memory is said as such (issue 14, part 4): with every allocation
# from the Nth on failing (tools/failmalloc.c, LD_PRELOAD), for N spread
# over each command's allocations, vocalc either gives exactly the output of
# a run with all the memory it wants (exit 0: what failed was done without,
# as glibc does an unbuffered stream or UTC without its time zone copy) or
# stops with exit 4 (CONTRACT.md extension) and one stderr line saying it
# ran out of memory: never exit 2 "input error", never a crash, never exit
# 0 with a report that lost parts (jansson's constructors fail silently:
# main watches its allocations).
# Spared: GSL's SVD (gsl_linalg_*, under the robust regression), as GSL 2.7
# dereferences its own failed allocations there, which no caller can guard;
# and GnuTLS (libgnutls.so, loaded with libmicrohttpd for the metrics
# server), whose constructor initializes before main and prints "Error in
# GnuTLS initialization" when its allocations fail, which no caller can guard
# either (vocalc uses no TLS; it carries on).
# The first 16 calls are the dynamic loader's and libc's (before main).
# vocaudit runs unaudited here (VOCALC_AUDIT empty: it execs vocalc at once),
# since its own allocations would be failed too; these runs print only errors.
source tests/lib.sh
SHIM=$PWD/$BUILD/tools/failmalloc.so
[ -f "$SHIM" ] || fail "$SHIM is not built (make all)"
if ldd "$VOCALC_REAL" 2>/dev/null | grep -qE 'lib(a|t)san'; then
	skip "a sanitizer's allocator must come first; LD_PRELOAD fault injection runs in the plain build"
fi
"$VOCGEN" --out "$T/g" --journeys 40 --seed 21 --v6 0.3 >/dev/null || fail vocgen
G=$T/g
gzip -c "$G/guest.pcap" >"$T/guest.pcap.gz"

# nomem_check NAME SAMPLES ARGS...: stdin is the guest capture
nomem_check() {
	local name=$1 samples=$2; shift 2
	local total n step rc runs=0 four=0 same=0 csv=
	for a in "$@"; do [ "$a" != "$T/a.csv" ] || csv=$a; done
	total=$(VOCALC_AUDIT= FAILMALLOC_REPORT=1 LD_PRELOAD=$SHIM "$VOCALC" "$@" <"$G/guest.pcap" 2>&1 >"$T/ref" |
		sed -n 's/^failmalloc: \([0-9]*\) calls.*/\1/p')
	[ -z "$csv" ] || cp "$csv" "$T/ref.csv"
	[ -n "$total" ] && [ "$total" -gt 16 ] || fail "$name: no allocation count ($total)"
	step=$(((total - 16) / samples + 1))
	for ((n = 16; n <= total; n += step)); do
		VOCALC_AUDIT= FAILMALLOC_REPORT=1 FAILMALLOC_SPARE=gsl_linalg_,libgnutls.so FAILMALLOC_AFTER=$n \
			LD_PRELOAD=$SHIM timeout 60 "$VOCALC" "$@" <"$G/guest.pcap" >"$T/out" 2>"$T/err"
		rc=$?
		runs=$((runs + 1))
		grep -v '^failmalloc: ' "$T/err" >"$T/msg"
		case $rc in
		0) cmp -s "$T/out" "$T/ref" || { diff "$T/ref" "$T/out" | head; fail "$name N=$n: exit 0 with another output"; }
		   [ -z "$csv" ] || cmp -s "$csv" "$T/ref.csv" || fail "$name N=$n: exit 0 with another CSV"
		   same=$((same + 1)) ;;
		4) four=$((four + 1))
		   [ "$(wc -l <"$T/msg")" -eq 1 ] || { cat "$T/err"; fail "$name N=$n: stderr is not one line"; }
		   grep -qiE 'out of memory|cannot allocate memory' "$T/msg" ||
			{ cat "$T/err"; fail "$name N=$n: exit 4 without saying so"; } ;;
		*) cat "$T/err"; fail "$name N=$n: exit $rc (allocations fail from call $n of $total on)" ;;
		esac
	done
	[ $four -gt 0 ] || fail "$name: no run ran out of memory"
	echo "ok: $name: $runs runs over $total allocations: $four said out of memory (exit 4), $same gave the full output"
}
nomem_check analyze 50 analyze "$G"
nomem_check analyze-json-csv 50 analyze --json --csv "$T/a.csv" "$G"
nomem_check drift 50 drift "$G"
nomem_check rtt 50 rtt --json "$G/guest.pcap"
nomem_check rtt-points 50 rtt "$G"
nomem_check ack 50 ack --json "$G"
nomem_check stdin-gzip 50 analyze nic="$G/nic.pcap" guest=- 
