#!/usr/bin/env bash
# Builds the prebuilt addons the package ships, into prebuilds/<platform>-<arch>/ (the layout
# node-gyp-build and prebuildify use; src/addon-search.ts loads from it):
#   linux-x64    magma_wintun.napi.glibc.node  g++, static libstdc++/libgcc, glibc 2.28+, stripped
#   linux-arm64  magma_wintun.napi.glibc.node  the same with Debian's g++-aarch64-linux-gnu
#   win32-x64    magma_wintun.napi.node        mingw-w64 (scripts/build-windows.sh), stripped
# win32-arm64 needs an ARM64 Windows toolchain: .github/workflows/windows-prebuilds.yml builds it.
# They are build outputs, never committed; the package's build makes them (the wintun library for
# Linux is @magma/wintun-linux's, built with the same floor).
#
#   scripts/build-prebuilds.sh [linux-x64] [linux-arm64] [win32-x64]
#   (default: those this machine has compilers for: linux-x64 on an x86-64 Linux, linux-arm64 with
#   aarch64-linux-gnu-g++, win32-x64 with mingw-w64; CI has all three)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] && targets+=(linux-x64)
  command -v aarch64-linux-gnu-g++ >/dev/null && targets+=(linux-arm64)
  command -v x86_64-w64-mingw32-g++-posix >/dev/null && targets+=(win32-x64)
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

aarch64_toolchain="$PWD/../../cmake/aarch64-linux-gnu.cmake"
need_aarch64() {
  command -v aarch64-linux-gnu-g++ >/dev/null || {
    echo "$1 needs aarch64-linux-gnu-g++ (Debian: apt-get install g++-aarch64-linux-gnu)" >&2
    exit 1
  }
}


build_linux() {
  local target=$1
  shift
  local out=build/prebuild/$target
  cmake -S . -B "$out" "${generator[@]}" --no-warn-unused-cli -DCMAKE_BUILD_TYPE=Release -DMAGMA_PORTABLE_LINUX=ON "$@" >/dev/null
  cmake --build "$out" --parallel 2
  mkdir -p "prebuilds/$target"
  cp "$out/magma_wintun.node" "prebuilds/$target/magma_wintun.napi.glibc.node"
}

for target in "${targets[@]}"; do
  case $target in
    linux-x64)
      build_linux linux-x64
      ;;
    linux-arm64)
      need_aarch64 linux-arm64
      build_linux linux-arm64 -DCMAKE_TOOLCHAIN_FILE="$aarch64_toolchain"
      ;;
    win32-x64)
      bash scripts/build-windows.sh
      mkdir -p prebuilds/win32-x64
      x86_64-w64-mingw32-strip -o prebuilds/win32-x64/magma_wintun.napi.node build/windows/magma_wintun.node
      ;;
    *)
      echo "unknown target: $target (linux-x64, linux-arm64, win32-x64)" >&2
      exit 2
      ;;
  esac
  ls -l prebuilds/"$target"/*.node
done
