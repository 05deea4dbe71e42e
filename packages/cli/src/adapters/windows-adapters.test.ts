import type { WinTunAdapterListing } from "@magma/wintun-native";
import { describe, expect, it } from "vitest";
import { formatAdapters } from "../commands/adapters.js";
import { adaptersFromWintunListing } from "./windows-adapters.js";

// listWintunAdapters()'s answers as Windows gives them, made up: the native listing itself is
// tested in @magma/wintun-native and, for real, under Wine (tools/wine-test).
function listing(fields: Partial<WinTunAdapterListing> = {}): WinTunAdapterListing {
  return {
    name: "Magma VPN",
    guid: "{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
    luid: 0x35000007000000n,
    interfaceIndex: 12,
    interfaceName: "Magma VPN",
    mtu: 1420,
    present: true,
    operStatus: "up",
    sessionRunning: true,
    addresses: ["198.18.150.1/24"],
    instanceId: "SWD\\WINTUN\\{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
    driverVersion: "0.14.0.0",
    ...fields,
  };
}

describe("adaptersFromWintunListing", () => {
  it("fills name, GUID, LUID, index, alias, state, MTU and addresses from what Windows tells", () => {
    expect(adaptersFromWintunListing([listing()])).toEqual([
      {
        name: "Magma VPN",
        guid: "{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
        luid: 0x35000007000000n,
        interfaceIndex: 12,
        interfaceName: "Magma VPN",
        backend: "wintun",
        state: "session",
        creatorAlive: true,
        mtu: 1420,
        addresses: ["198.18.150.1/24"],
      },
    ]);
  });

  it("reads idle without a session, and a device no longer present as a leftover", () => {
    const [idle, orphan] = adaptersFromWintunListing([
      listing({ name: "idle", sessionRunning: false }),
      listing({ name: "orphan", present: false, sessionRunning: false }),
    ]);
    expect(idle).toMatchObject({ state: "idle", creatorAlive: true });
    expect(orphan).toMatchObject({ state: "idle", creatorAlive: false });
  });

  it("keeps an adapter without interface, printed with '-' for index and interface", () => {
    const adapters = adaptersFromWintunListing([
      listing({
        name: "Disabled",
        interfaceIndex: undefined,
        interfaceName: undefined,
        mtu: undefined,
        operStatus: undefined,
        sessionRunning: false,
        addresses: [],
      }),
    ]);
    expect(adapters[0]).toMatchObject({ interfaceIndex: 0, interfaceName: "", mtu: undefined });
    const line = formatAdapters(adapters).split("\n")[1];
    expect(line).toMatch(/^Disabled\s+-\s+-\s+0x35000007000000\s+\{6BA1B9C2-/);
  });

  it("leaves out a device without wintun's name property, which wintun cannot open", () => {
    expect(adaptersFromWintunListing([listing({ name: undefined })])).toEqual([]);
  });
});
