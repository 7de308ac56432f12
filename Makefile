# vessel — one binary, one static library for the tests.
# Sources are found by wildcard per folder, so adding a file needs no edit here.

CC      ?= cc
PKGS    := yajl libseccomp libcap libmnl libnftnl nettle
# vessel links these statically (Debian ships their .a): each command starts ~0.5 ms sooner
# without their dynamic loading, and create/run/exec start twice (runtime/cloned_binary.h).
# libmnl has no .a in Debian and libc stays shared.
STATIC_LIBS := -Wl,-Bstatic -lyajl_s -lseccomp -lcap -lnftnl -lnettle -Wl,-Bdynamic -lmnl -lpthread
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow \
           -Wformat=2 -Wno-format-truncation -Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE -I. \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))

LIB_SRC := $(wildcard common/*.c spec/*.c runtime/*.c cgroup/*.c overlay/*.c netns/*.c vps/*.c)
CMD_SRC := $(wildcard cmd/*.c)
LIB_OBJ := $(LIB_SRC:.c=.o)
CMD_OBJ := $(CMD_SRC:.c=.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:.c=)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:.c=)

PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
ROOTFS  ?= build/busybox-rootfs

.PHONY: all deps check check-v2 unit integration bench bench-net rootfs demo clean install man format check-format fuzz fuzz-deps

all: vessel

# Stripped: create, run and exec copy the binary into a sealed memfd on every call
# (runtime/cloned_binary.h), so its size is on the hot path. `make STRIP=` keeps symbols.
STRIP   ?= -s
vessel: $(CMD_OBJ) libvessel.a
	$(CC) $(LDFLAGS) $(STRIP) -o $@ $(CMD_OBJ) libvessel.a $(STATIC_LIBS)

libvessel.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

%.o: %.c $(wildcard */*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/unit/%: tests/unit/%.c tests/unit/tap.h libvessel.a
	$(CC) $(CFLAGS) -o $@ $< libvessel.a $(LDLIBS)

# Small programs the integration tests drive (recvtty: the --console-socket receiver).
tests/helpers/%: tests/helpers/%.c
	$(CC) $(CFLAGS) -o $@ $<

# Install every Debian package the build and the tests need.
deps:
	scripts/deps.sh

rootfs: $(ROOTFS)/bin/busybox
$(ROOTFS)/bin/busybox:
	scripts/mkrootfs.sh $(ROOTFS)

unit: $(UNIT_BIN)

# The whole suite: unit tests, then integration tests on real containers.
check: vessel $(UNIT_BIN) $(HELPER_BIN) rootfs
	tests/run

# The cgroup tests again inside a VM whose kernel has cgroup v2 only (tests/vm/README.md).
CHECK_V2_TESTS ?= 50-cgroup test_cgroup 12-security
check-v2: vessel $(UNIT_BIN) rootfs
	CHECK_V2_TESTS="$(CHECK_V2_TESTS)" tests/run 95-cgroup-v2-suite

demo: vessel rootfs
	scripts/demo.sh

bench: vessel rootfs
	tests/bench/bench.sh

# Networking at scale (issue 13): create and delete of a networked container with 0 and with
# N others present, and the kernel memory a netns and a veth cost. As root; on a shared
# machine through /work/bin/itest. make bench-net [N=200] [ROUNDS=15]
bench-net: N ?= 200
bench-net: ROUNDS ?= 15
bench-net: vessel rootfs
	tests/bench/net-scale.sh $(N) $(ROUNDS)

# The man pages vessel(1) and vessel-COMMAND(1), written by vessel itself from the option
# tables that also drive its parser and --help (cmd/cmd.h).
man: vessel
	rm -rf build/man && mkdir -p build/man
	./vessel help --man >build/man/vessel.1
	for c in $$(./vessel help --list); do ./vessel help --man $$c >build/man/vessel-$$c.1 || exit 1; done

# The binary, its man pages, and what runs `vessel vps boot` at startup and `vps stop --all`
# at shutdown: a systemd unit and a SysV init script (docs/vps.md). DESTDIR and PREFIX are
# honoured.
UNITDIR ?= $(PREFIX)/lib/systemd/system
INITDIR ?= /etc/init.d
install: vessel man
	install -D -m 0755 vessel $(DESTDIR)$(PREFIX)/bin/vessel
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 build/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	sed 's|@BINDIR@|$(PREFIX)/bin|g' scripts/vessel-vps.service >build/vessel-vps.service
	sed 's|@BINDIR@|$(PREFIX)/bin|g' scripts/vessel-vps.init >build/vessel-vps.init
	install -D -m 0644 build/vessel-vps.service $(DESTDIR)$(UNITDIR)/vessel-vps.service
	install -D -m 0755 build/vessel-vps.init $(DESTDIR)$(INITDIR)/vessel-vps

format:
	clang-format -i $(LIB_SRC) $(CMD_SRC) $(UNIT_SRC) $(wildcard */*.h)

check-format:
	clang-format --dry-run -Werror $(LIB_SRC) $(CMD_SRC) $(UNIT_SRC) $(wildcard */*.h)

# build/cache (the packages debootstrap downloaded for the Debian template) is kept: it is a
# download, not a build product, and lets the tests rebuild the template offline.
clean:
	rm -f vessel libvessel.a $(LIB_OBJ) $(CMD_OBJ) $(UNIT_BIN) $(HELPER_BIN) $(FUZZ_BIN)
	find build -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} + 2>/dev/null || true

# Fuzz the config.json parser and the annotation/flag parsers with libFuzzer (clang, ASan,
# UBSan) for FUZZ_SECONDS each, the config target starting from the project's config
# fixtures (tests/fixtures/config) and vessel's default config, then reading config.json
# from odd files (fuzz_config_file: the first byte picks a FIFO, /dev/zero, a directory, a
# huge file...; a read that blocks or grows without bound fails on -timeout or
# -rss_limit_mb). A tool, not part of `check`.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(LIB_SRC)
FUZZ_BIN := tests/fuzz/fuzz_config tests/fuzz/fuzz_config_file tests/fuzz/fuzz_annotations
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(wildcard */*.h) | fuzz-deps
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 \
		-D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS)) -o $@ $< $(FUZZ_SRC) \
		$(LDLIBS) -lpthread
fuzz-deps:
	scripts/deps.sh fuzz
fuzz: $(FUZZ_BIN) vessel
	mkdir -p build/fuzz-corpus
	for f in tests/fixtures/config/*/*.json; do cp $$f build/fuzz-corpus/$$(basename $$(dirname $$f))-$$(basename $$f); done
	./vessel spec -b build/fuzz-corpus && mv build/fuzz-corpus/config.json build/fuzz-corpus/default.json
	tests/fuzz/fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build/fuzz-corpus
	mkdir -p build/fuzz-config-file
	for f in build/fuzz-corpus/*.json; do printf '\000' | cat - "$$f" >build/fuzz-config-file/$${f##*/}; done
	for k in 1 2 3 4 5 6 7 8 9 10; do printf "\\$$(printf %o $$k){}" >build/fuzz-config-file/kind$$k; done
	tests/fuzz/fuzz_config_file -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-rss_limit_mb=512 build/fuzz-config-file
	mkdir -p build/fuzz-annotations
	tests/fuzz/fuzz_annotations -max_total_time=$(FUZZ_SECONDS) -max_len=256 build/fuzz-annotations
