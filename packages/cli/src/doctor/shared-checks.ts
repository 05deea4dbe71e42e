import { archName } from "./binary-architecture.js";
import { type CheckResult, checkResult } from "./check-result.js";
import { isProbeFailure, type LibraryFacts, type RuntimeFacts } from "./facts.js";

/** Node.js's first major version Magma supports (the packages' `engines`). */
export const MIN_NODE_MAJOR = 20;

/** The architectures Magma ships a prebuilt addon and a wintun library for, per platform. */
const PREBUILT_ARCHES: Readonly<Record<RuntimeFacts["platform"], readonly string[]>> = {
  linux: ["x64", "arm64"],
  win32: ["x64"],
};

export function runtimeCheck(runtime: RuntimeFacts): CheckResult {
  const title = "Node.js";
  const major = Number(/^v(\d+)\./.exec(runtime.nodeVersion)?.[1]);
  const seen = `${runtime.nodeVersion} on ${runtime.platform}-${runtime.arch}`;
  if (!(major >= MIN_NODE_MAJOR)) {
    return checkResult(
      "node",
      title,
      "fail",
      `${seen}: Magma needs Node.js ${MIN_NODE_MAJOR} or later`,
      {
        fix: `install Node.js ${MIN_NODE_MAJOR} or later (https://nodejs.org)`,
      },
    );
  }
  if (!PREBUILT_ARCHES[runtime.platform].includes(runtime.arch)) {
    return checkResult("node", title, "warn", `${seen}: no prebuilt addon for this architecture`, {
      fix: `install a C++ compiler and CMake so that npm builds the addon from source, or use ${runtime.platform}-${PREBUILT_ARCHES[runtime.platform].join(" or ")}`,
    });
  }
  return checkResult("node", title, "pass", seen);
}

function searchNotes(library: LibraryFacts): string[] {
  // "" is Windows' own search, which loads the wintun.dll System32 holds.
  const chosen =
    library.search.chosen === ""
      ? library.search.candidates.find((candidate) => candidate.found)?.path
      : library.search.chosen;
  return library.search.candidates.map((candidate) => {
    const state = !candidate.found
      ? "not found"
      : candidate.path === chosen
        ? "used"
        : "found, not used: an earlier place wins";
    const where =
      candidate.path === undefined || candidate.description.includes(candidate.path)
        ? candidate.description
        : `${candidate.description}: ${candidate.path}`;
    return `${where} (${state})`;
  });
}

/** Where the library was looked for, which file loaded, or why none did. */
export function libraryCheck(library: LibraryFacts): CheckResult {
  const title = "wintun library";
  const notes = searchNotes(library);
  if (!library.load.loaded) {
    return checkResult(
      "wintun-library",
      title,
      "fail",
      `${library.load.code}: ${library.load.message}`,
      {
        notes,
        fix: library.load.hint ?? "install the wintun library for this platform",
      },
    );
  }
  const path =
    library.load.path === ""
      ? "wintun.dll from the application directory or System32"
      : library.load.path;
  return checkResult("wintun-library", title, "pass", `loaded ${path}`, { notes });
}

/** The library file's architecture against the process's: a mismatch cannot load. */
export function libraryArchitectureCheck(library: LibraryFacts, processArch: string): CheckResult {
  const id = "wintun-library-architecture";
  const title = "wintun library architecture";
  const binary = library.binary;
  if (binary === undefined) {
    return checkResult(id, title, "unavailable", "no library file was found to read");
  }
  const file = library.binaryPath ?? "the library";
  if (isProbeFailure(binary)) {
    return checkResult(id, title, "fail", `${file} is not a library: ${binary.error}`, {
      fix: "replace it with the wintun library for this platform",
    });
  }
  const fileArch = archName(binary.arch, binary.machine);
  const processName = archName(processArch);
  if (binary.arch !== processArch) {
    return checkResult(
      id,
      title,
      "fail",
      `${file} is an ${fileArch} ${binary.format} library, but this Node.js process is ${processName}`,
      {
        fix: `use the wintun library built for ${processName} (wintun's bin/${processArch === "x64" ? "amd64" : processArch === "ia32" ? "x86" : processArch} folder), or a Node.js build for ${fileArch}`,
      },
    );
  }
  return checkResult(id, title, "pass", `${binary.format} ${fileArch}, as this process`);
}

/** The wintun version Magma is written against: the 14 exports of 0.14. */
const WINTUN_MINOR = 14;

export function driverCheck(library: LibraryFacts): CheckResult {
  const id = "wintun-driver";
  const title = "wintun driver";
  const driver = library.driver;
  if (!library.load.loaded) {
    return checkResult(
      id,
      title,
      "unavailable",
      "the library did not load, so the driver cannot be asked",
    );
  }
  if (isProbeFailure(driver)) {
    return checkResult(
      id,
      title,
      "fail",
      `the driver's version could not be read: ${driver.error}`,
      {
        fix: "reinstall the wintun driver: removing every wintun adapter and creating one again installs it",
      },
    );
  }
  if (driver === undefined) {
    return checkResult(
      id,
      title,
      "pass",
      "not loaded: no adapter is open (on Linux: by this process); it loads with the first adapter",
    );
  }
  const version = `${driver.major}.${driver.minor}`;
  if (driver.major === 0 && driver.minor < WINTUN_MINOR) {
    return checkResult(id, title, "fail", `version ${version} is older than 0.14`, {
      fix: "close every program using wintun, then create an adapter with wintun.dll 0.14 (@magma/wintun-dll), which updates the driver",
    });
  }
  return checkResult(id, title, "pass", `version ${version} running`);
}

/**
 * Linux: TAP-Windows is a Windows driver. Magma's TAP backend (@magma/tap-legacy) runs here only
 * over its emulator, for tests: say so rather than pretend to check a driver.
 */
export function tapCheck(): CheckResult {
  return checkResult(
    "tap-driver",
    "TAP driver",
    "unavailable",
    "not checked: TAP-Windows is a Windows driver; on Linux the TAP backend runs over its emulator (tools/tap-windows-emu) for tests",
  );
}
