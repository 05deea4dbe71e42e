import { describe, expect, it } from "vitest";
import { nativeAddon } from "./native-addon.js";
import type { NativeInterfaceRow, NetworkAdapterRecord } from "./network-adapter-records.js";
import {
  listWintunAdapters,
  listWintunAdaptersFrom,
  wintunAdaptersFrom,
} from "./wintun-adapter-list.js";
import { WinTunError } from "./wintun-error.js";

// Records shaped as native/src/netadapters reports them on Windows: a wintun 0.14 adapter is a
// software device "SWD\WINTUN\{GUID}" with hardware ID "Wintun" and wintun's name property, whose
// class key holds NetCfgInstanceId (the same GUID), NetLuidIndex and *IfType 53.
function row(fields: Partial<NativeInterfaceRow> = {}): NativeInterfaceRow {
  return {
    luid: (53n << 48n) | (7n << 24n),
    index: 12,
    alias: "Magma VPN",
    mtu: 1420,
    operStatus: 1,
    mediaConnectState: 1,
    addresses: [
      { family: 4, bytes: Uint8Array.of(198, 18, 150, 1), prefixLength: 24 },
      {
        family: 6,
        bytes: Uint8Array.of(0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        prefixLength: 64,
      },
    ],
    ...fields,
  };
}

function record(fields: Partial<NetworkAdapterRecord> = {}): NetworkAdapterRecord {
  return {
    instanceId: "SWD\\WINTUN\\{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
    hardwareIds: ["Wintun"],
    present: true,
    wintunName: "Magma VPN",
    classKeyRead: true,
    componentId: "wintun",
    netCfgInstanceId: "{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
    driverVersion: "0.14.0.0",
    driverDescription: "Magma Tunnel",
    netLuidIndex: 7,
    ifType: 53,
    interface: row(),
    interfaceStatus: 0,
    ...fields,
  };
}

describe("wintunAdaptersFrom", () => {
  it("maps a wintun device and its interface: name, GUID, LUID, index, alias, MTU, state, addresses", () => {
    expect(wintunAdaptersFrom([record()])).toEqual([
      {
        name: "Magma VPN",
        guid: "{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
        luid: 0x35000007000000n,
        interfaceIndex: 12,
        interfaceName: "Magma VPN",
        mtu: 1420,
        present: true,
        operStatus: "up",
        sessionRunning: true,
        addresses: ["198.18.150.1/24", "fd6d:6167:6d61::1/64"],
        instanceId: "SWD\\WINTUN\\{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
        driverVersion: "0.14.0.0",
      },
    ]);
  });

  it("reads no session while the media is disconnected, and names every IF_OPER_STATUS", () => {
    const idle = record({ interface: row({ mediaConnectState: 2, operStatus: 7 }) });
    expect(wintunAdaptersFrom([idle])[0]).toMatchObject({
      sessionRunning: false,
      operStatus: "lowerLayerDown",
    });
    const odd = record({ interface: row({ operStatus: 99 }) });
    expect(wintunAdaptersFrom([odd])[0]?.operStatus).toBe("unknown");
  });

  it("keeps a device without interface, with the LUID its class key gives (as WintunGetAdapterLUID builds it)", () => {
    const phantom = record({ present: false, interface: undefined, interfaceStatus: 2 });
    expect(wintunAdaptersFrom([phantom])[0]).toMatchObject({
      present: false,
      luid: (53n << 48n) | (7n << 24n),
      interfaceIndex: undefined,
      interfaceName: undefined,
      operStatus: undefined,
      sessionRunning: false,
      addresses: [],
    });
    const unread = record({
      classKeyRead: false,
      interface: undefined,
      netLuidIndex: undefined,
      ifType: undefined,
    });
    expect(wintunAdaptersFrom([unread])[0]?.luid).toBeUndefined();
  });

  it("picks wintun devices by hardware ID or ComponentId, ignoring case, and leaves the others out", () => {
    const physical = record({
      instanceId: "PCI\\VEN_8086&DEV_15BB",
      hardwareIds: ["PCI\\VEN_8086&DEV_15BB"],
      wintunName: undefined,
      componentId: "pci\\ven_8086&dev_15bb",
    });
    const tap = record({
      instanceId: "ROOT\\NET\\0000",
      hardwareIds: ["root\\tap0901"],
      wintunName: undefined,
      componentId: "tap0901",
    });
    const upper = record({ hardwareIds: ["WINTUN"], componentId: undefined, wintunName: "B" });
    const byComponent = record({ hardwareIds: [], componentId: "Wintun", wintunName: "A" });
    const names = wintunAdaptersFrom([physical, tap, upper, byComponent]).map((a) => a.name);
    expect(names).toEqual(["A", "B"]);
  });

  it("lists present adapters before phantoms, each group by name", () => {
    const adapters = wintunAdaptersFrom([
      record({ wintunName: "zeta" }),
      record({ wintunName: "gone", present: false }),
      record({ wintunName: "alpha" }),
    ]);
    expect(adapters.map((a) => [a.name, a.present])).toEqual([
      ["alpha", true],
      ["zeta", true],
      ["gone", false],
    ]);
  });
});

describe("listWintunAdapters on Windows, the addon faked", () => {
  it("lists what the addon's enumeration returns", () => {
    const adapters = listWintunAdaptersFrom({ platform: "win32", list: () => [record()] });
    expect(adapters.map((adapter) => adapter.name)).toEqual(["Magma VPN"]);
  });

  it("turns a failed enumeration into a WinTunError with the Win32 name and the failing call", () => {
    const source = {
      platform: "win32" as const,
      list: () => {
        throw Object.assign(new Error("SetupDiGetClassDevsExW failed with Win32 error 5"), {
          win32Code: 5,
          call: "SetupDiGetClassDevsExW",
          detail: "",
        });
      },
    };
    expect(() => listWintunAdaptersFrom(source)).toThrow(
      expect.objectContaining({
        name: "WinTunError",
        code: 5,
        symbol: "ERROR_ACCESS_DENIED",
        call: "SetupDiGetClassDevsExW",
      }),
    );
  });
});

describe.skipIf(process.platform === "win32")("listWintunAdapters off Windows", () => {
  it("throws WinTunError ERROR_NOT_SUPPORTED with a hint for Linux", () => {
    expect(() => listWintunAdapters()).toThrow(WinTunError);
    expect(() => listWintunAdapters()).toThrow(
      expect.objectContaining({
        code: 50,
        symbol: "ERROR_NOT_SUPPORTED",
        call: "listWintunAdapters",
        hint: expect.stringMatching(/magma adapters/),
      }),
    );
  });

  it("the addon's own listing answers ERROR_NOT_SUPPORTED there too", () => {
    expect(() => nativeAddon().listNetworkAdapters()).toThrow(
      expect.objectContaining({ win32Code: 50, call: "listNetworkAdapters" }),
    );
  });
});
