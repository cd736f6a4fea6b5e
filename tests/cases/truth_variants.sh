# Ground truth across the shapes real captures take: big GSO/GRO, VLAN tags
# at nic, cooked (SLL, SLL2) and raw guest captures, mostly IPv6, heavy
# duplicates, subsets of points, heavy-tailed delays with loss on other hops,
# TCP options cut by a short snaplen, large positive offset and negative skew.
source tests/lib.sh
i=0
while read -r args; do
	[ -n "$args" ] || continue
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$VOCGEN" --out "$T/r$i" --journeys 8000 --offset-us 2500 --skew-ppm -150 --seed $i $args \
		|| fail "vocgen $args"
	expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 2500 --guest-skew-ppm -150 "$T/r$i"
	python3 tests/truthcmp.py "$T/out" "$T/r$i/truth.json" >"$T/cmp" || { cat "$T/cmp"; fail "variant: $args"; }
	echo "ok: $args ($(tail -n 1 "$T/cmp"))"
done <<'VARIANTS'
--gso 44 --gro 8
--vlan --guest-link sll
--guest-link sll2 --v6 0.9
--guest-link raw --retrans 0.1 --dupack 0.3
--points nic,guest
--points bridge,vnet,guest
--points nic,vnet
--points vnet,guest --gso 1 --gro 1
--delay vnet-guest:both=pareto:20:10:1.5 --loss bridge-vnet:from=0.01 --loss nic-bridge:to=0.02
--snaplen 80
--mix 0,100,0 --v6 0.5
--mix 0,0,100
VARIANTS
