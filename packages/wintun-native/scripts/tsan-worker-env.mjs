// Loaded with `node --import` into every Node process of the ThreadSanitizer run
// (scripts/run-tsan-tests.sh). The vitest main process starts without the TSan runtime: it only
// bundles test files (rolldown, an uninstrumented Rust addon whose own synchronisation TSan cannot
// see) and never loads our addon. Setting LD_PRELOAD here, after this process has started, hands
// the runtime to the test workers it forks, which load the addon and the emulator. The dynamic
// loader reads LD_PRELOAD only when a program starts, so this process itself stays as it was.
const runtime = process.env.MAGMA_TSAN_RUNTIME;
if (runtime !== undefined && runtime !== "") process.env.LD_PRELOAD = runtime;
