// Builds the library this package ships, from tools/wintun-emu's sources, into
// prebuilds/linux-<arch>/libwintun.so: a Release build with the test hooks compiled out
// (WINTUN_EMU_TEST_HOOKS=OFF: no fault injection, no access-denied switch, from the environment
// or otherwise), without the test program, stripped of everything the dynamic loader does not
// need. Prints the file and its size.
//
//   node scripts/build-prebuild.mjs [--arch x64|arm64]
//
// The default is this machine's architecture. Another one is cross-compiled with Debian's
// cross toolchain (g++-aarch64-linux-gnu for arm64, g++-x86-64-linux-gnu for x64).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import { arch as hostArch } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const sources = join(packageDir, "..", "..", "tools", "wintun-emu");
const triplets = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" };
const processors = { x64: "x86_64", arm64: "aarch64" };

function fail(message) {
  console.error(`build-prebuild: ${message}`);
  process.exit(1);
}

function archArgument() {
  const index = process.argv.indexOf("--arch");
  if (index === -1) return hostArch();
  const value = process.argv[index + 1];
  if (value === undefined || !(value in triplets)) fail("--arch takes x64 or arm64");
  return value;
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (result.error !== undefined) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(" ")} exited with ${result.status}`);
}

function hasCommand(command) {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

const arch = archArgument();
if (process.platform !== "linux") fail("builds only on Linux");
if (!(arch in triplets)) fail(`no prebuild for ${arch}: this package ships x64 and arm64`);
const cross = arch !== hostArch();
const prefix = cross ? `${triplets[arch]}-` : "";
const toolchain = cross
  ? [
      `-DCMAKE_SYSTEM_NAME=Linux`,
      `-DCMAKE_SYSTEM_PROCESSOR=${processors[arch]}`,
      `-DCMAKE_C_COMPILER=${prefix}gcc`,
      `-DCMAKE_CXX_COMPILER=${prefix}g++`,
    ]
  : [];
if (cross && !hasCommand(`${prefix}g++`)) {
  fail(
    `cross-compiling for ${arch} needs ${prefix}g++ (Debian: g++-${triplets[arch].replace(/_/g, "-")})`,
  );
}

// A fresh build tree each time: it holds absolute paths, so one copied from elsewhere (a cache)
// would build other sources.
const buildDir = join(packageDir, "build", `linux-${arch}`);
rmSync(buildDir, { recursive: true, force: true });
run("cmake", [
  "-S",
  sources,
  "-B",
  buildDir,
  "-DCMAKE_BUILD_TYPE=Release",
  // The glibc 2.28 floor, static libstdc++ and libgcc, C API only (cmake/portable-linux-binary.cmake).
  "-DMAGMA_PORTABLE_LINUX=ON",
  "-DWINTUN_EMU_TEST_HOOKS=OFF",
  "-DBUILD_TESTING=OFF",
  ...toolchain,
]);
run("cmake", ["--build", buildDir, "--target", "wintun", "--parallel", "2"]);

const output = join(packageDir, "prebuilds", `linux-${arch}`, "libwintun.so");
mkdirSync(dirname(output), { recursive: true });
const built = join(buildDir, "libwintun.so");
copyFileSync(built, output);
// --strip-unneeded keeps the dynamic symbol table (the exports) and drops the rest.
run(`${prefix}strip`, ["--strip-unneeded", output]);
console.log(
  `build-prebuild: ${relative(packageDir, output)}: ${statSync(output).size} bytes (unstripped ${statSync(built).size})`,
);
