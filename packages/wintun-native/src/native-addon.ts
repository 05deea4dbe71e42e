import { createRequire } from "node:module";
import type { IpConfigurationBinding } from "./configuration/native-ip-configuration.js";
import type { WinTunInterfaceStatistics } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

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
  close(): void;
  ref(): void;
  unref(): void;
}

export interface NativeAdapter {
  luid(): bigint;
  /** IfIndex (ConvertInterfaceLuidToIndex) on Windows, the ifindex on Linux. */
  interfaceIndex(): number;
  /** The interface alias (ConvertInterfaceLuidToAlias) on Windows, the interface name on Linux. */
  interfaceName(): string;
  /** GetIfEntry2 on Windows; IFLA_STATS64 plus the emulated driver's discards on Linux. */
  interfaceStatistics(): WinTunInterfaceStatistics;
  close(): void;
  startSession(
    capacity: number,
    slabs: readonly ArrayBuffer[],
    slotTable: Int32Array,
    deliveries: Int32Array,
    refill: Int32Array,
    config: NativeSessionConfig,
    onMessage: (kind: SessionMessage, value: number) => number,
  ): NativeSession;
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
  /** Adapter handles, sessions and receive threads open in this process right now. */
  liveResources(): { adapters: number; sessions: number; receiveThreads: number };
}

const ADDON_PATH = "../build/Release/magma_wintun.node";
let addon: NativeAddon | undefined;

/**
 * The compiled addon, loaded on first use. `MAGMA_WINTUN_ADDON` names another build of it (the
 * AddressSanitizer run uses this).
 */
export function nativeAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  const path = process.env.MAGMA_WINTUN_ADDON ?? ADDON_PATH;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    throw new WinTunError(
      126,
      "require",
      `cannot load the @magma/wintun-native addon from ${path}`,
      {
        hint: "build it with `pnpm --filter @magma/wintun-native build` (needs cmake and a C++ compiler)",
        cause: error,
      },
    );
  }
  return addon;
}
