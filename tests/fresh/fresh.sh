# make check-fresh: the README's first command on a machine without vocalc's
# packages.  A minimal Debian 12 root (mmdebstrap, else debootstrap: the
# `minbase` variant plus make and git, what a user needs to clone and type
# `make`) gets a clean copy of the project (git archive of the working tree:
# tracked files only, as a fresh clone has them), and inside it, as root in
# a chroot of its own mount and PID namespace:
#     make deps demo          (must print the demo report the first time)
#     tests/run.sh build      (the unit and case tests)
# The namespace and QEMU suites stay outside (make check runs them there).
#
# Cache ($VOCALC_FRESH_CACHE, default /var/cache/vocalc-fresh): the base root,
# keyed on its package list and mirrors, and the layer `make deps` added on
# top of it, keyed on that and the Makefile's DEB_PKGS.  The first run makes
# both from nothing; a rerun mounts them read-only under an overlay and so
# takes seconds plus the tests.  A changed DEB_PKGS list makes a new layer
# from the base again, so every new install step is run from nothing once.
# Skips (77) only where no root can be made: not root, or neither mmdebstrap
# nor debootstrap.
source tests/lib.sh
[ "$(id -u)" = 0 ] || skip "needs root to make and enter a Debian root (chroot, mounts)"
if command -v mmdebstrap >/dev/null; then
	MAKER=mmdebstrap
elif command -v debootstrap >/dev/null; then
	MAKER=debootstrap
else
	skip "needs mmdebstrap or debootstrap to make a Debian root (make deps installs mmdebstrap)"
fi
command -v unshare >/dev/null || skip "needs unshare (util-linux)"

SUITE=bookworm
MIRROR=${VOCALC_FRESH_MIRROR:-http://deb.debian.org/debian}
SECURITY=${VOCALC_FRESH_SECURITY:-http://deb.debian.org/debian-security}
INCLUDE=make,git,ca-certificates
CACHE=${VOCALC_FRESH_CACHE:-/var/cache/vocalc-fresh}
mkdir -p "$CACHE" || fail "cannot make the cache $CACHE"
key() { sha256sum | cut -c1-16; }
K1=$(printf '%s\n' "$SUITE" minbase "$INCLUDE" "$MIRROR" "$SECURITY" | key)
K2=$( (echo "$K1"; make -s --no-print-directory print-deb-pkgs) | key)
BASE=$CACHE/base-$K1
LAYER=$CACHE/deps-$K2
t_start=$(date +%s)

# The base root, made once per key (into a temporary name, so that an
# interrupted run never leaves a half-made root under the real one).
if [ ! -e "$BASE/etc/debian_version" ]; then
	# Old keys' roots go first: one base and one layer per machine.
	rm -rf "$CACHE"/base-* "$CACHE"/deps-*
	echo "making a minimal Debian $SUITE root with $MAKER (first run on this machine)"
	if [ $MAKER = mmdebstrap ]; then
		mmdebstrap --variant=minbase --include="$INCLUDE" --aptopt='Acquire::Languages "none"' \
			"$SUITE" "$BASE.tmp" "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
			"deb $SECURITY $SUITE-security main" >"$T/maker.log" 2>&1
	else
		debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$BASE.tmp" "$MIRROR" \
			>"$T/maker.log" 2>&1 &&
			printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
				"$MIRROR" $SUITE "$MIRROR" $SUITE "$SECURITY" $SUITE >"$BASE.tmp/etc/apt/sources.list"
	fi || { tail -n 20 "$T/maker.log"; fail "$MAKER could not make the root (log above)"; }
	mv "$BASE.tmp" "$BASE" || fail "cannot move the root into $BASE"
fi
t_base=$(date +%s)

# The project as a fresh clone has it: the tracked files, with their changes.
mkdir -p "$T/src" "$T/upper" "$T/work" "$T/root"
rev=$(git stash create 2>/dev/null)
git archive --format=tar "${rev:-HEAD}" | tar -x -C "$T/src" || fail "git archive of the project"

lower=$BASE
have_layer=0
if [ -d "$LAYER" ]; then
	lower=$LAYER:$BASE
	have_layer=1
	echo "using the cached root with the packages of this DEB_PKGS list ($LAYER)"
fi

# Inside: a private mount and PID namespace, so every mount and process
# ends with it; the root is an overlay on the cached layers.
cat >"$T/inner.sh" <<'EOF'
set -eu
R=$1 lower=$2 upper=$3 work=$4 src=$5
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$R"
mkdir -p "$R/src"
mount --bind "$src" "$R/src"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs tmpfs "$R/tmp"
mount -t tmpfs tmpfs "$R/run"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 TERM=dumb /bin/sh -c '
	cd /src || exit 1
	start=$(date +%s)
	echo "== make deps demo"
	make deps demo || { echo "make deps demo FAILED"; exit 10; }
	echo "== make deps demo took $(($(date +%s) - start)) s"
	start=$(date +%s)
	echo "== tests/run.sh build"
	tests/run.sh build || { echo "tests FAILED"; exit 11; }
	echo "== the tests took $(($(date +%s) - start)) s"'
EOF
unshare --mount --pid --fork --kill-child bash "$T/inner.sh" "$T/root" "$lower" "$T/upper" "$T/work" \
	"$T/src" >"$T/inner.log" 2>&1
rc=$?
t_end=$(date +%s)
grep -E '^(== |make deps: |vocalc: |VO latency|PASS|FAIL|SKIP|[0-9]+ passed|failed:|skipped:|make deps demo FAILED|tests FAILED)' \
	"$T/inner.log"
case $rc in
0) ;;
10) tail -n 40 "$T/inner.log"; fail "make deps demo failed in the fresh root" ;;
11) # what the failed tests printed, last: the caller shows the tail
   echo "== what the failed tests printed:"
   grep -E '^(FAIL|      \| )' "$T/inner.log" | tail -n 30
   fail "the unit and case tests failed in the fresh root" ;;
*) tail -n 40 "$T/inner.log"; fail "the fresh root could not be entered (exit $rc)" ;;
esac
grep -q '^VO latency (nic <-> guest' "$T/inner.log" || fail "make deps demo printed no report"
grep -q '^vocalc: wrote build/vm-bulk-report.html' "$T/inner.log" || fail "make deps demo wrote no HTML report"
grep -q '<svg' "$T/src/build/vm-bulk-report.html" ||
	fail "the demo's page has no figure: gnuplot missing from the fresh root (DEB_PKGS)?"

# The first success with this DEB_PKGS list keeps what `make deps` added.
if [ $have_layer = 0 ]; then
	rm -rf "$CACHE"/deps-*
	rm -rf "$T/upper/src" "$T/upper/var/cache/apt/archives/"*.deb "$LAYER.tmp"
	mv "$T/upper" "$LAYER.tmp" && mv "$LAYER.tmp" "$LAYER" && echo "kept the installed layer as $LAYER"
fi
echo "check-fresh: base root $((t_base - t_start)) s, in the root $((t_end - t_base)) s" \
	"($([ $have_layer = 1 ] && echo "packages cached" || echo "packages installed from nothing"))"
