# Golden outputs: every line of tests/golden/TESTLIST run and compared
# byte for byte with tests/golden/expected/NAME (the version string is
# normalized).  GOLDEN_UPDATE=1 writes them instead.
source tests/lib.sh
L=tests/golden/TESTLIST
E=tests/golden/expected
mkdir -p "$E" "$T/gen"
n=0 bad=0
while read -r name output args; do
	case "$name" in '#'* | '') continue ;; esac
	# gen:NAME:ARGS -> a vocgen trace made once per name
	words=()
	for w in $args; do words+=("$w"); done
	argv=()
	i=0
	while [ $i -lt ${#words[@]} ]; do
		w=${words[$i]}
		if [[ $w == gen:* ]]; then
			g=${w#gen:}; gname=${g%%:*}; gargs=${g#*:}
			# the vocgen arguments run to the end of the line
			gargs="$gargs ${words[*]:$((i + 1))}"
			if [ ! -d "$T/gen/$gname" ]; then
				# shellcheck disable=SC2086
				"$VOCGEN" --out "$T/gen/$gname" $gargs >/dev/null || fail "vocgen $gargs"
			fi
			argv+=("$T/gen/$gname")
			break
		fi
		# multi:NAME -> the run of several guests tests/multirun.py makes, once per name
		if [[ $w == multi:* ]]; then
			gname=${w#multi:}
			if [ ! -d "$T/gen/$gname" ]; then
				python3 tests/multirun.py "$VOCGEN" "$T/gen/$gname" || fail "tests/multirun.py"
			fi
			w=$T/gen/$gname/run
		fi
		[ "$w" = @CSV ] && w="$T/out.csv"
		argv+=("$w")
		i=$((i + 1))
	done
	rm -f "$T/out.csv"
	"$VOCALC" "${argv[@]}" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	[ $rc = 0 ] || { cat "$T/stderr"; fail "$name: vocalc ${argv[*]} exited $rc"; }
	got="$T/stdout"
	[ "$output" = csv ] && got="$T/out.csv"
	# what may change without a figure changing: the version, the trace's temporary path
	sed -e 's/"version": "[^"]*"/"version": "VERSION"/' -e "s|$T/gen/|GEN/|g" "$got" >"$T/got"
	# the reader threads write their CSV rows as they go: compared in order
	if [ "$output" = csv ]; then
		{ head -n 1 "$T/got"; tail -n +2 "$T/got" | LC_ALL=C sort; } >"$T/sorted" && mv "$T/sorted" "$T/got"
	fi
	n=$((n + 1))
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		cp "$T/got" "$E/$name"
	elif ! cmp -s "$T/got" "$E/$name"; then
		echo "DIFF $name (vocalc ${argv[*]}):"
		diff -u "$E/$name" "$T/got" | head -n 40
		bad=$((bad + 1))
	fi
done <"$L"
[ -n "${GOLDEN_UPDATE:-}" ] && { echo "wrote $n expected outputs in $E"; exit 0; }
[ $bad = 0 ] || fail "$bad of $n golden outputs differ (GOLDEN_UPDATE=1 rewrites them; review the diff)"
echo "$n golden outputs identical"
