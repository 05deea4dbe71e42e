import type { NetworkAdapterRecord } from "@magma/wintun-native";
import { describe, expect, it } from "vitest";
import { isTapWindowsDevice, tapAdaptersFrom } from "./tap-adapters.js";

function record(overrides: Partial<NetworkAdapterRecord>): NetworkAdapterRecord {
  return {
    instanceId: "ROOT\\NET\\0000",
    hardwareIds: ["root\\tap0901"],
    present: true,
    wintunName: undefined,
    classKeyRead: true,
    componentId: "root\\tap0901",
    netCfgInstanceId: "{0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}",
    driverVersion: "9.24.2.601",
    driverDescription: "TAP-Windows Adapter V9",
    netLuidIndex: 3,
    ifType: 53,
    interface: {
      luid: 0x35000003000000n,
      index: 17,
      alias: "OpenVPN TAP-Windows6",
      mtu: 1500,
      operStatus: 2,
      mediaConnectState: 2,
      addresses: [],
    },
    interfaceStatus: 0,
    ...overrides,
  };
}

describe("TAP-Windows adapters among the network class's devices", () => {
  it("are the devices whose ComponentId is tap0901 or root\\tap0901, ignoring case, and no fork", () => {
    expect(isTapWindowsDevice(record({ componentId: "tap0901" }))).toBe(true);
    expect(isTapWindowsDevice(record({ componentId: "ROOT\\TAP0901" }))).toBe(true);
    for (const other of ["tapnordvpn", "tap0901x", "wintun", undefined]) {
      expect(isTapWindowsDevice(record({ componentId: other }))).toBe(false);
    }
  });

  it("are named by their interface, else the driver, and say whether they can be opened", () => {
    expect(
      tapAdaptersFrom([
        record({}),
        record({ present: false, interface: undefined, interfaceStatus: 1168 }),
        record({ componentId: "wintun" }),
        record({
          interface: {
            ...(record({}).interface as NonNullable<NetworkAdapterRecord["interface"]>),
            mediaConnectState: 1,
          },
        }),
      ]),
    ).toEqual([
      {
        name: "OpenVPN TAP-Windows6",
        guid: "{0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}",
        driverVersion: "9.24.2.601",
        present: true,
        hasInterface: true,
        mediaConnected: false,
        inUse: undefined,
      },
      expect.objectContaining({
        name: "TAP-Windows Adapter V9",
        present: false,
        hasInterface: false,
      }),
      expect.objectContaining({ mediaConnected: true }),
    ]);
  });

  it("say which another program holds, by GUID in any case, and nothing of an adapter not probed", () => {
    const guid = "{0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}";
    const [held] = tapAdaptersFrom([record({})], {
      listed: new Set([guid]),
      held: new Set([guid]),
    });
    expect(held?.inUse).toBe(true);
    const lower = record({ netCfgInstanceId: guid.toLowerCase() });
    expect(tapAdaptersFrom([lower], { listed: new Set([guid]), held: new Set() })[0]?.inUse).toBe(
      false,
    );
    expect(tapAdaptersFrom([record({})], { listed: new Set(), held: new Set() })[0]?.inUse).toBe(
      undefined,
    );
  });
});
