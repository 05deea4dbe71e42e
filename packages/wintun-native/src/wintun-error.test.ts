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

/** Runs `body` as if on `platform`: the hints describe the platform the error happened on. */
function on<T>(platform: NodeJS.Platform, body: () => T): T {
  const real = Object.getOwnPropertyDescriptor(process, "platform");
  Object.defineProperty(process, "platform", { value: platform, configurable: true });
  try {
    return body();
  } finally {
    if (real) Object.defineProperty(process, "platform", real);
  }
}

function hint(code: number, call: string, platform: NodeJS.Platform = "linux"): string {
  return on(platform, () => WinTunError.fromCode(code, call).hint ?? "");
}

describe("WinTunError hints", () => {
  it("ERROR_INVALID_HANDLE (6): a handle used after close, with the emulator's strict switch on Linux", () => {
    const error = WinTunError.fromCode(6, "WintunStartSession");
    expect(error.symbol).toBe("ERROR_INVALID_HANDLE");
    expect(error.message).toContain("WintunStartSession failed with ERROR_INVALID_HANDLE (6)");
    expect(hint(6, "WintunStartSession")).toMatch(/NULL or already closed.*WINTUN_EMU_STRICT=1/);
    expect(hint(6, "WintunReceivePacket", "win32")).toMatch(/used after it was closed/);
    expect(hint(6, "WintunReceivePacket", "win32")).not.toMatch(/WINTUN_EMU/);
  });

  it("ERROR_HANDLE_EOF (38): removal for a receive, a stopped send ring for an allocation", () => {
    expect(hint(38, "WintunReceivePacket")).toMatch(/adapter went away.*ip link del/);
    expect(hint(38, "WintunReceivePacket", "win32")).toMatch(/Device Manager/);
    expect(hint(38, "WintunReceivePacket")).toMatch(/start a new session/);
    const send = hint(38, "WintunAllocateSendPacket");
    expect(send).toMatch(/stopped taking packets from the send ring/);
    expect(send).toMatch(/65535/);
  });

  it("ERROR_BUFFER_OVERFLOW (111): a name too long at create, a full send ring at allocation", () => {
    expect(hint(111, "WintunCreateAdapter")).toMatch(/127.*128 UTF-16 code units/);
    expect(hint(111, "WintunAllocateSendPacket")).toMatch(/send ring is full.*larger capacity/);
  });

  it("ERROR_DEVICE_NOT_AVAILABLE (4319): the TUN device on Linux, the interface on Windows", () => {
    expect(WinTunError.fromCode(4319, "WintunCreateAdapter").symbol).toBe(
      "ERROR_DEVICE_NOT_AVAILABLE",
    );
    expect(hint(4319, "WintunStartSession")).toMatch(/\/dev\/net\/tun.*modprobe tun/);
    expect(hint(4319, "WintunOpenAdapter", "win32")).toMatch(/disabled.*Network Connections/);
    expect(hint(4319, "WintunCreateAdapter", "win32")).toMatch(/did not come up.*Device Manager/);
  });

  it("ERROR_GEN_FAILURE (31) and WAIT_TIMEOUT (258): retry, and where to look", () => {
    expect(hint(31, "WintunCreateAdapter", "win32")).toMatch(/Plug and Play.*setLogger/);
    expect(hint(31, "WintunStartSession", "win32")).toMatch(/driver refused the session/);
    expect(WinTunError.fromCode(258, "WintunOpenAdapter").symbol).toBe("WAIT_TIMEOUT");
    expect(hint(258, "WintunOpenAdapter", "win32")).toMatch(/within wintun's 15 s/);
  });

  it("ERROR_FILE_NOT_FOUND (2): no driver for the version, a gone adapter for a session", () => {
    expect(hint(2, "WintunGetRunningDriverVersion")).toMatch(/only while an adapter exists/);
    expect(hint(2, "WintunStartSession")).toMatch(/adapter is gone.*open or create it again/);
  });

  it("ERROR_INVALID_DATA (13): a corrupt ring when receiving", () => {
    expect(hint(13, "WintunReceivePacket")).toMatch(/ring is corrupt.*new session/);
  });

  it("ERROR_NOT_FOUND (1168) and ERROR_INVALID_PARAMETER (87) advise only for their call", () => {
    expect(hint(1168, "WintunOpenAdapter")).toMatch(/WinTunAdapter\.create\(\)/);
    expect(hint(87, "WintunStartSession")).toMatch(/power of two from 0x20000/);
    expect(hint(87, "WintunCreateAdapter")).not.toMatch(/power of two/);
  });

  it("ERROR_ALREADY_EXISTS (183): a GUID another adapter holds on Windows, an interface wintun did not create on Linux", () => {
    expect(hint(183, "WintunCreateAdapter", "win32")).toMatch(/requested GUID/);
    expect(hint(183, "WintunCreateAdapter")).toMatch(/did not create.*left untouched/);
    expect(hint(183, "WintunOpenAdapter")).toMatch(/ip tuntap add/);
  });

  it("memory codes: a smaller ring when starting a session", () => {
    for (const code of [8, 14, 1450, 1455, 1784]) {
      expect(hint(code, "WintunStartSession")).toMatch(/smaller capacity/);
      expect(hint(code, "WintunCreateAdapter")).toMatch(/short of memory/);
    }
  });

  it("ERROR_INF_IN_USE_BY_DEVICES: close the adapters before deleting the driver", () => {
    const error = WinTunError.fromCode(0xe000023d, "WintunDeleteDriver");
    expect(error.symbol).toBe("ERROR_INF_IN_USE_BY_DEVICES");
    expect(error.hint).toMatch(/close every wintun adapter/);
  });

  it("ERROR_ACCESS_DENIED (5) by platform", () => {
    expect(hint(5, "WintunCreateAdapter")).toBe("run as root or with CAP_NET_ADMIN");
    expect(hint(5, "WintunCreateAdapter", "win32")).toMatch(/Administrator/);
  });

  it("loading: the library's place for a loader code, wintun.dll's start-up for 1114", () => {
    expect(hint(126, "LoadLibraryExW", "win32")).toMatch(/MAGMA_WINTUN_DLL/);
    expect(hint(126, "dlopen")).toMatch(/npm install @magma\/wintun-linux.*MAGMA_WINTUN_LIBRARY/);
    expect(hint(1114, "LoadLibraryExW", "win32")).toMatch(/initialisation failed/);
    expect(hint(4242, "LoadLibraryExW", "win32")).toMatch(/put wintun\.dll/);
  });

  it("points at wintun's log for other codes of the calls wintun logs, and says nothing elsewhere", () => {
    expect(hint(52, "WintunCreateAdapter", "win32")).toMatch(/library\.setLogger\(console\)/);
    expect(hint(4242, "WintunOpenAdapter")).toMatch(/library\.setLogger\(console\)/);
    expect(WinTunError.fromCode(4242, "WintunReceivePacket").hint).toBeUndefined();
  });
});
