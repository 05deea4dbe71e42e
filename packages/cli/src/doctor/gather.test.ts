import { describe, expect, it } from "vitest";
import { effectiveCapabilities, ethtoolFeatures } from "./gather-linux.js";
import { offloadsFromJson } from "./gather-windows.js";

describe("effectiveCapabilities", () => {
  it("reads CapEff of /proc/self/status as a bit set", () => {
    const status =
      "Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t0000000000001000\nCapBnd:\t000001ffffffffff\n";
    expect(effectiveCapabilities(status)).toBe(1n << 12n);
  });

  it("is undefined without a CapEff line", () => {
    expect(effectiveCapabilities("Name:\tnode\n")).toBeUndefined();
  });
});

describe("ethtoolFeatures", () => {
  it("reads ethtool -k's features, fixed ones included", () => {
    const text = [
      "Features for eth0:",
      "rx-checksumming: on",
      "generic-receive-offload: on",
      "rx-udp-gro-forwarding: off",
      "tx-lockless: on [fixed]",
    ].join("\n");
    expect(ethtoolFeatures(text)).toEqual({
      "rx-checksumming": true,
      "generic-receive-offload": true,
      "rx-udp-gro-forwarding": false,
      "tx-lockless": true,
    });
  });
});

describe("offloadsFromJson", () => {
  it("reads Get-NetAdapterLso's JSON, one object or a list", () => {
    expect(offloadsFromJson('{"Name":"Ethernet","IPv4Enabled":true,"IPv6Enabled":false}')).toEqual([
      { adapter: "Ethernet", ipv4Enabled: true, ipv6Enabled: false },
    ]);
    expect(
      offloadsFromJson('[{"Name":"A","IPv4Enabled":false,"IPv6Enabled":true},{"Name":"B"}]'),
    ).toEqual([
      { adapter: "A", ipv4Enabled: false, ipv6Enabled: true },
      { adapter: "B", ipv4Enabled: false, ipv6Enabled: false },
    ]);
  });

  it("is empty when no adapter offers it (PowerShell prints nothing)", () => {
    expect(offloadsFromJson("\r\n")).toEqual([]);
  });
});
