#!/usr/bin/env bash
# The tests again under AddressSanitizer: the addon and the wintun emulator are rebuilt with
# -fsanitize=address (the emulator also with UBSan) into build/asan/, and the vitest suites run with
# that build inside a fresh network namespace (all but the Windows cross-build, which runs nothing,
# and the checks of the shipped prebuilds and the install step, which do not use the ASan build).
#
# Node itself is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) ahead of it.
# Leak detection is off: Node and V8 deliberately leave memory allocated at exit, which LSan would
# report by the thousand with no way to tell ours apart (every allocation of ours has Node frames
# above it, so suppressions cannot single ours out). Our own objects are checked explicitly instead:
# the tests assert that closing leaves no adapter handle, session or receive thread open
# (liveResources()), no extra OS thread, and no pool slot rented. handle_segv=0 leaves SIGSEGV to V8,
# which uses it for its own guard pages.
#
# Needs root and network namespaces (run by `pnpm test` through scripts/run-tests.mjs when it has them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/asan
bash scripts/build-sanitized.sh address "$out"

runtime=$(g++ -print-file-name=libasan.so)
mkdir -p test-results
export MAGMA_TEST_NETNS=1
export MAGMA_WINTUN_ADDON="$PWD/$out/addon/magma_wintun.node"
export MAGMA_WINTUN_LIBRARY="$PWD/$out/emu/libwintun.so"
export WINTUN_EMU_STRICT=1
export MAGMA_TAP_LIBRARY="$PWD/$out/tapemu/libtapwindowsemu.so"
export TAP_EMU_STRICT=1
export ASAN_OPTIONS="detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec unshare --net sh -c "ip link set lo up && LD_PRELOAD='$runtime' exec ./node_modules/.bin/vitest run \
  --exclude src/windows-build.test.ts --exclude src/prebuilds.test.ts \
  --exclude src/install-script.test.ts \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-asan.json"
