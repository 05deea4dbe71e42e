import { listWintunAdapters, type WinTunAdapterListing } from "@magma/wintun-native";
import type { ListedAdapter } from "./listed-adapter.js";

/**
 * The wintun adapters Windows has (listWintunAdapters: the network class's devices with hardware
 * ID "Wintun", their class keys and interfaces), as `magma adapters` lists them. A device without
 * wintun's name property is left out: wintun cannot open it by name (made before 0.14).
 *
 * A wintun 0.14 adapter is a software device that Windows removes when the handle that created it
 * closes, also when its process exits; one that is no longer present is what wintun calls an
 * orphan (api/adapter.c, AdapterCleanupOrphanedDevices): its creator is gone. An adapter without
 * an interface (disabled) shows index 0 and no interface name.
 */
export function adaptersFromWintunListing(
  listings: readonly WinTunAdapterListing[],
): ListedAdapter[] {
  return listings.flatMap((listing): ListedAdapter[] =>
    listing.name === undefined
      ? []
      : [
          {
            name: listing.name,
            guid: listing.guid,
            luid: listing.luid ?? 0n,
            interfaceIndex: listing.interfaceIndex ?? 0,
            interfaceName: listing.interfaceName ?? "",
            backend: "wintun",
            // wintun.sys reports the media connected while a session has its rings registered.
            state: listing.sessionRunning ? "session" : "idle",
            creatorAlive: listing.present,
            mtu: listing.mtu,
            addresses: listing.addresses,
          },
        ],
  );
}

/** The wintun adapters of this machine, with leftovers (needs no elevation). */
export async function listWindowsAdapters(): Promise<ListedAdapter[]> {
  return adaptersFromWintunListing(listWintunAdapters());
}
