import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WINTUN_DLL_PINS, wintunDllPath } from "./index.cjs";

const pins = Object.values(WINTUN_DLL_PINS);

/** The Machine and Characteristics fields of a PE file's COFF header. */
function peHeader(bytes: Buffer): { machine: number; characteristics: number } {
  expect(bytes.toString("latin1", 0, 2)).toBe("MZ");
  const pe = bytes.readUInt32LE(0x3c); // e_lfanew
  expect(bytes.toString("latin1", pe, pe + 4)).toBe("PE\0\0");
  return { machine: bytes.readUInt16LE(pe + 4), characteristics: bytes.readUInt16LE(pe + 22) };
}

const IMAGE_FILE_DLL = 0x2000;

/** Runs osslsigncode, failing with a clear message when it is not installed. */
function osslsigncode(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("osslsigncode", args, { encoding: "utf8" });
  if (run.error !== undefined) {
    throw new Error(
      `osslsigncode could not run (${run.error.message}); tools/setup/install-deps.sh installs it`,
    );
  }
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

/**
 * `osslsigncode verify` without the network. Recent releases (2.9, from bookworm-backports) fetch
 * the certificates' CRLs online during verify and, when that fails, fail the timestamp check too;
 * their `-ignore-crl` turns the lookup off. Bookworm's own 2.5 never fetches and lacks the option.
 * Either way the signature, the page hashes, the chain to a trusted root at the signing time and
 * the timestamp countersignature are verified.
 */
const offlineOptions = osslsigncode(["--help"]).output.includes("-ignore-crl")
  ? ["-ignore-crl"]
  : [];

function verifySignature(file: string): { status: number | null; output: string } {
  return osslsigncode(["verify", ...offlineOptions, "-in", file]);
}

/** The Subject line of the first signer under "Signer's certificate:", as osslsigncode prints it. */
function signerSubject(output: string): string | undefined {
  const section = output.split("Signer's certificate:")[1];
  return section?.match(/Subject: (.*)/)?.[1]?.trim();
}

describe.each(pins)("the $wintunArch wintun.dll (process.arch $arch)", (pin) => {
  const file = wintunDllPath(pin.arch);

  it("is the pinned file: SHA-256 and size", () => {
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(pin.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(pin.sha256);
  });

  it("is a DLL built for its architecture (PE machine type)", () => {
    const { machine, characteristics } = peHeader(readFileSync(file));
    expect(machine).toBe(pin.peMachine);
    expect(characteristics & IMAGE_FILE_DLL).toBe(IMAGE_FILE_DLL);
  });

  it("carries WireGuard LLC's Authenticode signature, verified by osslsigncode", () => {
    const { status, output } = verifySignature(file);
    expect(output).toContain("Signature verification: ok");
    expect(output).toContain("Timestamp Server Signature verification: ok");
    expect(output).toMatch(/Number of verified signatures: 1\b/);
    expect(output).toMatch(/^Succeeded$/m);
    expect(output).not.toContain("MISMATCH");
    expect(signerSubject(output)).toMatch(/\/O=WireGuard LLC\/CN=WireGuard LLC$/);
    expect(status).toBe(0);
  });
});

describe("osslsigncode verify, on a DLL with one byte changed", () => {
  const scratch = mkdtempSync(join(tmpdir(), "magma-wintun-dll-tampered-"));
  const tampered = join(scratch, "wintun.dll");
  beforeAll(() => {
    const bytes = readFileSync(wintunDllPath("x64"));
    const at = 0x2000; // inside the first section's code, well past the headers
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(tampered, bytes);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("fails, so the signature check above would catch a modified DLL", () => {
    const { status, output } = verifySignature(tampered);
    expect(output).toContain("MISMATCH");
    expect(output).toContain("Signature verification: failed");
    expect(output).toMatch(/^Failed$/m);
    expect(output).not.toMatch(/^Succeeded$/m);
    expect(status).not.toBe(0);
  });
});
