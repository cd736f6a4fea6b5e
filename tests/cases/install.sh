# make install into a temporary root: the binary, the man page, the systemd
# unit naming the installed binary (systemd-analyze verify: no error, no
# warning), /etc/default/vocalc-watch installed once and never overwritten,
# /lib/systemd/system for PREFIX=/usr; the Prometheus examples pass promtool
# (the rules, and a configuration including the scrape config).
source tests/lib.sh
command -v make >/dev/null || skip "needs make (build-essential, make deps)"
root=$T/root
make -s install BUILD="$BUILD" DESTDIR="$root" PREFIX=/usr/local >"$T/make.out" 2>&1 ||
	{ cat "$T/make.out"; fail "make install"; }
bin=$root/usr/local/bin/vocalc
unit=$root/usr/local/lib/systemd/system/vocalc-watch.service
def=$root/etc/default/vocalc-watch
for f in "$bin" "$root/usr/local/share/man/man1/vocalc.1" "$unit" "$def" \
	"$root/usr/local/share/doc/vocalc/prometheus/scrape.yml" \
	"$root/usr/local/share/doc/vocalc/prometheus/vocalc-alerts.yml"; do
	[ -f "$f" ] || fail "not installed: ${f#"$root"}"
done
[ -x "$bin" ] && cmp -s "$bin" "$VOCALC_REAL" || fail "the installed binary is not the build's"
cmp -s "$def" contrib/vocalc-watch.default || fail "the default file is not contrib's"
# the unit: the installed binary, its configuration, the contract of the brief
grep -qx 'ExecStart=/usr/local/bin/vocalc watch $VOCALC_WATCH_ARGS' "$unit" ||
	{ grep -n ExecStart "$unit"; fail "ExecStart does not name /usr/local/bin/vocalc"; }
for l in 'EnvironmentFile=/etc/default/vocalc-watch' 'Restart=on-failure' 'KillSignal=SIGTERM' \
	'TimeoutStopSec=30' 'ExecReload=/bin/kill -HUP $MAINPID' 'ProtectSystem=strict' \
	'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' 'StateDirectory=vocalc'; do
	grep -qxF "$l" "$unit" || fail "the unit has no line '$l'"
done
! grep -n '@[A-Z]*@' "$unit" || fail "a placeholder left in the installed unit"
[ "$(stat -c %a "$unit")" = 644 ] || fail "the unit's mode is $(stat -c %a "$unit"), not 644"

# systemd-analyze verify: it needs ExecStart's binary, which is in the
# temporary root, not at /usr/local/bin (and --root would look for
# sysinit.target and /bin/kill there too): the installed unit verified with
# ExecStart pointing into the root, the man page found there (MANPATH).
# Unknown keys are only warnings to it: any line naming the unit fails.
# Without man(1) (a minimal root) its Documentation= cannot be looked up:
# --man=no, the man page's installation checked above.
man_opt=
command -v man >/dev/null || man_opt=--man=no
verify() { # UNIT: 0 when clean; its complaints in $T/verify
	MANPATH=$root/usr/local/share/man systemd-analyze verify $man_opt "$1" >"$T/verify" 2>&1 &&
		! grep -q "$(basename "$1")" "$T/verify"
}
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/verify.d"
	sed "s|^ExecStart=/usr/local/bin/vocalc |ExecStart=$bin |" "$unit" >"$T/verify.d/vocalc-watch.service"
	verify "$T/verify.d/vocalc-watch.service" || { cat "$T/verify"; fail "systemd-analyze verify"; }
	# and a fault is seen: an unknown key
	echo 'ProtectEverything=yes' >>"$T/verify.d/vocalc-watch.service"
	verify "$T/verify.d/vocalc-watch.service" && fail "systemd-analyze: a planted unknown key passed"
	echo "systemd-analyze verify: clean"
else
	echo "systemd-analyze absent: the unit not verified"
fi

# a second install: the unit replaced, the user's configuration kept
echo 'VOCALC_WATCH_ARGS="--interval 5 - mine"' >>"$def"
cp "$def" "$T/def.mine"
echo '# stale' >>"$unit"
make -s install BUILD="$BUILD" DESTDIR="$root" PREFIX=/usr/local >"$T/make.out" 2>&1 ||
	{ cat "$T/make.out"; fail "make install, the second time"; }
cmp -s "$def" "$T/def.mine" || fail "a second make install overwrote /etc/default/vocalc-watch"
grep -q "exists: kept" "$T/make.out" || fail "make install did not say the configuration was kept"
! grep -q '# stale' "$unit" || fail "a second make install did not replace the unit"

# PREFIX=/usr: the unit where Debian keeps the system's, naming /usr/bin/vocalc
make -s install BUILD="$BUILD" DESTDIR="$T/usr" PREFIX=/usr >"$T/make.out" 2>&1 ||
	{ cat "$T/make.out"; fail "make install PREFIX=/usr"; }
grep -q '^ExecStart=/usr/bin/vocalc ' "$T/usr/lib/systemd/system/vocalc-watch.service" ||
	fail "PREFIX=/usr: no /lib/systemd/system/vocalc-watch.service naming /usr/bin/vocalc"

# Prometheus: the rules, and a configuration with the scrape config and the rules
if command -v promtool >/dev/null; then
	promtool check rules contrib/prometheus/vocalc-alerts.yml >"$T/prom" 2>&1 ||
		{ cat "$T/prom"; fail "promtool check rules vocalc-alerts.yml"; }
	grep -q "SUCCESS: 2 rules found" "$T/prom" || { cat "$T/prom"; fail "not the 2 rules"; }
	{
		printf 'global:\n  scrape_interval: 15s\nrule_files:\n  - %s\nscrape_configs:\n' \
			"$PWD/contrib/prometheus/vocalc-alerts.yml"
		sed 's/^/  /' contrib/prometheus/scrape.yml
	} >"$T/prometheus.yml"
	promtool check config "$T/prometheus.yml" >"$T/prom" 2>&1 ||
		{ cat "$T/prom"; fail "promtool check config with scrape.yml"; }
	# and a fault is seen: a rule's expression that does not parse
	sed 's/> 0.002/> > 0.002/' contrib/prometheus/vocalc-alerts.yml >"$T/bad-alerts.yml"
	promtool check rules "$T/bad-alerts.yml" >"$T/prom" 2>&1 && fail "promtool: a planted bad rule passed"
	echo "promtool: rules and config pass"
else
	echo "promtool absent (Debian's prometheus, make deps): the Prometheus files not checked"
fi
echo "install: ok"
