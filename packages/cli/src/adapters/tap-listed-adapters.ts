import { listTapAdapters, type TapAdapterInfo, TapError, TapErrorCode } from "@magma/tap-legacy";
import type { ListedAdapter } from "./listed-adapter.js";

/** Why there is no TAP table to list from: no TAP code in this addon build, or no emulator. */
const NO_TAP_TABLE: ReadonlySet<number> = new Set([
  TapErrorCode.NOT_SUPPORTED,
  TapErrorCode.MOD_NOT_FOUND,
  TapErrorCode.PROC_NOT_FOUND,
]);

/** A TAP adapter as `magma adapters` lists it beside wintun's. */
export function listedTapAdapter(adapter: TapAdapterInfo): ListedAdapter {
  return {
    name: adapter.name,
    guid: adapter.guid,
    luid: adapter.luid ?? 0n,
    interfaceIndex: 0,
    interfaceName: adapter.interfaceName ?? "",
    backend: "tap",
    state: adapter.inUse ? "session" : "idle",
    // TAP adapters are made by installers and tapctl, not by a process whose exit leaves them over.
    creatorAlive: true,
    mtu: adapter.mtu,
    addresses: [],
  };
}

/**
 * The TAP-Windows adapters (listTapAdapters: the registry's tap0901 adapters, each probed unless
 * another program holds it); none where there is no TAP table to ask (a build without the TAP
 * code, or Linux without the emulator library, whose adapters live only in the process that made
 * them anyway).
 */
export function listTapAdaptersForListing(
  list: () => TapAdapterInfo[] = () => listTapAdapters(),
): ListedAdapter[] {
  try {
    return list().map(listedTapAdapter);
  } catch (error) {
    if (error instanceof TapError && NO_TAP_TABLE.has(error.code)) return [];
    throw error;
  }
}
