import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { archName, BinaryFormatError, binaryArchitecture } from "./binary-architecture.js";
import { readHeader } from "./gather-library.js";

/** An ELF header: magic, class, byte order, then e_machine at byte 18. */
function elfHeader(machine: number, littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, littleEndian ? 1 : 2]);
  new DataView(bytes.buffer).setUint16(18, machine, littleEndian);
  return bytes;
}

/** A PE file's start: "MZ", e_lfanew at 0x3c, "PE\0\0" there, then Machine. */
function peHeader(machine: number): Uint8Array {
  const peOffset = 0x80;
  const bytes = new Uint8Array(512);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x5a]);
  view.setUint32(0x3c, peOffset, true);
  bytes.set([0x50, 0x45, 0, 0], peOffset);
  view.setUint16(peOffset + 4, machine, true);
  return bytes;
}

describe("binaryArchitecture", () => {
  it.each([
    [0x3e, "x64"],
    [0xb7, "arm64"],
    [0x03, "ia32"],
    [0x28, "arm"],
  ])("reads ELF e_machine 0x%s as %s", (machine, arch) => {
    expect(binaryArchitecture(elfHeader(machine))).toEqual({ format: "ELF", machine, arch });
  });

  it("reads a big-endian ELF's e_machine in its byte order", () => {
    expect(binaryArchitecture(elfHeader(0xb7, false)).arch).toBe("arm64");
  });

  it.each([
    [0x8664, "x64"],
    [0xaa64, "arm64"],
    [0x014c, "ia32"],
    [0x01c4, "arm"],
  ])("reads PE Machine 0x%s as %s", (machine, arch) => {
    expect(binaryArchitecture(peHeader(machine))).toEqual({ format: "PE", machine, arch });
  });

  it("keeps the number of a machine wintun does not ship for, without a name", () => {
    expect(binaryArchitecture(peHeader(0x5064))).toEqual({
      format: "PE",
      machine: 0x5064,
      arch: undefined,
    });
    expect(archName(undefined, 0x5064)).toBe("an unknown machine (0x5064)");
  });

  it("refuses what is neither ELF nor PE, a stub without PE signature, and a header cut short", () => {
    expect(() => binaryArchitecture(new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toThrow(
      BinaryFormatError,
    );
    const noSignature = peHeader(0x8664);
    noSignature.set([0, 0, 0, 0], 0x80);
    expect(() => binaryArchitecture(noSignature)).toThrow(/no PE signature/);
    const farHeader = peHeader(0x8664);
    new DataView(farHeader.buffer).setUint32(0x3c, 4000, true);
    expect(() => binaryArchitecture(farHeader)).toThrow(/beyond the bytes read/);
  });

  it("names architectures as people know them", () => {
    expect(archName("ia32")).toBe("x86 (32-bit)");
    expect(archName("x64")).toBe("x64 (64-bit x86, amd64)");
    expect(archName("arm")).toBe("ARM (32-bit)");
  });
});

describe("the real wintun libraries", () => {
  const require = createRequire(import.meta.url);
  const dllRoot = join(dirname(require.resolve("@magma/wintun-dll/package.json")), "wintun", "bin");

  it.each([
    ["amd64", "x64"],
    ["arm64", "arm64"],
    ["x86", "ia32"],
    ["arm", "arm"],
  ])("wintun.dll of bin/%s is a PE for %s", async (folder, arch) => {
    const found = binaryArchitecture(await readHeader(join(dllRoot, folder, "wintun.dll")));
    expect(found.format).toBe("PE");
    expect(found.arch).toBe(arch);
  });

  it.runIf(process.platform === "linux")(
    "the emulator's libwintun.so is an ELF for this process",
    async () => {
      const library = join(
        dirname(require.resolve("@magma/wintun-emu/package.json")),
        "build",
        "libwintun.so",
      );
      const found = binaryArchitecture(await readHeader(library));
      expect(found).toMatchObject({ format: "ELF", arch: process.arch });
    },
  );
});
