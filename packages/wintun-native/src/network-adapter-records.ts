import { formatAddress } from "./configuration/ip-prefix.js";
import { nativeAddon } from "./native-addon.js";
import { Win32Error } from "./win32-error-names.js";
import { translateNativeError, WinTunError } from "./wintun-error.js";

/** A unicast address of an interface, as IP Helper's MIB_UNICASTIPADDRESS_ROW holds it. */
export interface NativeUnicastAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

/** The interface IP Helper has for an adapter's GUID (ConvertInterfaceGuidToLuid, GetIfEntry2). */
export interface NativeInterfaceRow {
  readonly luid: bigint;
  readonly index: number;
  /** The name Network Connections and Get-NetAdapter show. */
  readonly alias: string;
  readonly mtu: number;
  /** IF_OPER_STATUS (ifdef.h): 1 up, 2 down, 3 testing, 4 unknown, 5 dormant, 6 not present, 7 lower layer down. */
  readonly operStatus: number;
  /** NET_IF_MEDIA_CONNECT_STATE (ifdef.h): 0 unknown, 1 connected, 2 disconnected. */
  readonly mediaConnectState: number;
  readonly addresses: readonly NativeUnicastAddress[];
}

/**
 * One device of Windows' network setup class ({4D36E972-E325-11CE-BFC1-08002BE10318}), as
 * native/src/netadapters lists it: the device, the values of its key under the class's registry
 * key, and its interface. Every backend picks its own adapters from this one list: wintun by its
 * hardware ID "Wintun", TAP-Windows by ComponentId tap0901.
 */
export interface NetworkAdapterRecord {
  /** The device instance ID: "SWD\WINTUN\{...}" for a wintun 0.14 adapter. */
  readonly instanceId: string;
  /** SPDRP_HARDWAREID. */
  readonly hardwareIds: readonly string[];
  /** Whether the device exists now; an absent one is a phantom left in the device list. */
  readonly present: boolean;
  /** wintun's name property (DEVPKEY_Wintun_Name), what WintunOpenAdapter matches. */
  readonly wintunName: string | undefined;
  /** False when the device's class key could not be opened; the next five are then undefined. */
  readonly classKeyRead: boolean;
  readonly componentId: string | undefined;
  /** The interface GUID, "{...}" as the registry holds it. */
  readonly netCfgInstanceId: string | undefined;
  readonly driverVersion: string | undefined;
  readonly driverDescription: string | undefined;
  /** NetLuidIndex and *IfType, of which wintun builds the adapter's LUID. */
  readonly netLuidIndex: number | undefined;
  readonly ifType: number | undefined;
  /** Undefined when IP Helper has no interface for the GUID (a phantom, a disabled adapter). */
  readonly interface: NativeInterfaceRow | undefined;
  /** The Win32 code of the lookup that found no interface; 0 when it found one. */
  readonly interfaceStatus: number;
}

/** Where the records come from: the platform, and the addon's listing (tests fake them). */
export interface NetworkAdapterSource {
  readonly platform: NodeJS.Platform;
  readonly list: () => NetworkAdapterRecord[];
}

const ADDON_SOURCE: NetworkAdapterSource = {
  get platform() {
    return process.platform;
  },
  list: () => nativeAddon().listNetworkAdapters(),
};

/**
 * The devices of Windows' network class, read through the addon; `call` names the API function
 * in errors. Windows only: elsewhere a WinTunError with ERROR_NOT_SUPPORTED (50), without loading
 * the addon. A failed enumeration is a WinTunError with the Win32 code and the failing call.
 */
export function readNetworkAdapterRecords(
  call: string,
  source: NetworkAdapterSource = ADDON_SOURCE,
): NetworkAdapterRecord[] {
  if (source.platform !== "win32") {
    throw new WinTunError(
      Win32Error.NOT_SUPPORTED,
      call,
      `${call} is supported on Windows only, not on ${source.platform}`,
      {
        hint: "on Linux, the emulator's adapters are network interfaces: list them with `magma adapters` or `ip -d link`",
      },
    );
  }
  try {
    return source.list();
  } catch (error) {
    throw translateNativeError(error);
  }
}

/** "198.18.0.1/24", "fd6d:6167:6d61::1/64". */
export function formatUnicastAddress(address: NativeUnicastAddress): string {
  return `${formatAddress(address.bytes)}/${address.prefixLength}`;
}

/** The LUID wintun reports for an adapter: (IfType << 48) | (NetLuidIndex << 24). */
export function luidOf(netLuidIndex: number, ifType: number): bigint {
  return (BigInt(ifType) << 48n) | (BigInt(netLuidIndex) << 24n);
}

/**
 * Every device of Windows' network class, with its class key values and interface: the list each
 * backend picks its adapters from (wintun by hardware ID, TAP-Windows by ComponentId tap0901),
 * and `magma doctor` its checks. Windows only: elsewhere a WinTunError ERROR_NOT_SUPPORTED.
 */
export function listNetworkAdapters(): NetworkAdapterRecord[] {
  return readNetworkAdapterRecords("listNetworkAdapters");
}
