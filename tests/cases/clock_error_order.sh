# A guest clock off by more than a hop's delay puts the guest's copy of a
# packet after its copy downstream (from the guest) or before the copy
# upstream (to it): the captures are then merged out of path order.  What
# the matcher counts must not depend on that order: a TSO super-segment the
# guest sent, split on the way, stays "split" at the NIC however late the
# guest's stamps are (the pieces seen before the guest's copy joined are
# covered by it too); GRO runs stay "coalesced".  The delays move by the
# clock's error, the counts not at all.
source tests/lib.sh
"$VOCGEN" --out "$T/run" --journeys 20000 --rate 10000 --seed 3 --offset-us -4136 --skew-ppm 20 \
	--delay vnet-guest:both=exp:20:30 >/dev/null || fail vocgen
for err in 0 -30 -50 -100 30 50 100; do
	off=$(python3 -c "print(-4136 + $err)")
	expect_exit 0 "$VOCALC" analyze --json --guest-offset-us "$off" --guest-skew-ppm 20 "$T/run"
	python3 tests/truthcmp.py --fields "" "$T/out" "$T/run/truth.json" >"$T/cmp" ||
		{ cat "$T/cmp"; fail "clock off by $err us: counts differ from the truth"; }
	echo "clock off by $err us: counts as the truth's"
done
