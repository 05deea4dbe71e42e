import { describe, expect, it } from "vitest";
import { TcpConfigurationError } from "./tcp-error.js";
import type { TcpReceiverOptions } from "./tcp-receiver-options.js";
import { TcpTransportReceiver } from "./tcp-transport-receiver.js";
import { MemoryTransmitter } from "./test-support/memory-transmitter.js";

function receiver(options?: TcpReceiverOptions, address = "198.18.0.2", maxPacketLength = 1500) {
  return new TcpTransportReceiver(
    { address, port: 80 },
    new MemoryTransmitter({ maxPacketLength }),
    () => {},
    options,
  );
}

function refused(make: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    make();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(TcpConfigurationError);
  expect((error as TcpConfigurationError).code).toBe("INVALID_ARGUMENT");
  expect((error as Error).message).toMatch(message);
}

describe("TcpTransportReceiver options and arguments", () => {
  it("takes the MTU from the transmitter's largest packet unless told", () => {
    expect(receiver(undefined, "198.18.0.2", 9000).options.mtu).toBe(9000);
    expect(receiver({ mtu: 1500 }, "198.18.0.2", 65535).options.mtu).toBe(1500);
    expect(receiver({ mtu: 576 }).options.mtu).toBe(576);
  });

  it("defaults to what the README says", () => {
    const options = receiver().options;
    expect(options).toMatchObject({
      transparent: false,
      congestionControl: "cubic",
      sack: true,
      timestamps: true,
      windowScaling: true,
      synCookies: true,
      receiveBufferSize: 1 << 20,
      sendBufferSize: 1 << 20,
      timeWaitMs: 60_000,
      delayedAckMs: 40,
      minRtoMs: 200,
    });
  });

  it("refuses impossible values with typed errors", () => {
    refused(() => receiver({ mtu: 575 }), /mtu must be an integer from 576 to 65535/);
    refused(() => receiver({ mtu: 1279 }, "fd6d:6167:6d61::2"), /from 1280 to 65535/);
    refused(() => receiver({ receiveBufferSize: 1.5 }), /receiveBufferSize/);
    refused(() => receiver({ delayedAckMs: 500 }), /delayedAckMs must be an integer from 0 to 499/);
    refused(
      () => receiver({ congestionControl: "bbr" as unknown as "cubic" }),
      /"cubic" or "newreno"/,
    );
    refused(() => receiver(undefined, "198.18.0"), /not an IPv4 or IPv6 address/);
    refused(
      () =>
        new TcpTransportReceiver(
          { address: "198.18.0.2", port: 70_000 },
          new MemoryTransmitter(),
          () => {},
        ),
      /endpoint.port must be an integer from 0 to 65535/,
    );
    refused(
      () =>
        new TcpTransportReceiver(
          { address: "198.18.0.2", port: 80 },
          new MemoryTransmitter(),
          {} as unknown as () => void,
        ),
      /the dispatcher must be a function/,
    );
  });
});
