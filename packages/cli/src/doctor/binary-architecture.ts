/**
 * The machine a library file was built for, from its header: the ELF `e_machine` field of a
 * libwintun.so, the PE/COFF `Machine` field of a wintun.dll. A library of another architecture
 * than the process's cannot load (ERROR_BAD_EXE_FORMAT); naming both tells a person which file
 * to replace. Only the few bytes of the header are read.
 */

/** Node's names (process.arch) for the architectures wintun ships for. */
export type LibraryArch = "x64" | "ia32" | "arm64" | "arm";

export interface BinaryArchitecture {
  readonly format: "ELF" | "PE";
  /** The raw machine number: ELF e_machine or PE Machine. */
  readonly machine: number;
  /** Node's name for it, or undefined for a machine wintun does not ship for. */
  readonly arch: LibraryArch | undefined;
}

/** How far into the file the header must be read: a PE's e_lfanew is small in practice. */
export const HEADER_BYTES = 4096;

// ELF: e_machine values from the System V ABI processor supplements.
const ELF_MACHINES: ReadonlyMap<number, LibraryArch> = new Map([
  [0x03, "ia32"], // EM_386
  [0x28, "arm"], // EM_ARM
  [0x3e, "x64"], // EM_X86_64
  [0xb7, "arm64"], // EM_AARCH64
]);

// PE: IMAGE_FILE_MACHINE_* values from the PE format specification.
const PE_MACHINES: ReadonlyMap<number, LibraryArch> = new Map([
  [0x014c, "ia32"], // I386
  [0x01c0, "arm"], // ARM
  [0x01c4, "arm"], // ARMNT (Thumb-2), what wintun's arm DLL is
  [0x8664, "x64"], // AMD64
  [0xaa64, "arm64"], // ARM64
]);

/** Why a header could not be read, for the doctor's report. */
export class BinaryFormatError extends Error {
  override readonly name = "BinaryFormatError";
}

/**
 * The architecture of the ELF or PE file whose first bytes are `header` (HEADER_BYTES is enough
 * for any file a linker made). Throws BinaryFormatError for anything else.
 */
export function binaryArchitecture(header: Uint8Array): BinaryArchitecture {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length >= 20 && view.getUint32(0, false) === 0x7f454c46) {
    // EI_DATA (byte 5) says the byte order of every multi-byte field; e_machine is at 18.
    const littleEndian = header[5] === 1;
    const machine = view.getUint16(18, littleEndian);
    return { format: "ELF", machine, arch: ELF_MACHINES.get(machine) };
  }
  if (header.length >= 64 && header[0] === 0x4d && header[1] === 0x5a) {
    // "MZ": the DOS stub's e_lfanew (offset 0x3c) points at "PE\0\0", then Machine.
    const peOffset = view.getUint32(0x3c, true);
    if (peOffset + 6 > header.length) {
      throw new BinaryFormatError(`its PE header (at byte ${peOffset}) is beyond the bytes read`);
    }
    if (view.getUint32(peOffset, false) !== 0x50450000) {
      throw new BinaryFormatError("it has an MZ stub but no PE signature");
    }
    const machine = view.getUint16(peOffset + 4, true);
    return { format: "PE", machine, arch: PE_MACHINES.get(machine) };
  }
  throw new BinaryFormatError("it is neither an ELF nor a PE file");
}

const ARCH_NAMES: Readonly<Record<LibraryArch, string>> = {
  x64: "x64 (64-bit x86, amd64)",
  ia32: "x86 (32-bit)",
  arm64: "ARM64",
  arm: "ARM (32-bit)",
};

/** The architecture as a person reads it: "x86 (32-bit)", "ARM64"; a raw number otherwise. */
export function archName(arch: string | undefined, machine?: number): string {
  if (arch !== undefined && arch in ARCH_NAMES) return ARCH_NAMES[arch as LibraryArch];
  if (arch !== undefined) return arch;
  return `an unknown machine (0x${(machine ?? 0).toString(16)})`;
}
