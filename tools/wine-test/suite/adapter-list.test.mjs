// listWintunAdapters() on the Windows build: the addon enumerates the network class's devices
// with SetupAPI, reads each one's class key and looks its NetCfgInstanceId up in IP Helper
// (GUID -> LUID -> GetIfEntry2), all against Wine's real registry and IP Helper.
//
// What stands for Windows here: the stand-in wintun.dll registers each adapter it creates as
// wintun does on Windows 10 (loopback/device_registration.cc): a device "SWD\Wintun\{GUID}" of
// the network class with hardware ID "Wintun", wintun's name property, and a class key holding
// NetCfgInstanceId, NetLuidIndex and *IfType. Wine can make no network interface, so that
// NetCfgInstanceId is the GUID of the interface whose LUID the adapter reports (Wine's loopback)
// instead of one of its own: the listing has only the GUID to go by, and finding the same LUID,
// index and alias as WinTunAdapter's own lookups by LUID shows the GUID -> LUID -> row path.
// With WINTUN_LOOPBACK_NO_INTERFACE=1 the key names the requested GUID, which no interface has,
// as for a disabled adapter on Windows. Not testable here: a phantom (not present) device, since
// Wine's SetupAPI counts every registered device as present, and the session state, since Wine's
// loopback reports its media connected whatever the stand-in does.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { listWintunAdapters, WinTunAdapter } from "@magma/wintun-native";

const GUID = "7d3f9a10-5b2c-4e8d-9f61-0a1b2c3d4e5f";

function listed(name) {
  return listWintunAdapters().filter((adapter) => adapter.name === name);
}

describe("listWintunAdapters under Wine", () => {
  afterEach(() => {
    delete process.env.WINTUN_LOOPBACK_NO_INTERFACE;
  });

  it("lists a created adapter by its wintun name, with the interface its class key's GUID leads to", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-list-1", tunnelType: "Magma" });
    try {
      const found = listed("wine-list-1");
      assert.equal(found.length, 1);
      const [entry] = found;
      assert.match(
        entry.guid,
        /^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/,
      );
      assert.equal(entry.luid, adapter.luid);
      assert.equal(entry.interfaceIndex, adapter.interfaceIndex);
      assert.equal(entry.interfaceName, adapter.interfaceName);
      assert.ok(Number.isInteger(entry.mtu) && entry.mtu > 0, `mtu ${entry.mtu}`);
      assert.equal(entry.present, true);
      assert.equal(typeof entry.operStatus, "string");
      assert.ok(Array.isArray(entry.addresses));
      assert.match(entry.instanceId, /^SWD\\WINTUN\\\{/i);
      assert.equal(entry.driverVersion, "0.14.1.0");
    } finally {
      adapter.close();
    }
    assert.deepEqual(listed("wine-list-1"), [], "closing the creating handle removes the device");
  });

  it("takes the requested GUID as the device's instance ID, as wintun does", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-list-2", guid: GUID });
    try {
      const [entry] = listed("wine-list-2");
      assert.equal(entry?.instanceId.toUpperCase(), `SWD\\WINTUN\\{${GUID.toUpperCase()}}`);
    } finally {
      adapter.close();
    }
  });

  it("reports an adapter whose class key names a GUID no interface has without interface, with the LUID of its class key", async () => {
    process.env.WINTUN_LOOPBACK_NO_INTERFACE = "1";
    const adapter = await WinTunAdapter.create({ name: "wine-list-3", guid: GUID });
    try {
      const [entry] = listed("wine-list-3");
      assert.ok(entry !== undefined, "listed");
      assert.equal(entry.guid.toLowerCase(), `{${GUID}}`);
      assert.equal(entry.interfaceIndex, undefined);
      assert.equal(entry.interfaceName, undefined);
      assert.equal(entry.operStatus, undefined);
      assert.equal(entry.sessionRunning, false);
      assert.deepEqual(entry.addresses, []);
      // NetLuidIndex and *IfType, of which WintunGetAdapterLUID builds the LUID.
      assert.equal(entry.luid, adapter.luid);
    } finally {
      adapter.close();
    }
  });

  it("lists several adapters at once, each under its own name", async () => {
    const first = await WinTunAdapter.create({ name: "wine-list-4a" });
    const second = await WinTunAdapter.create({ name: "wine-list-4b" });
    try {
      const names = listWintunAdapters()
        .map((adapter) => adapter.name)
        .filter((name) => name?.startsWith("wine-list-4"));
      assert.deepEqual(names, ["wine-list-4a", "wine-list-4b"]);
    } finally {
      second.close();
      first.close();
    }
  });
});
