// The package's install step. A prebuild that loads on this machine: nothing to do. Otherwise the
// addon is built from source with cmake-js (needs cmake and a C++ compiler), saying so first. In
// the repository (a source checkout, which has src/) it does nothing: `pnpm build` builds the addon.
//
// npm_config_build_from_source=true (`npm install --build-from-source`) or
// MAGMA_WINTUN_BUILD_FROM_SOURCE=1 builds from source even when a prebuild fits.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (message) => console.log(`@magma/wintun-native: ${message}`);

if (existsSync(join(packageDir, "src", "native-addon.ts"))) {
  say("source checkout, nothing to install (`pnpm build` builds the addon)");
  process.exit(0);
}

const fromSource =
  process.env.npm_config_build_from_source === "true" ||
  process.env.MAGMA_WINTUN_BUILD_FROM_SOURCE === "1";
if (fromSource) {
  say("building from source as asked");
} else {
  // The same search the package makes at run time, loading the addon to prove it fits.
  const { nativeAddonLocation } = await import("../dist/index.js");
  try {
    const location = nativeAddonLocation();
    say(`using the ${location.source} ${location.path}`);
    process.exit(0);
  } catch (error) {
    say(`no prebuilt addon loads on this machine:\n${error.message}`);
  }
  say("building the addon from source with cmake-js (needs cmake and a C++ compiler)");
}

const cmakeJsArgs = ["build", "--out", "build", "--parallel", "2"];
let command;
try {
  // A development install has cmake-js; a user's install of the published package usually not.
  const manifestPath = createRequire(join(packageDir, "package.json")).resolve(
    "cmake-js/package.json",
  );
  const { bin } = JSON.parse(readFileSync(manifestPath, "utf8"));
  const script = typeof bin === "string" ? bin : bin["cmake-js"];
  command = [process.execPath, join(dirname(manifestPath), script), ...cmakeJsArgs];
} catch {
  command = ["npm", "exec", "--yes", "--package=cmake-js@^8", "--", "cmake-js", ...cmakeJsArgs];
}
const build = spawnSync(command[0], command.slice(1), {
  cwd: packageDir,
  stdio: "inherit",
  shell: process.platform === "win32" && command[0] === "npm",
});
if (build.status !== 0) {
  say(
    `the build from source failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`}); ` +
      "install cmake and a C++ compiler, or use a platform with a prebuild (linux-x64, linux-arm64, win32-x64, win32-arm64)",
  );
  process.exit(1);
}
say("built build/Release/magma_wintun.node");
