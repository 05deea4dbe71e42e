import {
  formatUnicastAddress,
  luidOf,
  type NetworkAdapterRecord,
  type NetworkAdapterSource,
  readNetworkAdapterRecords,
} from "./network-adapter-records.js";

/** IF_OPER_STATUS (ifdef.h), by value. */
const OPER_STATUS = [
  undefined,
  "up",
  "down",
  "testing",
  "unknown",
  "dormant",
  "notPresent",
  "lowerLayerDown",
] as const;

export type WinTunOperStatus = Exclude<(typeof OPER_STATUS)[number], undefined>;

/** NET_IF_MEDIA_CONNECT_STATE's MediaConnectStateConnected. */
const MEDIA_CONNECTED = 1;

/** A wintun adapter that Windows has, as `listWintunAdapters` reports it. */
export interface WinTunAdapterListing {
  /**
   * The name the adapter was created with (wintun's name property), which `WinTunAdapter.open`
   * matches ignoring case. Undefined for a device without it, which wintun cannot open (one made
   * by wintun before 0.14).
   */
  readonly name: string | undefined;
  /** The interface GUID (NetCfgInstanceId), "{...}". */
  readonly guid: string | undefined;
  /** The interface's LUID, else the one wintun would report (NetLuidIndex and *IfType). */
  readonly luid: bigint | undefined;
  readonly interfaceIndex: number | undefined;
  /** The interface alias, the name Windows shows (Get-NetAdapter's Name). */
  readonly interfaceName: string | undefined;
  readonly mtu: number | undefined;
  /** False for a phantom: the device is gone (its creator closed it or exited) but still listed. */
  readonly present: boolean;
  /** The interface's IF_OPER_STATUS; undefined without an interface. */
  readonly operStatus: WinTunOperStatus | undefined;
  /**
   * Whether a session runs on it: wintun.sys reports the media connected while a session has its
   * rings registered, and disconnected otherwise.
   */
  readonly sessionRunning: boolean;
  /** Unicast addresses with prefix length: "198.18.0.1/24". */
  readonly addresses: readonly string[];
  /** The device instance ID ("SWD\WINTUN\{...}"). */
  readonly instanceId: string;
  /** The driver's version as the class key holds it ("0.14.0.0"). */
  readonly driverVersion: string | undefined;
}

/** wintun's hardware ID: its IsOurHardwareID (api/adapter.c) compares it ignoring case. */
const WINTUN_HARDWARE_ID = "wintun";

/** Whether a network device is a wintun adapter: its hardware IDs or ComponentId name wintun. */
export function isWintunDevice(record: NetworkAdapterRecord): boolean {
  return (
    record.hardwareIds.some((id) => id.toLowerCase() === WINTUN_HARDWARE_ID) ||
    record.componentId?.toLowerCase() === WINTUN_HARDWARE_ID
  );
}

/** The wintun adapters among the network class's devices, present ones first, then by name. */
export function wintunAdaptersFrom(
  records: readonly NetworkAdapterRecord[],
): WinTunAdapterListing[] {
  return records
    .filter(isWintunDevice)
    .map((record): WinTunAdapterListing => {
      const row = record.interface;
      const classLuid =
        record.netLuidIndex !== undefined && record.ifType !== undefined
          ? luidOf(record.netLuidIndex, record.ifType)
          : undefined;
      return {
        name: record.wintunName,
        guid: record.netCfgInstanceId,
        luid: row?.luid ?? classLuid,
        interfaceIndex: row?.index,
        interfaceName: row?.alias,
        mtu: row?.mtu,
        present: record.present,
        operStatus: row === undefined ? undefined : (OPER_STATUS[row.operStatus] ?? "unknown"),
        sessionRunning: row?.mediaConnectState === MEDIA_CONNECTED,
        addresses: (row?.addresses ?? []).map(formatUnicastAddress),
        instanceId: record.instanceId,
        driverVersion: record.driverVersion,
      };
    })
    .sort(
      (a, b) => Number(b.present) - Number(a.present) || (a.name ?? "").localeCompare(b.name ?? ""),
    );
}

/**
 * The wintun adapters Windows has, with their interfaces: wintun 0.14 has no call that lists
 * them (WintunEnumAdapters was removed), so they are read as wintun itself finds them, the network
 * class's devices with hardware ID "Wintun". Windows only: elsewhere a WinTunError with
 * ERROR_NOT_SUPPORTED (on Linux the emulator's adapters are network interfaces). Needs no
 * elevation and no wintun.dll.
 */
export function listWintunAdapters(): WinTunAdapterListing[] {
  return listWintunAdaptersFrom();
}

/** listWintunAdapters with its source given: the tests' fakes of the platform and the addon. */
export function listWintunAdaptersFrom(source?: NetworkAdapterSource): WinTunAdapterListing[] {
  return wintunAdaptersFrom(readNetworkAdapterRecords("listWintunAdapters", source));
}
