# The inputs fuzzing found (tests/regress/fuzz/, listed with what vocalc must
# do in tests/regress/fuzz/EXPECT): each replayed through its harness
# (BUILD/fuzz/replay_HARNESS: the harness's invariants, in this build's
# sanitizers) and, where vocalc reads such input, through vocalc: the
# expected exit status, and on failure one stderr line naming the input.
# Nothing may hang (60 s each).  A file not in EXPECT, or a line naming no
# file, fails: a found bug cannot drop out of the suite unnoticed.
source tests/lib.sh
R=tests/regress/fuzz
[ -f "$R/EXPECT" ] || fail "no $R/EXPECT"
"$VOCGEN" --out "$T/g" --journeys 200 --seed 14 --points vnet,guest >/dev/null || fail vocgen
GUEST="$T/g/guest.pcap"
# libssh2's own leak on a malformed hashed known_hosts line (tests/fuzz/lsan.supp)
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

listed=() n_vocalc=0
while read -r name status args; do
	case $name in '' | '#'*) continue ;; esac
	f=$R/$name
	[ -f "$f" ] || fail "EXPECT names $name, which is not in $R"
	listed+=("$name")
	[ "$status" = - ] && continue
	a=${args//@/$f}
	a=${a//%G/$GUEST}
	# shellcheck disable=SC2086 # the arguments are words
	timeout 60 "$VOCALC" $a >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -ne 124 ] || fail "vocalc $a: hung (60 s)"
	[ "$rc" = "$status" ] || { cat "$T/err"; fail "vocalc $a: exit $rc, expected $status"; }
	if [ "$status" != 0 ]; then
		[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "vocalc $a: stderr is not one line"; }
		grep -qF "$f" "$T/err" || { cat "$T/err"; fail "vocalc $a: stderr does not name $f"; }
	fi
	n_vocalc=$((n_vocalc + 1))
	echo "ok: vocalc $a: exit $rc $(head -c 160 "$T/err")"
done <"$R/EXPECT"

n_files=0
for d in "$R"/*/; do
	h=$(basename "$d")
	replay=$BUILD/fuzz/replay_$h
	[ -x "$replay" ] || fail "$replay is not built (make all)"
	for f in "$d"*; do
		[ -f "$f" ] || continue
		name=$h/$(basename "$f")
		printf '%s\n' "${listed[@]}" | grep -qxF "$name" || fail "$R/$name is not in $R/EXPECT"
		timeout 60 "$replay" "$f" >"$T/rout" 2>"$T/rerr"
		rc=$?
		[ $rc -eq 0 ] || { tail -n 20 "$T/rerr"; fail "$replay $f: exit $rc"; }
		n_files=$((n_files + 1))
	done
done
[ $n_files -gt 0 ] || fail "no regression inputs in $R"
echo "ok: $n_files inputs replayed through their harnesses, $n_vocalc vocalc runs as EXPECT says"
