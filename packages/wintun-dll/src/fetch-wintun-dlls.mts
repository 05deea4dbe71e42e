/**
 * The build step that puts the signed wintun.dll files into this package. They are not kept in
 * git: they are taken from an npm package that redistributes the unmodified wintun 0.14.1 DLLs,
 * whose tarball must match its pinned sha512 integrity, and each DLL is written only when its
 * SHA-256 and size match WINTUN_DLL_PINS. Nothing else is ever fetched or trusted.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { readTarEntries } from "./tar-entries.mjs";
import { WintunDllError } from "./wintun-dll-error.cjs";
import { WINTUN_DLL_PINS, type WintunDllPin } from "./wintun-dll-pins.cjs";

/** The npm package the DLLs come from, pinned by the integrity the registry publishes for it. */
export interface DllSource {
  /** An exact `name@version` for `npm pack`. */
  readonly spec: string;
  /** The registry's `dist.integrity` for that version. */
  readonly integrity: string;
  /** The path inside the tarball of each wintun architecture's DLL. */
  readonly entries: Readonly<Record<WintunDllPin["wintunArch"], string>>;
}

export const WINTUN_DLL_SOURCE: DllSource = {
  spec: "@xiaobaidadada/node-tuntap2-wintun@3.0.2",
  integrity:
    "sha512-EzqAupLNvlR2827VM7YfLFC0oOy6ThG5SKpEjMccr+OPBS+zyS8CzpIxKF07uFPSfaxef0IAHmMUikb1ajiHKA==",
  entries: {
    amd64: "package/wintun_dll/wintun-amd64.dll",
    arm64: "package/wintun_dll/wintun-arm64.dll",
    x86: "package/wintun_dll/wintun-x86.dll",
    arm: "package/wintun_dll/wintun-arm.dll",
  },
};

const PINS: readonly WintunDllPin[] = Object.values(WINTUN_DLL_PINS);

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Throws `DLL_HASH_MISMATCH` unless `bytes` is exactly the pinned DLL. */
export function checkPinnedDll(bytes: Uint8Array, pin: WintunDllPin, where: string): void {
  const sha256 = sha256Hex(bytes);
  if (bytes.length !== pin.size || sha256 !== pin.sha256) {
    throw new WintunDllError(
      "DLL_HASH_MISMATCH",
      `wintun.dll ${pin.wintunArch} from ${where}: ${bytes.length} bytes, sha256 ${sha256}; pinned ${pin.size} bytes, sha256 ${pin.sha256}`,
      { hint: "the source changed or was tampered with: do not use it" },
    );
  }
}

/** Throws `SOURCE_INTEGRITY_MISMATCH` unless the tarball matches an npm `sha512-<base64>` integrity. */
export function checkIntegrity(tarball: Uint8Array, integrity: string, spec: string): void {
  const actual = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
  if (actual !== integrity) {
    throw new WintunDllError(
      "SOURCE_INTEGRITY_MISMATCH",
      `npm tarball of ${spec} has integrity ${actual}; pinned ${integrity}`,
      { hint: "the registry served different bytes than the ones pinned: do not use them" },
    );
  }
}

/**
 * Checks a gzipped npm tarball against its pinned integrity and takes each pinned DLL out of it.
 * All-or-nothing: any mismatch throws before a DLL is returned.
 */
export function extractPinnedDlls(
  tarball: Uint8Array,
  source: DllSource = WINTUN_DLL_SOURCE,
  pins: readonly WintunDllPin[] = PINS,
): Map<WintunDllPin, Buffer> {
  checkIntegrity(tarball, source.integrity, source.spec);
  const wanted = new Set(pins.map((pin) => source.entries[pin.wintunArch]));
  const entries = readTarEntries(gunzipSync(tarball), wanted);
  const dlls = new Map<WintunDllPin, Buffer>();
  for (const pin of pins) {
    const entry = source.entries[pin.wintunArch];
    const bytes = entries.get(entry);
    if (bytes === undefined) {
      throw new WintunDllError("SOURCE_UNUSABLE", `${source.spec} has no ${entry}`);
    }
    checkPinnedDll(bytes, pin, `${source.spec}:${entry}`);
    dlls.set(pin, bytes);
  }
  return dlls;
}

/** True when `file` exists and is exactly the pinned DLL. */
export function isPinnedDllInPlace(file: string, pin: WintunDllPin): boolean {
  if (!existsSync(file)) return false;
  const bytes = readFileSync(file);
  return bytes.length === pin.size && sha256Hex(bytes) === pin.sha256;
}

/** Downloads the source tarball with the user's own npm (registry, proxy and cache settings). */
function npmPack(spec: string, destination: string): Buffer {
  let output: string;
  try {
    // npm packs into its working directory, so no path (which may hold spaces) goes through the
    // Windows shell that npm.cmd needs. --loglevel=error: under pnpm, npm would warn about every
    // pnpm-only npm_config_* variable it inherits.
    output = execFileSync("npm", ["pack", spec, "--json", "--ignore-scripts", "--loglevel=error"], {
      cwd: destination,
      encoding: "utf8",
      shell: process.platform === "win32",
    });
  } catch (cause) {
    throw new WintunDllError("SOURCE_UNUSABLE", `npm pack ${spec} failed`, {
      hint: "the npm registry must be reachable to build @magma/wintun-dll",
      cause,
    });
  }
  const [packed] = JSON.parse(output) as [{ filename: string }?];
  if (packed === undefined) {
    throw new WintunDllError("SOURCE_UNUSABLE", `npm pack ${spec} packed nothing`);
  }
  return readFileSync(join(destination, packed.filename));
}

/**
 * Makes `<packageRoot>/wintun/bin/<arch>/wintun.dll` the pinned DLL for every architecture.
 * Fetches only when one is missing or differs; returns what it did.
 */
export function installWintunDlls(
  packageRoot: string,
  fetchTarball: (spec: string, destination: string) => Buffer = npmPack,
): "already-in-place" | "fetched" {
  const target = (pin: WintunDllPin) =>
    join(packageRoot, "wintun", "bin", pin.wintunArch, "wintun.dll");
  if (PINS.every((pin) => isPinnedDllInPlace(target(pin), pin))) return "already-in-place";

  const scratch = mkdtempSync(join(tmpdir(), "magma-wintun-dll-"));
  try {
    const dlls = extractPinnedDlls(fetchTarball(WINTUN_DLL_SOURCE.spec, scratch));
    for (const [pin, bytes] of dlls) {
      const file = target(pin);
      mkdirSync(dirname(file), { recursive: true });
      // Written beside and renamed, so a build stopped half-way never leaves a truncated DLL.
      writeFileSync(`${file}.partial`, bytes);
      renameSync(`${file}.partial`, file);
    }
    return "fetched";
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
  const outcome = installWintunDlls(packageRoot);
  console.log(
    outcome === "fetched"
      ? `wintun.dll ${PINS.map((pin) => pin.wintunArch).join(", ")}: taken from ${WINTUN_DLL_SOURCE.spec}, each matching its SHA-256 pin`
      : "wintun.dll: all four already in place and matching their SHA-256 pins",
  );
}
