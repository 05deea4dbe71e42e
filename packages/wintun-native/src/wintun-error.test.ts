import { MagmaError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { translateNativeError, WinTunError } from "./wintun-error.js";

describe("WinTunError", () => {
  it("carries the Win32 code, its symbolic name, the failing call and a hint", () => {
    const error = WinTunError.fromCode(5, "WintunCreateAdapter");
    expect(error).toBeInstanceOf(MagmaError);
    expect(error.code).toBe(5);
    expect(error.symbol).toBe("ERROR_ACCESS_DENIED");
    expect(error.call).toBe("WintunCreateAdapter");
    expect(error.hint).toMatch(/root or with CAP_NET_ADMIN|Administrator/);
    expect(error.message).toContain("WintunCreateAdapter failed with ERROR_ACCESS_DENIED (5)");
  });

  it("names codes it has no name for by number", () => {
    expect(WinTunError.fromCode(4242, "WintunOpenAdapter").symbol).toBe("WIN32_ERROR_4242");
  });

  it("says where the library was looked for when it is missing", () => {
    const error = WinTunError.fromCode(126, "dlopen", { libraryPath: "/nowhere/libwintun.so" });
    expect(error.symbol).toBe("ERROR_MOD_NOT_FOUND");
    expect(error.libraryPath).toBe("/nowhere/libwintun.so");
    expect(error.hint).toContain("/nowhere/libwintun.so");
    expect(error.message).toContain("/nowhere/libwintun.so");
  });

  it("explains a second session and a wrong-architecture library", () => {
    expect(WinTunError.fromCode(1247, "WintunStartSession").hint).toMatch(
      /one session per adapter/,
    );
    expect(WinTunError.fromCode(193, "dlopen").hint).toMatch(/architecture/);
  });

  it("turns the addon's failures into WinTunError and leaves other errors alone", () => {
    const native = Object.assign(new Error("x"), {
      win32Code: 1168,
      call: "WintunOpenAdapter",
      detail: "",
    });
    const translated = translateNativeError(native);
    expect(translated).toBeInstanceOf(WinTunError);
    expect((translated as WinTunError).symbol).toBe("ERROR_NOT_FOUND");
    const plain = new TypeError("bad");
    expect(translateNativeError(plain)).toBe(plain);
  });
});
