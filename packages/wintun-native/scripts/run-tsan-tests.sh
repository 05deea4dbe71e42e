#!/usr/bin/env bash
# The suites that drive the addon's native threads again under ThreadSanitizer: the addon and the
# wintun emulator are rebuilt with -fsanitize=thread into build/tsan/, and session traffic,
# teardown under load, the logger bridge, the port and its workers run with that build inside a
# fresh network namespace. Those suites cross every thread boundary of ours: the receive thread and its
# hand-off of batches to JavaScript, close and teardown racing delivery, wintun's logger calling
# in from the emulator's threads, and sends into the ring the emulator's consumer drains.
#
# TSan's runtime has to be the first library loaded; Node is not instrumented, so it is preloaded
# (LD_PRELOAD) into the vitest workers that load the addon, and only there: the vitest main process
# runs rolldown, an uninstrumented Rust addon whose own synchronisation TSan cannot see, and shells
# do not start with this runtime preloaded. scripts/tsan-worker-env.mjs hands it to the workers.
# scripts/tsan-suppressions.txt silences races inside V8's platform threads (explained there);
# nothing of ours is suppressed. TSan writes each report to build/tsan/reports/tsan.<pid> and goes
# on; scripts/tsan-report-check.mjs (a vitest setup file) fails the test that was running when it
# came, so the race is a failed test in test-results/vitest-tsan.json, and this script fails if any
# report is there at the end (one made after a worker's last test included). gcc's libtsan names
# frames only of the modules loaded before its first report, so scripts/tsan-symbolize.mjs names
# the addon's and the emulator's frames with addr2line.
#
# Needs root and network namespaces (run by `pnpm test` through scripts/run-tests.mjs when it has them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/tsan
bash scripts/build-sanitized.sh thread "$out"

# Both builds use the default C++ compiler (g++), so the runtime is gcc's libtsan.
runtime=$(g++ -print-file-name=libtsan.so)
if [ ! -e "$runtime" ]; then
  echo "run-tsan-tests: no libtsan.so for g++ (${runtime}); install libtsan" >&2
  exit 1
fi
# A report from an earlier run must not stand in for this one if the build or the run fails early.
mkdir -p test-results
rm -f test-results/vitest-tsan.json
export MAGMA_TEST_NETNS=1
export MAGMA_WINTUN_ADDON="$PWD/$out/addon/magma_wintun.node"
export MAGMA_WINTUN_LIBRARY="$PWD/$out/emu/libwintun.so"
export WINTUN_EMU_STRICT=1
export MAGMA_TAP_LIBRARY="$PWD/$out/tapemu/libtapwindowsemu.so"
export TAP_EMU_STRICT=1
export MAGMA_TSAN_RUNTIME="$runtime"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--import=$PWD/scripts/tsan-worker-env.mjs"
reports="$PWD/$out/reports"
rm -rf "$reports"
mkdir -p "$reports"
export MAGMA_TSAN_LOG_DIR="$reports"
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:log_path=$reports/tsan:suppressions=$PWD/scripts/tsan-suppressions.txt"
status=0
unshare --net sh -c "ip link set lo up && exec node ./node_modules/vitest/vitest.mjs run \
  --config scripts/vitest-tsan.config.mjs \
  src/session/wintun-session.test.ts src/session/session-lifetime.test.ts src/session/inline-receive.test.ts \
  src/session/read-event-wake.test.ts src/session/driver-ended-session.test.ts \
  src/session/tap-device-session.test.ts \
  src/wintun-logger.test.ts \
  src/wintun-adapter.test.ts src/port/ src/workers/ \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-tsan.json" || status=$?
if compgen -G "$reports/tsan.*" >/dev/null; then
  echo "run-tsan-tests: ThreadSanitizer reported races:" >&2
  cat "$reports"/tsan.* | node scripts/tsan-symbolize.mjs >&2
  status=1
fi
exit "$status"
