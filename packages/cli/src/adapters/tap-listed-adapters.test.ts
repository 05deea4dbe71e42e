import { type TapAdapterInfo, TapError, TapErrorCode } from "@magma/tap-legacy";
import { describe, expect, it } from "vitest";
import { formatAdapters } from "../commands/adapters.js";
import { listedTapAdapter, listTapAdaptersForListing } from "./tap-listed-adapters.js";

const held: TapAdapterInfo = {
  name: "OpenVPN TAP",
  guid: "{6B7A2E8C-0F3D-4A51-9C1E-2D4B5A6F7081}",
  componentId: "root\\tap0901",
  present: true,
  inUse: true,
  openError: new TapError(TapErrorCode.GEN_FAILURE, "CreateFileW"),
  interfaceName: "OpenVPN TAP",
  luid: (6n << 48n) | (7n << 24n),
};
const free: TapAdapterInfo = {
  name: "Magma TAP",
  guid: "{0C1D2E3F-4A5B-4C6D-8E7F-8091A2B3C4D5}",
  componentId: "tap0901",
  present: true,
  inUse: false,
  driverVersion: { major: 9, minor: 27, debug: 0 },
  mtu: 1500,
  mac: "00:ff:0c:1d:2e:3f",
  interfaceName: "Magma TAP",
  luid: (6n << 48n) | (9n << 24n),
};

describe("TAP adapters in magma adapters", () => {
  it("lists each with backend tap, held ones as running a session", () => {
    expect(listedTapAdapter(held)).toMatchObject({
      name: "OpenVPN TAP",
      guid: held.guid,
      backend: "tap",
      state: "session",
      creatorAlive: true,
      interfaceName: "OpenVPN TAP",
    });
    expect(listedTapAdapter(free)).toMatchObject({ backend: "tap", state: "idle", mtu: 1500 });
    const table = formatAdapters(listTapAdaptersForListing(() => [held, free]));
    expect(table.split("\n")[1]).toMatch(/^OpenVPN TAP .* tap +session/);
    expect(table.split("\n")[2]).toMatch(/^Magma TAP .* tap +idle/);
  });

  it("lists none where there is no TAP table, and passes any other failure on", () => {
    for (const code of [TapErrorCode.NOT_SUPPORTED, TapErrorCode.MOD_NOT_FOUND]) {
      expect(
        listTapAdaptersForListing(() => {
          throw new TapError(code, "loadTapLibrary");
        }),
      ).toEqual([]);
    }
    expect(() =>
      listTapAdaptersForListing(() => {
        throw new TapError(TapErrorCode.ACCESS_DENIED, "RegOpenKeyExW");
      }),
    ).toThrow(TapError);
  });
});
