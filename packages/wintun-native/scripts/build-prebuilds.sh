#!/usr/bin/env bash
# Builds the prebuilt addons the package ships, into prebuilds/<platform>-<arch>/ (the layout
# node-gyp-build and prebuildify use; src/addon-search.ts loads from it):
#   linux-x64    magma_wintun.napi.glibc.node  g++, static libstdc++/libgcc, glibc 2.28+, stripped
#   linux-arm64  magma_wintun.napi.glibc.node  the same with Debian's g++-aarch64-linux-gnu
#   win32-x64    magma_wintun.napi.node        mingw-w64 (scripts/build-windows.sh), stripped
# win32-arm64 needs an ARM64 Windows toolchain: .github/workflows/windows-prebuilds.yml builds it.
# They are build outputs, never committed. emu-linux-x64 and emu-linux-arm64 build the wintun
# emulator (tools/wintun-emu) with the same floor into build/prebuild/emu-<platform>-<arch>/.
#
#   scripts/build-prebuilds.sh [linux-x64] [linux-arm64] [win32-x64] [emu-linux-x64] [emu-linux-arm64]
#   (default: the three prebuilds)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux-x64 linux-arm64 win32-x64)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

aarch64_toolchain="$PWD/../../cmake/aarch64-linux-gnu.cmake"
need_aarch64() {
  command -v aarch64-linux-gnu-g++ >/dev/null || {
    echo "$1 needs aarch64-linux-gnu-g++ (Debian: apt-get install g++-aarch64-linux-gnu)" >&2
    exit 1
  }
}

build_emulator() {
  local out=build/prebuild/$1
  shift
  cmake -S ../../tools/wintun-emu -B "$out" "${generator[@]}" --no-warn-unused-cli \
    -DCMAKE_BUILD_TYPE=Release -DMAGMA_PORTABLE_LINUX=ON -DBUILD_TESTING=OFF "$@" >/dev/null
  cmake --build "$out" --parallel 2 --target wintun
  ls -l "$out/libwintun.so"
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
    emu-linux-x64)
      build_emulator emu-linux-x64
      continue
      ;;
    emu-linux-arm64)
      need_aarch64 emu-linux-arm64
      build_emulator emu-linux-arm64 -DCMAKE_TOOLCHAIN_FILE="$aarch64_toolchain"
      continue
      ;;
    *)
      echo "unknown target: $target (linux-x64, linux-arm64, win32-x64, emu-linux-x64, emu-linux-arm64)" >&2
      exit 2
      ;;
  esac
  ls -l prebuilds/"$target"/*.node
done
