import { join } from "node:path";
import { WinTunError } from "./wintun-error.js";

/** Where the addon that was loaded came from. */
export type AddonSource = "override" | "local-build" | "prebuild";

/** The addon file that was loaded, and which of the places it came from. */
export interface AddonLocation {
  readonly path: string;
  readonly source: AddonSource;
}

/** One place looked at, and why it gave no addon. */
export interface AddonAttempt {
  readonly source: AddonSource;
  readonly path: string;
  readonly reason: string;
  /** What loading it threw, when it was tried. */
  readonly error?: unknown;
}

/** What the search reads from the machine; tests pass their own. */
export interface AddonSearchHost {
  /** `MAGMA_WINTUN_ADDON`: a build named by the user, the only place looked at when set. */
  readonly override: string | undefined;
  /** The package folder, holding build/ (a source checkout) and prebuilds/ (the published package). */
  readonly packageRoot: string;
  readonly platform: string;
  readonly arch: string;
  /**
   * The C library's glibc version on Linux ("2.36"); undefined for musl and other systems. Asked
   * only when a Linux prebuild is considered.
   */
  glibcVersion(): string | undefined;
  exists(path: string): boolean;
  /** The folder's entries, empty when it does not exist. */
  list(path: string): readonly string[];
  load(path: string): unknown;
}

/** Node.js 20 itself needs glibc 2.28; the Linux prebuilds are linked for the same floor. */
export const PREBUILD_GLIBC_FLOOR = "2.28";
const LOCAL_BUILD = ["build", "Release", "magma_wintun.node"] as const;

/**
 * The prebuild's file in `prebuilds/<platform>-<arch>/`, named with node-gyp-build's tags: `napi`
 * (one file for every Node.js version) and, on Linux, `glibc` (musl systems need their own build).
 */
export function prebuildFileName(platform: string): string {
  return platform === "linux" ? "magma_wintun.napi.glibc.node" : "magma_wintun.napi.node";
}

/**
 * Why the prebuild for this machine cannot be used, before trying to load it; undefined when it
 * should load.
 */
export function prebuildMismatch(host: AddonSearchHost): string | undefined {
  const folder = join(host.packageRoot, "prebuilds");
  const tuple = `${host.platform}-${host.arch}`;
  const file = join(folder, tuple, prebuildFileName(host.platform));
  if (!host.exists(file)) {
    const shipped = host.list(folder).filter((entry) => !entry.startsWith("."));
    return shipped.length === 0
      ? "this package has no prebuilds (a source checkout, or a package packed without them)"
      : `no prebuild for ${tuple}; the package has ${shipped.join(", ")}`;
  }
  if (host.platform === "linux") {
    const glibc = host.glibcVersion();
    if (glibc === undefined) {
      return "the Linux prebuilds are for glibc, and this system's C library is not glibc (musl?)";
    }
    if (compareVersions(glibc, PREBUILD_GLIBC_FLOOR) < 0) {
      return `the prebuild needs glibc ${PREBUILD_GLIBC_FLOOR} or later, this system has ${glibc}`;
    }
  }
  return undefined;
}

/** The prebuild's path for this machine (whether or not it exists). */
export function prebuildPath(host: AddonSearchHost): string {
  return join(
    host.packageRoot,
    "prebuilds",
    `${host.platform}-${host.arch}`,
    prebuildFileName(host.platform),
  );
}

/**
 * Loads the addon from the first place that gives one: `MAGMA_WINTUN_ADDON` when set (and then
 * nothing else, so a wrong override is never hidden by a fallback), else the local build
 * (build/Release, made by `pnpm build` in the repository or by the install script's fallback), else
 * the prebuild for this platform and architecture. Throws a WinTunError naming every place
 * looked at and why each gave nothing.
 */
export function searchAddon(host: AddonSearchHost): { addon: unknown; location: AddonLocation } {
  const attempts: AddonAttempt[] = [];
  const tryLoad = (source: AddonSource, path: string) => {
    try {
      return { addon: host.load(path), location: { path, source } };
    } catch (error) {
      attempts.push({ source, path, reason: `failed to load: ${describe(error)}`, error });
      return undefined;
    }
  };

  if (host.override !== undefined && host.override !== "") {
    const loaded = tryLoad("override", host.override);
    if (loaded) return loaded;
    throw addonNotFound(attempts, host);
  }

  const localBuild = join(host.packageRoot, ...LOCAL_BUILD);
  if (host.exists(localBuild)) {
    const loaded = tryLoad("local-build", localBuild);
    if (loaded) return loaded;
  } else {
    attempts.push({ source: "local-build", path: localBuild, reason: "not built" });
  }

  const prebuild = prebuildPath(host);
  const mismatch = prebuildMismatch(host);
  if (mismatch === undefined) {
    const loaded = tryLoad("prebuild", prebuild);
    if (loaded) return loaded;
  } else {
    attempts.push({ source: "prebuild", path: prebuild, reason: mismatch });
  }
  throw addonNotFound(attempts, host);
}

const SOURCE_LABELS: Readonly<Record<AddonSource, string>> = {
  override: "MAGMA_WINTUN_ADDON",
  "local-build": "local build",
  prebuild: "prebuild",
};

// ERROR_MOD_NOT_FOUND, the code Windows gives a module that cannot be loaded.
const ERROR_MOD_NOT_FOUND = 126;

function addonNotFound(attempts: readonly AddonAttempt[], host: AddonSearchHost): WinTunError {
  const lines = attempts.map((a) => `  ${SOURCE_LABELS[a.source]} ${a.path}: ${a.reason}`);
  const hint =
    host.override !== undefined && host.override !== ""
      ? "MAGMA_WINTUN_ADDON names the addon file to load: point it at a magma_wintun.node built for this platform, or unset it"
      : "build it for this machine with `npm rebuild @magma/wintun-native --foreground-scripts` (cmake-js; needs cmake and a C++ compiler), or in the repository with `pnpm --filter @magma/wintun-native build`";
  return new WinTunError(
    ERROR_MOD_NOT_FOUND,
    "require",
    `cannot load the @magma/wintun-native addon for ${host.platform}-${host.arch}; looked at:\n${lines.join("\n")}`,
    { hint, cause: attempts.findLast((a) => a.error !== undefined)?.error },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Compares dotted numeric versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
