import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AddonLocation, searchAddon } from "./addon-search.js";
import type { IpConfigurationBinding } from "./configuration/native-ip-configuration.js";
import type { NetworkAdapterRecord } from "./network-adapter-records.js";
import type { WinTunInterfaceStatistics } from "./wintun-adapter.js";

/** `adapter.startSession` tuning, passed to the receive thread (native/src/session/receive_pump.h). */
export interface NativeSessionConfig {
  readonly maxBatch: number;
  readonly batchBuffers: number;
  readonly spinMicroseconds: number;
  readonly smallSlotSize: number;
}

/** Message kinds the receive thread sends to JavaScript. */
export const SessionMessage = {
  Batch: 0,
  NeedSlots: 1,
  Ended: 2,
  GoOnLater: 3,
  SendRingEnded: 4,
} as const;
export type SessionMessage = (typeof SessionMessage)[keyof typeof SessionMessage];

export interface NativeSession {
  provideSlots(count: number): number;
  sendSlots(pairs: Int32Array, count: number): number;
  sendBuffers(buffers: readonly Uint8Array[], count: number): number;
  readStatistics(out: Float64Array): void;
  setInlineReceiveBudget(microseconds: number): void;
  goOnReceiving(): void;
  takeHeldSlots(out: Int32Array): number;
  takeInFlightBatches(out: Int32Array): number;
  /** Opens the send ring to worker threads; the id a `NativeSessionSender` takes. */
  shareSendRing(): number;
  /** Makes the worker steering (flows keyed by `key`); returns the id a `NativeSteeredWorker` takes. */
  steerToWorkers(key: Uint8Array, workers: number): number;
  /** From now on the receive thread hands each packet to the worker that owns its flow. */
  startSteering(): void;
  /**
   * Worker `worker`'s SharedSlotQueues (Uint8Arrays over their SharedArrayBuffers, or null for
   * none); takes back the slots its previous queues held and returns how many (lost with
   * `countLost`).
   */
  setWorkerQueues(
    worker: number,
    handOff: Uint8Array | null,
    handOffCapacity: number,
    returns: Uint8Array | null,
    returnsCapacity: number,
    countLost: boolean,
  ): number;
  /** A batch delivered before steerToWorkers: its packets go to their workers; returns how many. */
  steerBatch(batch: number): number;
  /** Per worker (handedOff, queueFull, lost) into `out`; returns the worker count. */
  readSteeringStatistics(out: Float64Array): number;
  /** After close, once the workers stopped: the slots still handed out, into `out`. */
  reclaimWorkerSlots(out: Int32Array): number;
  close(): void;
  ref(): void;
  unref(): void;
}

/** Whatever starts a native session: a wintun adapter, or an open TAP-Windows device. */
export interface NativeSessionSource {
  /**
   * For a wintun adapter: `capacity` is the ring's. A TAP device ignores it (its reads and writes
   * in flight are fixed: native/src/tap/tap_packet_ring.h) and owns no handle afterwards.
   */
  startSession(
    capacity: number,
    /** ArrayBuffers, or Uint8Arrays over a shared pool's SharedArrayBuffers. */
    slabs: readonly (ArrayBuffer | Uint8Array)[],
    slotTable: Int32Array,
    deliveries: Int32Array,
    refill: Int32Array,
    config: NativeSessionConfig,
    onMessage: (kind: SessionMessage, value: number) => number,
  ): NativeSession;
  /** The driver's count of packets it put in receive rings (wintun only; see WinTunSession). */
  interfaceStatistics?(): WinTunInterfaceStatistics;
}

export interface NativeAdapter extends NativeSessionSource {
  luid(): bigint;
  /** IfIndex (ConvertInterfaceLuidToIndex) on Windows, the ifindex on Linux. */
  interfaceIndex(): number;
  /** The interface alias (ConvertInterfaceLuidToAlias) on Windows, the interface name on Linux. */
  interfaceName(): string;
  /** GetIfEntry2 on Windows; IFLA_STATS64 plus the emulated driver's discards on Linux. */
  interfaceStatistics(): WinTunInterfaceStatistics;
  close(): void;
}

export interface NativeLibrary {
  createAdapter(name: string, tunnelType: string, guid: Uint8Array | null): Promise<NativeAdapter>;
  openAdapter(name: string): Promise<NativeAdapter>;
  runningDriverVersion(): number;
  deleteDriver(): void;
  setLogging(enabled: boolean): void;
}

export interface NativeAddon extends IpConfigurationBinding {
  loadLibrary(path: string): NativeLibrary;
  setLogSink(
    sink: (level: number, unixMilliseconds: number, message: string, dropped: number) => void,
  ): void;
  /** Adapter handles, sessions, receive threads and TAP devices open in this process right now. */
  liveResources(): {
    adapters: number;
    sessions: number;
    receiveThreads: number;
    tapDevices: number;
  };
  /** The network class's devices (native/src/netadapters); throws ERROR_NOT_SUPPORTED off Windows. */
  listNetworkAdapters(): NetworkAdapterRecord[];
  /**
   * Gives the named pipe at `path` a protected DACL of Administrators and SYSTEM only
   * (native/src/control/pipe_security.h); throws ERROR_NOT_SUPPORTED off Windows.
   */
  restrictPipeToAdministrators(path: string): void;
  /** The named pipe's DACL as SDDL, for tests; throws ERROR_NOT_SUPPORTED off Windows. */
  pipeSecurity(path: string): string;
  /**
   * The keyed flow hash of each packet of a batch (`packets` back to back, `lengths` theirs) and
   * the worker of `workers` that owns its flow (native/src/flow/flow_hash.h).
   */
  flowHashes(
    key: Uint8Array,
    packets: Uint8Array,
    lengths: Uint32Array,
    workers: number,
  ): { hashes: BigUint64Array; workers: Uint32Array };
  /** SipHash-2-4 of `data` under a 16-byte key (native/src/flow/siphash.h). */
  sipHash24(key: Uint8Array, data: Uint8Array): bigint;
  /**
   * The TAP-Windows table (native/src/tap); `path` is the emulator library on Linux, ignored on
   * Windows. Absent from builds without the TAP code (the published package's fallback build).
   */
  loadTapLibrary?: (path: string) => NativeTapLibrary;
  /** A worker thread's sender into a session's shared send ring (session_sender_binding.h). */
  NativeSessionSender: new (
    ringId: number,
    slabs: readonly (ArrayBuffer | Uint8Array)[],
    slotTable: Int32Array,
  ) => NativeSessionSender;
  /** A worker thread's wake-up from a session's steering (steered_worker_binding.h). */
  NativeSteeredWorker: new (
    steeringId: number,
    worker: number,
    onPackets: () => void,
  ) => NativeSteeredWorker;
}

/** One adapter the TAP-Windows registry lists (native/src/tap/tap_library_binding.cc). */
export interface NativeTapAdapterRecord {
  readonly guid: string;
  readonly componentId: string;
  /** Connection\\Name; null when the registry has none. */
  readonly name: string | null;
  /** CreateFileW's error when the device did not open (0 when it did); absent unprobed. */
  readonly openError?: number;
  readonly driverVersion?: {
    readonly major: number;
    readonly minor: number;
    readonly debug: number;
  };
  readonly mtu?: number;
  /** "00:ff:..." */
  readonly mac?: string;
  readonly luid?: bigint;
  readonly interfaceName?: string;
}

/** A TAP-Windows function table: the system's on Windows, tools/tap-windows-emu's on Linux. */
export interface NativeTapLibrary {
  /**
   * The registry's tap0901 adapters; each device is opened to read its version, MTU and MAC unless
   * `probe` is false (then `openError` is 0 and those are absent).
   */
  listAdapters(probe?: boolean): NativeTapAdapterRecord[];
  /** The new adapter's GUID; `componentId` null means tap0901. Linux (the emulator) only. */
  createAdapter(name: string, componentId: string | null): string;
  deleteAdapter(guid: string): void;
  setAdapterEnabled(guid: string, enabled: boolean): void;
  /** Test hook: opens the device and keeps it open, as another program holding it would. */
  holdDevice(guid: string): number;
  releaseDevice(id: number): void;
  /** Test hook (the emulator's; Linux): the version GET_VERSION reports from now on. */
  emulateDriverVersion(major: number, minor: number, debug: number): void;
  /** Test hook (Linux): reads on `guid` behave as if their buffers held `bytes` (0: off). */
  limitReadBuffers(guid: string, bytes: number): void;
  /**
   * Opens the device (B.2) and reads GET_VERSION (below 9.9 refused with ERROR_NOT_SUPPORTED),
   * GET_MTU and GET_MAC; throws the failing step's Win32 error (native/src/tap/tap_device_binding.h).
   */
  openDevice(guid: string): NativeTapDevice;
}

/** One open TAP-Windows device; a session started on it takes its handle. */
export interface NativeTapDevice extends NativeSessionSource {
  info(): {
    driverVersion: { major: number; minor: number; debug: number };
    mtu: number;
    mac: string;
  };
  /** CONFIG_TUN: addresses as 4 raw octets in network order. */
  configureTun(local: Uint8Array, network: Uint8Array, netmask: Uint8Array): void;
  setMediaStatus(connected: boolean): void;
  close(): void;
}

export interface NativeSteeredWorker {
  /**
   * While the session lends its ring to the workers: receives the next batch on this thread and
   * steers it; returns the packets steered, or -1 when the ring is not lent.
   */
  pull(): number;
  /** No more wake-ups; idempotent. */
  close(): void;
}

export interface NativeSessionSender {
  /** Packets sent, or -1 once the session has ended. */
  sendSlots(pairs: Int32Array, count: number): number;
  close(): void;
}

let loaded: { addon: NativeAddon; location: AddonLocation } | undefined;

/**
 * The compiled addon, loaded on first use from `MAGMA_WINTUN_ADDON` (another build of it, e.g. the
 * AddressSanitizer run's), else the local build, else the prebuild for this platform and
 * architecture (see searchAddon).
 */
export function nativeAddon(): NativeAddon {
  return loadAddon().addon;
}

/** The addon file in use, and whether it is the override, a local build or a prebuild. */
export function nativeAddonLocation(): AddonLocation {
  return loadAddon().location;
}

function loadAddon(): { addon: NativeAddon; location: AddonLocation } {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const found = searchAddon({
    override: process.env.MAGMA_WINTUN_ADDON,
    packageRoot: packageRoot(),
    platform: process.platform,
    arch: process.arch,
    glibcVersion,
    exists: existsSync,
    list: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
    load: (path) => require(path),
  });
  loaded = { addon: found.addon as NativeAddon, location: found.location };
  return loaded;
}

const PACKAGE_NAME = "@magma/wintun-native";

/**
 * This package's folder: the nearest one above this module whose package.json names it. Found by
 * name, not by a fixed "../", because the module sits at different depths in the source tree, the
 * ES module build and the CommonJS build.
 */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let folder = start; ; folder = dirname(folder)) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
      if (isRecord(manifest) && manifest.name === PACKAGE_NAME) return folder;
    } catch {
      // No package.json here, or not ours: keep walking up.
    }
    if (dirname(folder) === folder) return dirname(start);
  }
}

/** The running glibc's version, from Node's diagnostic report header; undefined off glibc. */
function glibcVersion(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const report: unknown = process.report?.getReport();
  if (!isRecord(report) || !isRecord(report.header)) return undefined;
  const version = report.header.glibcVersionRuntime;
  return typeof version === "string" ? version : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
