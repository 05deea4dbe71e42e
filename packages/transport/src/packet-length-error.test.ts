import { describe, expect, it } from "vitest";
import { MagmaError } from "./magma-error.js";
import { checkMinLength, PacketLengthError } from "./packet-length-error.js";

function errorOf(minLength: unknown, maxPacketLength: number): PacketLengthError | undefined {
  try {
    checkMinLength(minLength as number, maxPacketLength);
  } catch (error) {
    expect(error).toBeInstanceOf(PacketLengthError);
    return error as PacketLengthError;
  }
  return undefined;
}

describe("checkMinLength", () => {
  it("accepts every whole number of bytes from 0 to maxPacketLength", () => {
    for (const minLength of [0, 1, 1500, 2048, 2049, 9000, 65535]) {
      expect(errorOf(minLength, 65535)).toBeUndefined();
    }
  });

  it("calls a length above maxPacketLength PACKET_TOO_LARGE, with a hint", () => {
    const error = errorOf(65536, 65535);
    expect(error).toBeInstanceOf(MagmaError);
    expect(error?.code).toBe("PACKET_TOO_LARGE");
    expect(error?.name).toBe("PacketLengthError");
    expect(error?.hint).toMatch(/maxPacketLength/);
    expect(error?.message).toMatch(/65536 bytes.*at most 65535/);
    expect(errorOf(2049, 2048)?.code).toBe("PACKET_TOO_LARGE");
  });

  it("calls anything but an integer from 0 INVALID_LENGTH", () => {
    for (const minLength of [-1, 0.5, 9000.25, Number.NaN, Infinity, -Infinity, "9000", null]) {
      const error = errorOf(minLength, 65535);
      expect(error?.code).toBe("INVALID_LENGTH");
      expect(error?.hint).toBeDefined();
    }
  });
});
