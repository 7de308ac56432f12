# vessel — one binary, one static library for the tests.
# Sources are found by wildcard per folder, so adding a file needs no edit here.

CC      ?= cc
PKGS    := yajl libseccomp libcap libmnl libcgroup libnftnl
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
           -Wformat=2 -Wno-format-truncation -Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE -I. \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))

LIB_SRC := $(wildcard common/*.c spec/*.c runtime/*.c cgroup/*.c overlay/*.c netns/*.c)
CMD_SRC := $(wildcard cmd/*.c)
LIB_OBJ := $(LIB_SRC:.c=.o)
CMD_OBJ := $(CMD_SRC:.c=.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:.c=)

PREFIX  ?= /usr/local
ROOTFS  ?= build/busybox-rootfs

.PHONY: all deps check unit integration bench rootfs demo clean install format check-format

all: vessel

vessel: $(CMD_OBJ) libvessel.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) libvessel.a $(LDLIBS)

libvessel.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

%.o: %.c $(wildcard */*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/unit/%: tests/unit/%.c tests/unit/tap.h libvessel.a
	$(CC) $(CFLAGS) -o $@ $< libvessel.a $(LDLIBS)

# Install every Debian package the build and the tests need.
deps:
	scripts/deps.sh

rootfs: $(ROOTFS)/bin/busybox
$(ROOTFS)/bin/busybox:
	scripts/mkrootfs.sh $(ROOTFS)

unit: $(UNIT_BIN)

# The whole suite: unit tests, then integration tests on real containers.
check: vessel $(UNIT_BIN) rootfs
	tests/run

demo: vessel rootfs
	scripts/demo.sh

bench: vessel rootfs
	tests/bench/bench.sh

install: vessel
	install -D -m 0755 vessel $(DESTDIR)$(PREFIX)/bin/vessel

format:
	clang-format -i $(LIB_SRC) $(CMD_SRC) $(UNIT_SRC) $(wildcard */*.h)

check-format:
	clang-format --dry-run -Werror $(LIB_SRC) $(CMD_SRC) $(UNIT_SRC) $(wildcard */*.h)

clean:
	rm -f vessel libvessel.a $(LIB_OBJ) $(CMD_OBJ) $(UNIT_BIN)
	rm -rf build
