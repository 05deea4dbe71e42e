import type { NetworkAdapterRecord } from "@magma/wintun-native";

/** A TAP-Windows adapter as the doctor judges it, from the network class's device list. */
export interface TapAdapterFact {
  /** The name Windows shows (the interface alias), else the driver's description. */
  readonly name: string;
  readonly guid: string | undefined;
  /** The driver's version as the class key holds it ("9.24.2.601"). */
  readonly driverVersion: string | undefined;
  /** False for a phantom: listed in the class key, but its device is absent or disabled. */
  readonly present: boolean;
  /** Whether Windows has an interface for it (none for a disabled adapter). */
  readonly hasInterface: boolean;
  /** The media state: tap0901 reports it connected once a program set it (SET_MEDIA_STATUS 1). */
  readonly mediaConnected: boolean;
  /**
   * Whether another program holds its device (opening it fails with ERROR_GEN_FAILURE: tap0901
   * allows one open at a time), from `@magma/tap-legacy`'s listing; undefined when that listing
   * could not be made or does not know the adapter.
   */
  readonly inUse: boolean | undefined;
}

/**
 * TAP-Windows' component IDs, compared exactly, ignoring case, as OpenVPN's get_tap_reg does:
 * vendors' renamed forks (tapnordvpn, …) are other drivers, not ours.
 */
const TAP_COMPONENT_IDS = new Set(["tap0901", "root\\tap0901"]);

/** NET_IF_MEDIA_CONNECT_STATE's MediaConnectStateConnected. */
const MEDIA_CONNECTED = 1;

export function isTapWindowsDevice(record: NetworkAdapterRecord): boolean {
  return TAP_COMPONENT_IDS.has(record.componentId?.toLowerCase() ?? "");
}

/**
 * The TAP-Windows adapters among the network class's devices; `heldGuids` (NetCfgInstanceIds,
 * from an open of each device) says which another program holds, when it could be learned.
 */
export function tapAdaptersFrom(
  records: readonly NetworkAdapterRecord[],
  held?: { readonly listed: ReadonlySet<string>; readonly held: ReadonlySet<string> },
): TapAdapterFact[] {
  return records.filter(isTapWindowsDevice).map((record) => {
    const guid = record.netCfgInstanceId?.toUpperCase();
    const known = guid !== undefined && held?.listed.has(guid) === true;
    return {
      name: record.interface?.alias ?? record.driverDescription ?? record.instanceId,
      guid: record.netCfgInstanceId,
      driverVersion: record.driverVersion,
      present: record.present,
      hasInterface: record.interface !== undefined,
      mediaConnected: record.interface?.mediaConnectState === MEDIA_CONNECTED,
      inUse: known ? held?.held.has(guid) === true : undefined,
    };
  });
}
