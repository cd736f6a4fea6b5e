# vocalc — one plain Makefile.  `make`, `make deps`, `make check`, `make bench`,
# `make install`.  SAN=1 builds an AddressSanitizer+UBSan variant into
# build-san/, SAN=thread a ThreadSanitizer one into build-tsan/ (the reader
# threads and their rings).
#
# Flags: what vocalc needs (the language, warnings, sanitizers) is in VOCALC_*;
# CFLAGS, CPPFLAGS and LDFLAGS are the user's and are added after them, so
# `CFLAGS=-O0 make check` still builds its sanitizer variants with -fsanitize.

PREFIX  ?= /usr/local
PKGS    := libpcap libssh2 gsl jansson zlib

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
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/vocalc $(TOOLS:%=$(BUILD)/tools/%) $(STATIC_TOOLS:%=$(BUILD)/tools/%) $(UNIT_TESTS)
	@[ "$(BUILD)" != build ] || ln -sf build/vocalc vocalc

$(BUILD)/vocalc: $(BUILD)/src/main.o $(LIB_OBJ)
	$(LINK)
$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB_OBJ)
	$(LINK)
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ)
	$(LINK)
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

# The Debian packages the build, the tests and the benchmarks need (idempotent).
DEB_PKGS := build-essential pkg-config libpcap-dev libssh2-1-dev libgsl-dev libjansson-dev zlib1g-dev \
            tcpdump tshark python3 time iproute2 iputils-ping iperf3 openssh-server \
            openssh-client ethtool qemu-system-x86 busybox-static dropbear-bin cpio sudo \
            mmdebstrap
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
	    jansson) d=libjansson-dev;; zlib) d=zlib1g-dev;; *) d=$$p;; esac; missing="$$missing $$d"; done; \
	[ -z "$$missing" ] || { echo "vocalc: missing$$missing: run 'make deps' (or apt-get install$$missing)" >&2; exit 1; }

# The demo: analyze a shipped run of a real QEMU guest.
demo: all
	@echo "vocalc analyze captures/vm-bulk (a real QEMU guest, virtio-net on a tap on a bridge,"
	@echo "iperf3 from the guest; recorded with vocalc HOST GUEST on the testbed)"
	./$(BUILD)/vocalc analyze captures/vm-bulk

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

clean:
	rm -rf build build-san build-tsan vocalc

.PHONY: all deps print-deb-pkgs pkgcheck demo demo-vm check check-e2e check-vm check-fresh bench install clean
.SECONDARY:
-include $(wildcard build/*/*.d build-san/*/*.d build-tsan/*/*.d)
