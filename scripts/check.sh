#!/bin/sh
# One command on a fresh Debian machine: install what is missing, build, run every test.
# The last line is "N passed, N failed, N skipped".
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" vessel unit rootfs >/dev/null
exec tests/run "$@"
