/** The wintun release whose signed DLLs this package carries. */
export const WINTUN_VERSION = "0.14.1";

/** The Node.js architectures (`process.arch`) that have a wintun.dll. */
export type WintunDllArch = "x64" | "arm64" | "ia32" | "arm";

/** One signed wintun.dll, as WireGuard LLC published it in wintun-0.14.1.zip. */
export interface WintunDllPin {
  /** `process.arch` of the processes that load it. */
  readonly arch: WintunDllArch;
  /** wintun's own name for the architecture: its folder in the release archive and in this package. */
  readonly wintunArch: "amd64" | "arm64" | "x86" | "arm";
  /** The PE header's Machine field: IMAGE_FILE_MACHINE_AMD64, ARM64, I386 or ARMNT. */
  readonly peMachine: number;
  /** Lowercase hex SHA-256 of the whole file. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * The four DLLs by SHA-256 and size. A DLL is copied into this package only when it matches its
 * pin, and a tool can compare a loaded wintun.dll against it.
 */
export const WINTUN_DLL_PINS: Readonly<Record<WintunDllArch, WintunDllPin>> = Object.freeze({
  x64: Object.freeze({
    arch: "x64",
    wintunArch: "amd64",
    peMachine: 0x8664,
    sha256: "e5da8447dc2c320edc0fc52fa01885c103de8c118481f683643cacc3220dafce",
    size: 427_552,
  }),
  arm64: Object.freeze({
    arch: "arm64",
    wintunArch: "arm64",
    peMachine: 0xaa64,
    sha256: "f7ba89005544be9d85231a9e0d5f23b2d15b3311667e2dad0debd344918a3f80",
    size: 222_488,
  }),
  ia32: Object.freeze({
    arch: "ia32",
    wintunArch: "x86",
    peMachine: 0x014c,
    sha256: "d694fa46ab4cfebcb2632d094c7aa97278eef2f8052438621766d863ae98a931",
    size: 550_928,
  }),
  arm: Object.freeze({
    arch: "arm",
    wintunArch: "arm",
    peMachine: 0x01c4,
    sha256: "daad267411ecdc70a0535e274d2c3e9da3d0084bdac7662cb8424dd4a031b4d9",
    size: 364_552,
  }),
} satisfies Record<WintunDllArch, WintunDllPin>);

/** True for the architectures this package has a DLL for. */
export function isWintunDllArch(arch: string): arch is WintunDllArch {
  return Object.hasOwn(WINTUN_DLL_PINS, arch);
}
