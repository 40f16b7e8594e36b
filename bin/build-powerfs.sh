#!/usr/bin/env bash
# Builds target/powerfs, the FUSE file system of the power-loss fault (src/test/c/powerfs.c).
# Needs gcc, pkg-config and Debian's libfuse3-dev; running it needs fuse3 (fusermount3) and
# /dev/fuse. Prints the binary's path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p target
gcc -O2 -Wall -o target/powerfs src/test/c/powerfs.c $(pkg-config --cflags --libs fuse3)
echo "$PWD/target/powerfs"
