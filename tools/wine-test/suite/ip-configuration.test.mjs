// Adapter IP configuration (IP Helper) in the Windows build. Wine 8's iphlpapi.dll does not
// export CreateUnicastIpAddressEntry, DeleteUnicastIpAddressEntry, CreateIpForwardEntry2,
// GetIpInterfaceEntry or SetIpInterfaceEntry: Wine still loads the addon, but a call to one of
// them ends the process. Only what is decided before any IP Helper call runs here; applying a
// configuration is tested on Linux through rtnetlink and needs a Windows machine for IP Helper.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IpConfigurationError, IpHelperError, WinTunAdapter } from "@magma/wintun-native";

const WINE_LACKS_IP_HELPER =
  "Wine's iphlpapi lacks CreateUnicastIpAddressEntry, CreateIpForwardEntry2 and SetIpInterfaceEntry";

describe("adapter IP configuration under Wine", () => {
  let adapter;
  before(async () => {
    adapter = await WinTunAdapter.create({ name: "wine-ipconfig-1" });
  });
  after(() => adapter?.close());

  it("refuses a network address as a host address before any IP Helper call", async () => {
    await assert.rejects(
      adapter.configure({ addresses: ["198.18.7.0/24"] }),
      (error) => error instanceof IpConfigurationError,
    );
  });

  // SetInterfaceDnsSettings is looked up when called (iphlpapi exports it from Windows 10 2004 on);
  // Wine 8's iphlpapi has no such export, so this runs the Windows code's answer for a system
  // without it, the addon and the process going on.
  it("answers DNS settings without SetInterfaceDnsSettings with IpHelperError ERROR_PROC_NOT_FOUND", async () => {
    await assert.rejects(
      adapter.configure({
        addresses: [],
        dns: { servers: ["198.18.7.53"], searchDomains: ["corp.example"] },
      }),
      (error) =>
        error instanceof IpHelperError &&
        error.code === 127 &&
        error.call === "SetInterfaceDnsSettings" &&
        /Windows 10 version 2004/.test(error.hint ?? ""),
    );
    // The adapter is still usable afterwards.
    await assert.rejects(
      adapter.configure({ addresses: ["198.18.7.0/24"] }),
      (error) => error instanceof IpConfigurationError,
    );
  });

  it("adds addresses, routes and the MTU, and removes them", {
    skip: WINE_LACKS_IP_HELPER,
  }, async () => {
    const applied = await adapter.configure({
      addresses: ["198.18.7.1/24", "fd6d:6167:6d61:7::1/64"],
      routes: [{ destination: "198.19.7.0/24" }],
      mtu: 1400,
    });
    assert.equal(applied.addresses.length, 2);
    assert.equal(applied.routes.length, 1);
    adapter.removeConfiguration(applied);
  });
});
