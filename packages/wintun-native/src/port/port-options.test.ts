import { type IPacketReceiver, OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { WinTunError } from "../wintun-error.js";
import { WinTunPort, type WinTunPortOptions } from "./win-tun-port.js";

const receiver: IPacketReceiver = { tryConsume: (input) => input, flushPendingAcks: () => {} };
const valid: WinTunPortOptions<IPacketReceiver> = {
  adapterName: "mgw-po",
  packetReceiverFactory: () => receiver,
};

async function refusal(options: unknown): Promise<OptionError> {
  const error = await WinTunPort.create(options as WinTunPortOptions<IPacketReceiver>).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OptionError);
  return error as OptionError;
}

// Every check runs before the adapter is opened: none of these touches the driver.
describe("WinTunPort.create refuses bad options up front", () => {
  it.each([
    ["adapterName", 42, "a string"],
    ["adapterName", undefined, "a string"],
    ["tunnelType", 1, "a string"],
    ["guid", {}, "a string"],
    ["libraryPath", false, "a string"],
    ["packetReceiverFactory", "receiver", "a function"],
    ["packetReceiverFactory", undefined, "a function"],
    ["pool", {}, "a PacketMemoryPool"],
  ])("%s = %s", async (option, value, allowed) => {
    const error = await refusal({ ...valid, [option]: value });
    expect(error).toMatchObject({
      code: "INVALID_OPTION",
      where: "WinTunPort.create",
      option,
      value,
      allowed,
    });
  });

  it("names session options by their place", async () => {
    for (const [name, value] of [
      ["maxBatch", 0],
      ["batchesInFlight", 65],
      ["spinMicroseconds", -1],
      ["inlineReceiveMicroseconds", 0.5],
      ["receiveSlots", "all"],
      ["receiveLargeSlots", 1e9],
    ] as const) {
      const error = await refusal({ ...valid, session: { [name]: value } });
      expect(error.option).toBe(`session.${name}`);
      expect(error.value).toBe(value);
    }
  });

  it("refuses unknown options, at the top and inside session", async () => {
    expect(await refusal({ ...valid, adaptername: "x" })).toMatchObject({
      code: "UNKNOWN_OPTION",
      option: "adaptername",
    });
    // capacity and pool belong at the top, not inside session.
    expect(await refusal({ ...valid, session: { capacity: 0x20000 } })).toMatchObject({
      code: "UNKNOWN_OPTION",
      option: "capacity",
    });
    expect(await refusal({ ...valid, session: 3 })).toMatchObject({ option: "session" });
    expect(await refusal(undefined)).toMatchObject({ option: "options" });
  });

  it("keeps the driver's error for a ring capacity it would refuse", async () => {
    const error = await WinTunPort.create({ ...valid, capacity: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WinTunError);
    expect((error as WinTunError).code).toBe(87);
  });

  it("left nothing behind", () => {
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
  });
});
