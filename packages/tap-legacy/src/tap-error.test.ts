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

  it("gives the device hints only for the device's open, not for SetupAPI or the registry", () => {
    expect(new TapError(31, "CreateFileW").hint).toMatch(/one open at a time/);
    // A value the network setup never wrote (createTapAdapter on Windows) is no phantom device.
    expect(new TapError(2, "RegGetValueW(NetCfgInstanceId)").hint).toBeUndefined();
    expect(new TapError(31, "SetupDiCallClassInstaller(DIF_INSTALLDEVICE)").hint).toBeUndefined();
  });

  it("names SetupAPI's outcomes of making and removing adapters on Windows, with what to do", () => {
    const noDriver = new TapError(TapErrorCode.NO_COMPAT_DRIVERS, "SetupDiSelectBestCompatDrv");
    expect(noDriver.code).toBe(0xe0000228);
    expect(noDriver.symbol).toBe("ERROR_NO_COMPAT_DRIVERS");
    expect(noDriver.hint).toMatch(/tap-windows6/);
    const restart = new TapError(
      TapErrorCode.SUCCESS_REBOOT_REQUIRED,
      "SetupDiCallClassInstaller(DIF_REMOVE)",
      "{5A1E0C3B-7D2F-4B9A-8E61-2C4D6F8A0B13} is removed once Windows restarts",
    );
    expect(restart.code).toBe(3010);
    expect(restart.symbol).toBe("ERROR_SUCCESS_REBOOT_REQUIRED");
    expect(restart.hint).toMatch(/restart/);
    const refused = new TapError(
      1003,
      "netsh interface set interface",
      "netsh exited with status 1",
    );
    expect(refused.symbol).toBe("ERROR_CAN_NOT_COMPLETE");
    expect(refused.hint).toMatch(/removed again/);
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
