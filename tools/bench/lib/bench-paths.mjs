// Where the benchmark's native programs are once built (see tools/bench/reflector/README.md).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = process.env.MAGMA_BENCH_BUILD_DIR ?? join(benchDir, "build");

export const benchPaths = {
  loadGenerator: join(buildDir, "loadgen", "udp-loadgen"),
  tunReflector: join(buildDir, "reflector", "udp-reflector-tun"),
  wintunReflector: join(buildDir, "reflector", "udp-reflector-wintun"),
  wintunEmulatorLibrary:
    process.env.MAGMA_WINTUN_LIBRARY ??
    resolve(benchDir, "..", "wintun-emu", "build", "libwintun.so"),
};

/** Throws with the command that builds them when any of the given files is missing. */
export function requireBuilt(...files) {
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.join(", ")}. Build with: cmake -S tools/bench -B tools/bench/build ` +
        "-DCMAKE_BUILD_TYPE=Release && cmake --build tools/bench/build " +
        "(and pnpm --filter @magma/wintun-emu build for libwintun.so)",
    );
  }
}
