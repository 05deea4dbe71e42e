import type { WinTunDriverVersion, WinTunLibrarySearch } from "@magma/wintun-native";
import type { ListedAdapter } from "../adapters/listed-adapter.js";
import type { TapAdapterFact } from "../adapters/tap-adapters.js";
import type { BinaryArchitecture } from "./binary-architecture.js";

/**
 * What the doctor gathers before it judges anything. Every check is a pure function of these
 * facts, so that each is tested with its inputs made up; the gathering (gather-linux.ts,
 * gather-windows.ts) is kept thin and apart.
 */

/** A probe that could not be made, and why: the check says it could not tell. */
export interface ProbeFailure {
  readonly error: string;
}

export interface RuntimeFacts {
  /** process.version: "v20.19.0". */
  readonly nodeVersion: string;
  /** process.arch. */
  readonly arch: string;
  readonly platform: "linux" | "win32";
}

/** The wintun library: where it was looked for, what loaded, its architecture and driver. */
export interface LibraryFacts {
  readonly search: WinTunLibrarySearch;
  /** The loaded file's path ("" for Windows' own search), or the load's failure. */
  readonly load:
    | { readonly loaded: true; readonly path: string }
    | {
        readonly loaded: false;
        readonly code: string;
        readonly message: string;
        readonly hint: string | undefined;
      };
  /** The header of the file the search chose; undefined when there is no file to read. */
  readonly binary: BinaryArchitecture | ProbeFailure | undefined;
  /** The path of the file whose header was read. */
  readonly binaryPath: string | undefined;
  /** The running driver's version; undefined when none runs; a failure to ask. */
  readonly driver: WinTunDriverVersion | undefined | ProbeFailure;
}

/** The interface that carries the default route, and its offload features (`ethtool -k`). */
export interface UplinkFacts {
  readonly interfaceName: string;
  /** Feature name to whether it is on; a feature the driver lacks is absent. */
  readonly features: Readonly<Record<string, boolean>>;
}

export interface LinuxFacts {
  readonly runtime: RuntimeFacts;
  /** process.getuid(). */
  readonly uid: number;
  /** The effective capabilities (CapEff of /proc/self/status); undefined when unreadable. */
  readonly capEff: bigint | undefined;
  /** /dev/net/tun: whether it exists, and the error code of opening it (undefined: it opened). */
  readonly tun: { readonly present: boolean; readonly openError: string | undefined };
  readonly library: LibraryFacts;
  /** The adapters of this network namespace (with leftovers), or why they could not be listed. */
  readonly adapters: readonly ListedAdapter[] | ProbeFailure;
  /** `--adapter NAME`: the adapter the user asks about. */
  readonly requestedAdapter: string | undefined;
  /** net.core.rmem_max and wmem_max, in bytes; undefined when unreadable. */
  readonly socketBuffers: {
    readonly rmemMax: number | undefined;
    readonly wmemMax: number | undefined;
  };
  /** The default route's interface; undefined when there is no default route. */
  readonly uplink: UplinkFacts | undefined | ProbeFailure;
  /** Whether systemd-resolved is on the system bus, which adapter DNS settings need on Linux. */
  readonly resolvedRuns: boolean;
}

/** A physical adapter's Large Send Offload (Get-NetAdapterLso). */
export interface WindowsOffload {
  readonly adapter: string;
  readonly ipv4Enabled: boolean;
  readonly ipv6Enabled: boolean;
}

export interface WindowsFacts {
  readonly runtime: RuntimeFacts;
  /** Whether the process runs elevated (as Administrator); undefined when it could not tell. */
  readonly administrator: boolean | undefined;
  /** os.release(): "10.0.19045" (major.minor.build). */
  readonly windowsRelease: string;
  readonly library: LibraryFacts;
  /** The wintun adapters of this machine (with leftovers), or why they could not be listed. */
  readonly adapters: readonly ListedAdapter[] | ProbeFailure;
  /** The TAP-Windows (tap0901) adapters, or why they could not be listed. */
  readonly tapAdapters: readonly TapAdapterFact[] | ProbeFailure;
  /** `--adapter NAME`: the adapter the user asks about. */
  readonly requestedAdapter: string | undefined;
  /** The physical adapters' Large Send Offload, or why it could not be read. */
  readonly offloads: readonly WindowsOffload[] | ProbeFailure;
}

export function isProbeFailure(value: unknown): value is ProbeFailure {
  return typeof value === "object" && value !== null && "error" in value;
}
