#!/usr/bin/env bash
# Builds the addon, the wintun emulator and the TAP-Windows emulator with one sanitizer into
# OUT/addon, OUT/emu and OUT/tapemu, for the sanitizer test runs (run-asan-tests.sh,
# run-tsan-tests.sh).
#
#   scripts/build-sanitized.sh address|thread OUT
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer=$1
out=$2
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake -S . -B "$out/addon" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMAGMA_SANITIZE="$sanitizer" >/dev/null
cmake --build "$out/addon" --parallel 2
cmake -S ../../tools/wintun-emu -B "$out/emu" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWINTUN_EMU_SANITIZER="$sanitizer" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$out/emu" --parallel 2 --target wintun
cmake -S ../../tools/tap-windows-emu -B "$out/tapemu" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTAP_EMU_SANITIZER="$sanitizer" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$out/tapemu" --parallel 2 --target tapwindowsemu
