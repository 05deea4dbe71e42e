import { MagmaError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { TapError, TapErrorCode } from "./tap-error.js";

describe("TapError", () => {
  it("carries the code, its name, the call and a hint with the real reason (B.6.1)", () => {
    const held = new TapError(TapErrorCode.GEN_FAILURE, "CreateFileW");
    expect(held).toBeInstanceOf(MagmaError);
    expect(held.name).toBe("TapError");
    expect(held.symbol).toBe("ERROR_GEN_FAILURE");
    expect(held.message).toMatch(/^CreateFileW failed with ERROR_GEN_FAILURE \(31\)/);
    expect(held.hint).toMatch(/one open at a time/);
    expect(new TapError(2, "CreateFileW").hint).toMatch(/phantom/);
    expect(new TapError(1, "DeviceIoControl").symbol).toBe("ERROR_INVALID_FUNCTION");
  });

  it("turns the addon's errors into TapErrors and leaves others alone", () => {
    const native = Object.assign(new Error("x"), {
      win32Code: 1168,
      call: "TapEmuDeleteAdapter",
      detail: "",
    });
    const converted = TapError.fromNative(native);
    expect(converted).toBeInstanceOf(TapError);
    expect(converted).toMatchObject({ code: 1168, call: "TapEmuDeleteAdapter", cause: native });
    const other = new TypeError("y");
    expect(TapError.fromNative(other)).toBe(other);
  });
});
