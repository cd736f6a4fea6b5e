# vocalc — one plain Makefile.  `make`, `make check`, `make bench`, `make install`.
# SAN=1 builds an AddressSanitizer+UBSan variant into build-san/, SAN=thread
# a ThreadSanitizer one into build-tsan/ (the reader threads and their rings).

PREFIX  ?= /usr/local
CC      ?= cc
PKGS    := libpcap libssh2 gsl jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SAN),1)
BUILD   := build-san
OPT     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS := -fsanitize=address,undefined
else ifeq ($(SAN),thread)
BUILD   := build-tsan
OPT     := -O1 -g -fsanitize=thread
SANFLAGS := -fsanitize=thread
else
BUILD   := build
OPT     := -O2 -g
endif

CFLAGS  ?= $(OPT)
CFLAGS  += -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
           -MMD -MP -Isrc $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -pthread
LDFLAGS += $(SANFLAGS)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS  += -DVOCALC_VERSION='"$(VERSION)"'

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o)
TOOLS   := vocgen bareread vobackend
TEST_SRC := $(wildcard tests/unit/test_*.c)
TESTS   := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/vocalc $(TOOLS:%=$(BUILD)/tools/%) $(TESTS)
	@[ "$(BUILD)" != build ] || ln -sf build/vocalc vocalc

$(BUILD)/vocalc: $(BUILD)/src/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<
$(BUILD)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<
$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -c -o $@ $<

# The Debian packages the build, the tests and the benchmarks need (idempotent).
DEB_PKGS := build-essential pkg-config libpcap-dev libssh2-1-dev libgsl-dev libjansson-dev \
            tcpdump tshark python3 time iproute2 iputils-ping iperf3 openssh-server \
            openssh-client ethtool qemu-system-x86 busybox-static dropbear-bin cpio sudo
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	    SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	    $$SUDO apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "make deps: all Debian packages present"; fi

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

check: all
	$(MAKE) SAN=1 all
	$(MAKE) SAN=thread all
	tests/run.sh build build-san build-tsan
	$(MAKE) check-e2e

# End to end on the namespace testbed (tools/testbed): real traffic, injected
# delay and descheduling; each test skips with its reason when not root or
# without namespaces.
check-e2e: all
	CASES=tests/e2e tests/run.sh build
	$(MAKE) check-vm

# vocalc HOST GUEST against a real QEMU guest on the testbed (skips with its
# reason when not root, without namespaces or without QEMU).
check-vm: all
	CASES=tests/vm tests/run.sh build

bench: all
	tests/bench.sh $(BUILD)

install: $(BUILD)/vocalc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/vocalc $(DESTDIR)$(PREFIX)/bin/vocalc
	install -m 644 man/vocalc.1 $(DESTDIR)$(PREFIX)/share/man/man1/vocalc.1

clean:
	rm -rf build build-san build-tsan vocalc

.PHONY: all deps demo demo-vm check check-e2e check-vm bench install clean
.SECONDARY:
-include $(wildcard build/*/*.d build-san/*/*.d build-tsan/*/*.d)
