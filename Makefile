# vocalc — one plain Makefile.  `make`, `make deps`, `make check`, `make bench`,
# `make install`, `make fuzz`.  SAN=1 builds an AddressSanitizer+UBSan variant into
# build-san/, SAN=thread a ThreadSanitizer one into build-tsan/ (the reader
# threads and their rings).
#
# Flags: what vocalc needs (the language, warnings, sanitizers) is in VOCALC_*;
# CFLAGS, CPPFLAGS and LDFLAGS are the user's and are added after them, so
# `CFLAGS=-O0 make check` still builds its sanitizer variants with -fsanitize.

PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc
# systemd's units: /lib/systemd/system for the system's own PREFIX /usr (Debian),
# else under PREFIX (systemd also reads /usr/local/lib/systemd/system)
SYSTEMD_UNIT_DIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
PKGS    := libpcap libssh2 gsl jansson zlib libmicrohttpd

# pkg-config runs when a recipe needs it, never when make reads this file:
# `make deps demo` installs the packages first and only then asks for them.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

ifeq ($(SAN),1)
BUILD    := build-san
OPT      := -O1 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),thread)
BUILD    := build-tsan
OPT      := -O1 -g
SAN_FLAGS := -fsanitize=thread
else
BUILD    := build
OPT      := -O2 -g
SAN_FLAGS :=
endif

CFLAGS ?= $(OPT)
VOCALC_CFLAGS  := -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
                  -Wno-missing-field-initializers -MMD -MP -Isrc $(SAN_FLAGS)
VOCALC_LDFLAGS := $(SAN_FLAGS)
COMPILE = $(CC) $(VOCALC_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LINK    = $(CC) $(VOCALC_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS) -lm -pthread

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o)
TOOLS   := vocgen bareread vobackend vocaudit
# static programs for the QEMU guest's initramfs (no libraries there, no sanitizers)
STATIC_TOOLS := clockstep
# LD_PRELOAD fault injection for tests/cases/nomem.sh (no sanitizers: theirs come first)
PRELOADS := failmalloc
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# test-only programs the case tests run (tests/unit/NAME.c, not test_*: not
# unit tests themselves, and never installed): prom_serve serves a known
# registry for tests/cases/metrics_prom.sh
TEST_PROGS := $(BUILD)/tests/prom_serve
# the fuzz harnesses (tests/fuzz/fuzz_NAME.c); in every build also as
# BUILD/fuzz/replay_NAME, which replays inputs given as files
# (tests/cases/regress.sh runs the regression inputs through them)
FUZZERS := capture pipeline clock config
REPLAYS := $(FUZZERS:%=$(BUILD)/fuzz/replay_%)

all: $(BUILD)/vocalc $(TOOLS:%=$(BUILD)/tools/%) $(STATIC_TOOLS:%=$(BUILD)/tools/%) $(UNIT_TESTS) $(TEST_PROGS) \
     $(REPLAYS) $(PRELOADS:%=$(BUILD)/tools/%.so)
	@[ "$(BUILD)" != build ] || ln -sf build/vocalc vocalc

$(BUILD)/vocalc: $(BUILD)/src/main.o $(LIB_OBJ)
	$(LINK)
$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB_OBJ)
	$(LINK)
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ)
	$(LINK)
$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(LIB_OBJ)
	$(LINK)
$(PRELOADS:%=$(BUILD)/tools/%.so): $(BUILD)/tools/%.so: tools/%.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -std=c11 -Wall -Wextra $(CFLAGS) -o $@ $< -ldl
$(STATIC_TOOLS:%=$(BUILD)/tools/%): $(BUILD)/tools/%: tools/%.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra $(CFLAGS) -o $@ $<

$(BUILD)/src/%.o: src/%.c | pkgcheck
	@mkdir -p $(@D)
	$(COMPILE) -c -o $@ $<
$(BUILD)/src/version.o: src/version.c VERSION | pkgcheck
	@mkdir -p $(@D)
	$(COMPILE) -DVOCALC_VERSION='"$(VERSION)"' -c -o $@ $<
$(BUILD)/tools/%.o: tools/%.c | pkgcheck
	@mkdir -p $(@D)
	$(COMPILE) -c -o $@ $<
$(BUILD)/tests/%.o: tests/unit/%.c | pkgcheck
	@mkdir -p $(@D)
	$(COMPILE) -Itests/unit -c -o $@ $<
$(BUILD)/fuzz/%.o: tests/fuzz/%.c | pkgcheck
	@mkdir -p $(@D)
	$(COMPILE) -Itests/fuzz -c -o $@ $<

# Fuzzing: the libFuzzer harnesses, built with clang (Debian clang-14,
# libfuzzer-14-dev) and AddressSanitizer + UBSan into build-fuzz/ (the
# project's objects with -fsanitize=fuzzer-no-link, so coverage guides the
# fuzzer through them); `make fuzz` runs each for FUZZ_SECONDS and prints
# its executions and coverage on one line; any crash, leak, timeout or
# out-of-memory fails it (tests/fuzz/run.sh, which says where the input is).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_COMPILE = $(FUZZ_CC) -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
               -Wno-missing-field-initializers -MMD -MP -Isrc -O1 -g $(FUZZ_SAN) $(PKG_CFLAGS) \
               $(CPPFLAGS)
FUZZ_OBJ := $(LIB_SRC:src/%.c=build-fuzz/src/%.o)
# The numeric modules without comparison tracing: what guides the fuzzer
# there is coverage, not operands it could copy into the input (magic
# numbers, sequence numbers), and tracing every compare of a fit's loops
# halves the executions.
FUZZ_NOCMP := clock_est clock_fit hashtab stats
$(FUZZ_NOCMP:%=build-fuzz/src/%.o): FUZZ_COV_EXTRA := -fno-sanitize-coverage=trace-cmp

# clang and its libFuzzer (in DEB_PKGS: tests/cases/fuzz_short.sh runs the fuzzers)
fuzzcheck: | pkgcheck
	@command -v $(FUZZ_CC) >/dev/null 2>&1 && \
	    echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null || \
	    { echo "vocalc: make fuzz needs $(FUZZ_CC) with libFuzzer: apt-get install clang libfuzzer-14-dev libclang-rt-14-dev (make deps)" >&2; exit 1; }

build-fuzz/src/%.o: src/%.c | pkgcheck fuzzcheck
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link $(FUZZ_COV_EXTRA) -c -o $@ $<
build-fuzz/src/version.o: src/version.c VERSION | pkgcheck fuzzcheck
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -DVOCALC_VERSION='"$(VERSION)"' -c -o $@ $<
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) | pkgcheck fuzzcheck
	$(FUZZ_COMPILE) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS) -lm -pthread
fuzz-build: $(FUZZERS:%=build-fuzz/fuzz_%)
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZERS)

# The Debian packages the build, the tests and the benchmarks need (idempotent).
DEB_PKGS := build-essential pkg-config libpcap-dev libssh2-1-dev libgsl-dev libjansson-dev zlib1g-dev \
            tcpdump tshark python3 time iproute2 iputils-ping iperf3 openssh-server \
            openssh-client ethtool qemu-system-x86 busybox-static dropbear-bin cpio sudo \
            mmdebstrap tcptrace clang libfuzzer-14-dev libclang-rt-14-dev \
            openvswitch-switch libvirt-daemon-system libvirt-clients libmicrohttpd-dev prometheus \
            gnuplot-nox chromium fonts-dejavu-core
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	    SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	    $$SUDO apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "make deps: all Debian packages present"; fi
print-deb-pkgs:
	@echo $(DEB_PKGS)

# Before anything compiles: the libraries are there (after `deps` when that is
# also a goal, so `make -j2 deps demo` cannot race), else one line naming the
# -dev packages to install.
pkgcheck: | $(filter deps,$(MAKECMDGOALS))
	@command -v pkg-config >/dev/null 2>&1 || \
	    { echo "vocalc: pkg-config is not installed: run 'make deps' (Debian packages pkg-config and the -dev libraries)" >&2; exit 1; }; \
	missing=; for p in $(PKGS); do pkg-config --exists $$p && continue; \
	    case $$p in libpcap) d=libpcap-dev;; libssh2) d=libssh2-1-dev;; gsl) d=libgsl-dev;; \
	    jansson) d=libjansson-dev;; zlib) d=zlib1g-dev;; \
	    libmicrohttpd) d=libmicrohttpd-dev;; *) d=$$p;; esac; missing="$$missing $$d"; done; \
	[ -z "$$missing" ] || { echo "vocalc: missing$$missing: run 'make deps' (or apt-get install$$missing)" >&2; exit 1; }

# The demo: analyze a shipped run of a real QEMU guest.
demo: all
	@echo "vocalc analyze captures/vm-bulk (a real QEMU guest, virtio-net on a tap on a bridge,"
	@echo "iperf3 from the guest; recorded with vocalc HOST GUEST on the testbed)"
	./$(BUILD)/vocalc analyze captures/vm-bulk
	@./$(BUILD)/vocalc report captures/vm-bulk -o $(BUILD)/vm-bulk-report.html --no-progress
	@echo "The same run as one HTML page with its figures: $(BUILD)/vm-bulk-report.html (open it in a browser)"

# The live one-shot against a QEMU guest on the testbed (root).
demo-vm: all
	tools/testbed up --guest qemu
	. /run/vocalc-testbed/env && ip netns exec $$VOCALC_CLIENT_NS sh -c 'iperf3 -s -1 >/dev/null 2>&1 &' && \
	ip netns exec $$VOCALC_CLIENT_NS ./$(BUILD)/vocalc -i $$VOCALC_SSH_KEY \
	    --known-hosts $$VOCALC_KNOWN_HOSTS -d 6 \
	    --workload-guest "iperf3 -c $$VOCALC_CLIENT_IP -t 4" $$VOCALC_HOST $$VOCALC_GUEST; \
	rc=$$?; tools/testbed down; exit $$rc

# Every test, in one run of tests/run.sh so that TESTS=name selects across all
# of them (and a TESTS that matches nothing fails): unit and case tests in the
# three builds, then with the normal build the namespace testbed (tests/e2e),
# the QEMU guest (tests/vm) and a fresh Debian root (tests/fresh).
check: all
	$(MAKE) SAN=1 all
	$(MAKE) SAN=thread all
	tests/run.sh build build-san build-tsan build:tests/e2e build:tests/vm build:tests/fresh

# End to end on the namespace testbed (tools/testbed): real traffic, injected
# delay and descheduling, and the one-shot against a real QEMU guest; each
# test skips with its reason when not root or without namespaces or QEMU.
check-e2e: all
	tests/run.sh build:tests/e2e build:tests/vm

check-vm: all
	tests/run.sh build:tests/vm

# The modules' dependencies: no include or link cycle, none up the layers
# (README, Layout); also tests/cases/layers.sh in make check.
check-layers: all
	tools/modcycles $(BUILD)

# The README's first command and the unit and case tests in a minimal Debian
# 12 root made by mmdebstrap (tests/fresh/fresh.sh): a missing install step
# fails here even on a machine that has every package.
check-fresh: all
	tests/run.sh build:tests/fresh

bench: all
	tests/bench.sh $(BUILD)

install: $(BUILD)/vocalc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/vocalc $(DESTDIR)$(PREFIX)/bin/vocalc
	install -m 644 man/vocalc.1 $(DESTDIR)$(PREFIX)/share/man/man1/vocalc.1
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(SYSCONFDIR)/default \
	    $(DESTDIR)$(PREFIX)/share/doc/vocalc/prometheus
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    contrib/vocalc-watch.service >$(DESTDIR)$(SYSTEMD_UNIT_DIR)/vocalc-watch.service.tmp
	chmod 644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vocalc-watch.service.tmp
	mv -f $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vocalc-watch.service.tmp \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vocalc-watch.service
	@# the user's configuration: installed once, never overwritten
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/vocalc-watch ]; then \
	    echo "make install: $(DESTDIR)$(SYSCONFDIR)/default/vocalc-watch exists: kept"; \
	else echo "install -m 644 contrib/vocalc-watch.default $(DESTDIR)$(SYSCONFDIR)/default/vocalc-watch"; \
	    install -m 644 contrib/vocalc-watch.default $(DESTDIR)$(SYSCONFDIR)/default/vocalc-watch; fi
	install -m 644 contrib/prometheus/scrape.yml contrib/prometheus/vocalc-alerts.yml \
	    $(DESTDIR)$(PREFIX)/share/doc/vocalc/prometheus/

clean:
	rm -rf build build-san build-tsan build-fuzz vocalc

.PHONY: check-layers all deps print-deb-pkgs pkgcheck demo demo-vm check check-e2e check-vm check-fresh bench install clean \
        fuzz fuzz-build fuzzcheck
.SECONDARY:
-include $(wildcard build/*/*.d build-san/*/*.d build-tsan/*/*.d build-fuzz/*.d build-fuzz/*/*.d)
