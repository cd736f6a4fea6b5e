# The modules' dependencies (tools/modcycles): no include or link cycle
# between src/ modules and none up the layers of the README's Layout.  And
# that the check can fail: a planted include of a driver's header in an
# engine, and of a module in itself through another, are both found.
source tests/lib.sh
command -v python3 >/dev/null || skip "needs python3 (make deps)"
command -v nm >/dev/null || skip "needs nm (binutils, make deps)"
tools/modcycles "$BUILD" >"$T/out" 2>&1 || { cat "$T/out"; fail "modcycles: the modules' dependencies are at fault"; }
cat "$T/out"
# the same check on a planted copy of src/: an engine including a driver
mkdir -p "$T/tree/src" "$T/tree/tools"
cp src/*.[ch] "$T/tree/src/" && cp tools/modcycles "$T/tree/tools/"
ln -s "$PWD/$BUILD" "$T/tree/build" 2>/dev/null || ln -s "$BUILD" "$T/tree/build"
echo '#include "cmd.h"' >>"$T/tree/src/match.c"
(cd "$T/tree" && tools/modcycles build) >"$T/planted" 2>&1 && fail "an engine including a driver passed"
grep -q "include dependency upward: match (engines) -> cmd (drivers)" "$T/planted" ||
	{ cat "$T/planted"; fail "the upward include not named"; }
# a cycle inside one layer: vo including match is allowed, match including vo closes a cycle
echo '#include "vo.h"' >>"$T/tree/src/guestaddr.c"
echo '#include "guestaddr.h"' >>"$T/tree/src/vo.c"
sed -i '$d' "$T/tree/src/match.c"
(cd "$T/tree" && tools/modcycles build) >"$T/planted" 2>&1 && fail "a cycle passed"
grep -q "include cycle: guestaddr -> vo -> guestaddr" "$T/planted" ||
	{ cat "$T/planted"; fail "the cycle not named"; }
echo "planted faults found"
