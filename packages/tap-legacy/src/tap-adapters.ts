import { OptionError } from "@magma/transport";
import type { InternalNativeTapAdapterRecord } from "@magma/wintun-native";
import {
  checkAdapterName,
  checkGuid,
  checkLibraryOptions,
  guidOf,
  type TapLibraryOptions,
} from "./tap-arguments.js";
import { TapError, TapErrorCode } from "./tap-error.js";
import { callNative, loadTapLibrary } from "./tap-library.js";

/** GET_VERSION's answer (reference B.3): 9.27.0 for tap-windows6 9.27. */
export interface TapDriverVersion {
  readonly major: number;
  readonly minor: number;
  readonly debug: number;
}

/** One TAP-Windows adapter, as the registry lists it and as opening its device found it. */
export interface TapAdapterInfo {
  /** Its connection name (Connection\Name, reference B.1.4); "" if the registry has none. */
  readonly name: string;
  /** NetCfgInstanceId, "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}": the device is \\.\Global\{GUID}.tap. */
  readonly guid: string;
  /** "tap0901", or "root\tap0901" for one tapctl made (B.1.2), as the registry spells it. */
  readonly componentId: string;
  /** False for a phantom adapter: listed, but disabled or absent, so its device does not exist (B.1.5). */
  readonly present: boolean;
  /** True while another handle holds its device: tap0901 allows one open at a time (B.2). */
  readonly inUse: boolean;
  /** Why the device did not open (the phantom's, the held adapter's or any other reason). */
  readonly openError?: TapError;
  /** GET_VERSION, GET_MTU and GET_MAC, read when the device opened (B.3). */
  readonly driverVersion?: TapDriverVersion;
  readonly mtu?: number;
  /** "00:ff:12:34:56:78" */
  readonly mac?: string;
  /** The interface alias on Windows, the emulator's Linux interface on Linux. */
  readonly interfaceName?: string;
  /** The interface's NET_LUID (ConvertInterfaceGuidToLuid; on Linux made from the ifindex). */
  readonly luid?: bigint;
}

/**
 * The TAP-Windows adapters of this machine, found as OpenVPN finds them (reference B.1): the
 * network class key's instances whose ComponentId is exactly `tap0901` or `root\tap0901` (vendor
 * forks such as `tapnordvpn` are other drivers and are left out), each opened once to read its
 * driver version, MTU and MAC, or to learn why it cannot be opened. An adapter another program
 * holds is not disturbed; one nobody holds is opened and closed, which resets its media status
 * and TUN mode (B.7), as OpenVPN's own search does.
 */
export function listTapAdapters(options?: TapLibraryOptions): TapAdapterInfo[] {
  const libraryPath = checkLibraryOptions("listTapAdapters", options);
  const library = loadTapLibrary(libraryPath);
  return callNative(() => library.listAdapters()).map(adapterInfo);
}

/**
 * Makes a TAP adapter named `name`, as OpenVPN's tapctl does (hardware id `root\tap0901`), and
 * returns it as listTapAdapters() shows it. On Windows through SetupAPI: the best installed driver
 * for that id (tap-windows6; ERROR_NO_COMPAT_DRIVERS without one), registered and installed, its
 * NetCfgInstanceId awaited (up to 30 s, as tapctl waits), then named with netsh as tapctl names
 * it; an adapter that cannot be finished is removed again. It needs an elevated process, and blocks
 * the calling thread while Windows installs the device. SUCCESS_REBOOT_REQUIRED (3010) means the
 * adapter was made (its GUID is in the error's detail) but works only after a restart. On Linux
 * through tools/tap-windows-emu.
 */
export async function createTapAdapter(
  name: string,
  options?: TapLibraryOptions,
): Promise<TapAdapterInfo> {
  const checked = checkAdapterName("createTapAdapter", "name", name);
  const libraryPath = checkLibraryOptions("createTapAdapter", options);
  const library = loadTapLibrary(libraryPath);
  const existing = callNative(() => library.listAdapters());
  // Connection names are unique on Windows (Network Connections refuses a second one).
  if (existing.some((record) => record.name === checked)) {
    throw new TapError(TapErrorCode.DUP_NAME, "createTapAdapter", `"${checked}" exists already`);
  }
  const guid = callNative(() => library.createAdapter(checked, "root\\tap0901"));
  const made = callNative(() => library.listAdapters()).find((record) => record.guid === guid);
  // Removed again between the two calls (another caller of deleteTapAdapter): say so.
  if (made === undefined) {
    throw new TapError(TapErrorCode.NOT_FOUND, "createTapAdapter", `${guid} went away at once`);
  }
  return adapterInfo(made);
}

/**
 * Removes the TAP adapter with this GUID (braces and case optional), or else with this connection
 * name; text in a GUID's form is always taken as a GUID. ERROR_NOT_FOUND when no TAP adapter has
 * it: on Windows only a device whose ComponentId is tap0901 or root\tap0901 is removed (SetupAPI's
 * DIF_REMOVE, as tapctl delete does, elevated), never another adapter with that GUID, and
 * SUCCESS_REBOOT_REQUIRED (3010) says the removal finishes at the next restart. On Linux through
 * tools/tap-windows-emu.
 */
export async function deleteTapAdapter(
  nameOrGuid: string,
  options?: TapLibraryOptions,
): Promise<void> {
  const where = "deleteTapAdapter";
  if (typeof nameOrGuid !== "string") {
    throw new OptionError("INVALID_OPTION", where, "nameOrGuid", nameOrGuid, "a GUID or a name");
  }
  const asGuid = guidOf(nameOrGuid);
  const libraryPath = checkLibraryOptions(where, options);
  if (asGuid === undefined) checkAdapterName(where, "nameOrGuid", nameOrGuid);
  const library = loadTapLibrary(libraryPath);
  const guid =
    asGuid ??
    guidNamed(
      where,
      nameOrGuid,
      callNative(() => library.listAdapters()),
    );
  callNative(() => library.deleteAdapter(guid));
}

/**
 * Enables or disables a TAP adapter; a disabled one stays listed as a phantom (`present: false`).
 * On Windows SetupAPI's DIF_PROPERTYCHANGE (DICS_ENABLE / DICS_DISABLE in every hardware profile,
 * as tapctl's tap_enable_adapter), elevated, on TAP devices only (ERROR_NOT_FOUND for any other
 * GUID); SUCCESS_REBOOT_REQUIRED (3010) says it takes effect at the next restart. On Linux through
 * tools/tap-windows-emu, for tests of phantom adapters.
 */
export async function setTapAdapterEnabled(
  guid: string,
  enabled: boolean,
  options?: TapLibraryOptions,
): Promise<void> {
  const where = "setTapAdapterEnabled";
  const checked = checkGuid(where, "guid", guid);
  if (typeof enabled !== "boolean") {
    throw new OptionError("INVALID_OPTION", where, "enabled", enabled, "true or false");
  }
  const library = loadTapLibrary(checkLibraryOptions(where, options));
  callNative(() => library.setAdapterEnabled(checked, enabled));
}

export function guidNamed(
  where: string,
  name: string,
  records: readonly InternalNativeTapAdapterRecord[],
): string {
  const named = records.filter((record) => record.name === name);
  if (named.length === 0) {
    throw new TapError(TapErrorCode.NOT_FOUND, where, `no TAP adapter is named "${name}"`);
  }
  if (named.length > 1) {
    throw new TapError(
      TapErrorCode.DUP_NAME,
      where,
      `${named.length} TAP adapters are named "${name}"`,
    );
  }
  return (named[0] as InternalNativeTapAdapterRecord).guid;
}

export function adapterInfo(record: InternalNativeTapAdapterRecord): TapAdapterInfo {
  const code = record.openError ?? 0;
  return {
    name: record.name ?? "",
    guid: record.guid,
    componentId: record.componentId,
    present: code !== TapErrorCode.FILE_NOT_FOUND,
    inUse: code === TapErrorCode.GEN_FAILURE,
    ...(code === 0
      ? {}
      : { openError: new TapError(code, "CreateFileW", `\\\\.\\Global\\${record.guid}.tap`) }),
    ...(record.driverVersion === undefined ? {} : { driverVersion: { ...record.driverVersion } }),
    ...(record.mtu === undefined ? {} : { mtu: record.mtu }),
    ...(record.mac === undefined ? {} : { mac: record.mac }),
    ...(record.interfaceName === undefined ? {} : { interfaceName: record.interfaceName }),
    ...(record.luid === undefined ? {} : { luid: record.luid }),
  };
}
