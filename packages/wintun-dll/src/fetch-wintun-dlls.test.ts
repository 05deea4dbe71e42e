import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  type DllSource,
  extractPinnedDlls,
  installWintunDlls,
  WINTUN_DLL_SOURCE,
} from "./fetch-wintun-dlls.mjs";
import { readTarEntries } from "./tar-entries.mjs";
import { WINTUN_DLL_PINS, type WintunDllPin } from "./wintun-dll-pins.cjs";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "magma-wintun-dll-fetch-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let tarballs = 0;
/** A gzipped tarball made by the system's tar from `files` (path inside the archive -> bytes). */
function makeTarball(files: Record<string, Uint8Array>, format = "ustar"): Buffer {
  const dir = join(scratch, `tree-${++tarballs}`);
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  const out = join(scratch, `archive-${tarballs}.tgz`);
  execFileSync("tar", [`--format=${format}`, "-czf", out, "-C", dir, ...Object.keys(files)]);
  return readFileSync(out);
}

const integrityOf = (bytes: Uint8Array) =>
  `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Stand-in DLL contents and the pins they match, for archives made in these tests. */
const fakeDlls = new Map(
  Object.values(WINTUN_DLL_PINS).map((real) => {
    const bytes = Buffer.from(`not really wintun for ${real.wintunArch}`);
    const pin: WintunDllPin = { ...real, sha256: sha256Of(bytes), size: bytes.length };
    return [pin, bytes] as const;
  }),
);
const fakePins = [...fakeDlls.keys()];

function sourceFor(tarball: Uint8Array): DllSource {
  return { ...WINTUN_DLL_SOURCE, spec: "stand-in@1.0.0", integrity: integrityOf(tarball) };
}

function archiveOfFakes(replace?: { arch: string; bytes: Uint8Array }): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { "package/README.md": Buffer.from("readme") };
  for (const [pin, bytes] of fakeDlls) {
    files[WINTUN_DLL_SOURCE.entries[pin.wintunArch]] =
      replace?.arch === pin.wintunArch ? replace.bytes : bytes;
  }
  return files;
}

describe("extractPinnedDlls", () => {
  it("takes every pinned DLL out of a tarball that matches its integrity", () => {
    const tarball = makeTarball(archiveOfFakes());
    const dlls = extractPinnedDlls(tarball, sourceFor(tarball), fakePins);
    expect(dlls.size).toBe(4);
    for (const [pin, bytes] of fakeDlls) expect(dlls.get(pin)).toEqual(bytes);
  });

  it("refuses a tarball whose sha512 differs from the pinned integrity", () => {
    const tarball = makeTarball(archiveOfFakes());
    const pinned = sourceFor(tarball);
    const changed = Buffer.from(tarball);
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 1;
    expect(() => extractPinnedDlls(changed, pinned, fakePins)).toThrow(
      expect.objectContaining({ name: "WintunDllError", code: "SOURCE_INTEGRITY_MISMATCH" }),
    );
  });

  it("refuses the whole set when one DLL differs from its SHA-256 pin", () => {
    const tarball = makeTarball(archiveOfFakes({ arch: "arm64", bytes: Buffer.from("evil") }));
    expect(() => extractPinnedDlls(tarball, sourceFor(tarball), fakePins)).toThrow(
      expect.objectContaining({
        code: "DLL_HASH_MISMATCH",
        message: expect.stringContaining("arm64"),
      }),
    );
  });

  it("refuses a DLL of the right hash prefix but another size", () => {
    const [pin, bytes] = [...fakeDlls][0]!;
    const longer = Buffer.concat([bytes, Buffer.from([0])]);
    const tarball = makeTarball(archiveOfFakes({ arch: pin.wintunArch, bytes: longer }));
    expect(() => extractPinnedDlls(tarball, sourceFor(tarball), fakePins)).toThrow(
      expect.objectContaining({ code: "DLL_HASH_MISMATCH" }),
    );
  });

  it("says which entry a tarball lacks", () => {
    const files = archiveOfFakes();
    delete files[WINTUN_DLL_SOURCE.entries.x86];
    const tarball = makeTarball(files);
    expect(() => extractPinnedDlls(tarball, sourceFor(tarball), fakePins)).toThrow(
      expect.objectContaining({
        code: "SOURCE_UNUSABLE",
        message: expect.stringContaining(WINTUN_DLL_SOURCE.entries.x86),
      }),
    );
  });

  it("pins the source package by an exact version and a sha512 integrity", () => {
    expect(WINTUN_DLL_SOURCE.spec).toMatch(/@\d+\.\d+\.\d+$/);
    expect(WINTUN_DLL_SOURCE.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});

describe("readTarEntries", () => {
  it("finds a file whose long name only a pax header carries", () => {
    const long = `package/${"deep/".repeat(30)}wintun.dll`;
    const tarball = makeTarball(
      { [long]: Buffer.from("long"), "package/a": Buffer.from("a") },
      "pax",
    );
    const entries = readTarEntries(gunzipSync(tarball), new Set([long, "package/a"]));
    expect(entries.get(long)?.toString()).toBe("long");
    expect(entries.get("package/a")?.toString()).toBe("a");
  });

  it("skips what was not asked for", () => {
    const tarball = makeTarball({ "package/a": Buffer.from("a"), "package/b": Buffer.from("b") });
    expect([...readTarEntries(gunzipSync(tarball), new Set(["package/b"])).keys()]).toEqual([
      "package/b",
    ]);
  });
});

describe("installWintunDlls", () => {
  const realDll = (pin: WintunDllPin) =>
    join(packageRoot, "wintun", "bin", pin.wintunArch, "wintun.dll");
  const copyRealDlls = (root: string) => {
    for (const pin of Object.values(WINTUN_DLL_PINS)) {
      mkdirSync(join(root, "wintun", "bin", pin.wintunArch), { recursive: true });
      cpSync(realDll(pin), join(root, "wintun", "bin", pin.wintunArch, "wintun.dll"));
    }
  };

  it("fetches nothing when the four pinned DLLs are in place", () => {
    const root = mkdtempSync(join(scratch, "in-place-"));
    copyRealDlls(root);
    const fetchTarball = () => {
      throw new Error("must not fetch");
    };
    expect(installWintunDlls(root, fetchTarball)).toBe("already-in-place");
  });

  it("fetches again when a DLL in place differs from its pin, and writes nothing from a bad tarball", () => {
    const root = mkdtempSync(join(scratch, "changed-"));
    copyRealDlls(root);
    const arm = join(root, "wintun", "bin", "arm", "wintun.dll");
    writeFileSync(arm, "changed");
    const asked: string[] = [];
    const fetchTarball = (spec: string) => {
      asked.push(spec);
      return makeTarball(archiveOfFakes()); // not the pinned tarball
    };
    expect(() => installWintunDlls(root, fetchTarball)).toThrow(
      expect.objectContaining({ code: "SOURCE_INTEGRITY_MISMATCH" }),
    );
    expect(asked).toEqual([WINTUN_DLL_SOURCE.spec]);
    expect(readFileSync(arm, "utf8")).toBe("changed");
  });

  it("writes no DLL at all into an empty package when the tarball is refused", () => {
    const root = mkdtempSync(join(scratch, "empty-"));
    expect(() => installWintunDlls(root, () => Buffer.from("not a tarball"))).toThrow(
      expect.objectContaining({ code: "SOURCE_INTEGRITY_MISMATCH" }),
    );
    expect(existsSync(join(root, "wintun"))).toBe(false);
  });
});
