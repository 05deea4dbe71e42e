import { describe, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { WinTunError } from "../wintun-error.js";
import { restrictControlPipe } from "./control-pipe-security.js";
import { ControlError } from "./control-protocol.js";

// The pipe's DACL itself is tested on Windows code under Wine (tools/wine-test/suite/control.test.mjs);
// here, what the calls do where there are no named pipes.
describe.skipIf(process.platform === "win32")("the control pipe's security off Windows", () => {
  it("is not supported by the addon: ERROR_NOT_SUPPORTED from both calls", () => {
    expect(() => nativeAddon().restrictPipeToAdministrators("\\\\.\\pipe\\x")).toThrow(
      expect.objectContaining({ win32Code: 50, call: "restrictPipeToAdministrators" }),
    );
    expect(() => nativeAddon().pipeSecurity("\\\\.\\pipe\\x")).toThrow(
      expect.objectContaining({ win32Code: 50, call: "pipeSecurity" }),
    );
  });

  it("refuses a path that is not a string before any system call", () => {
    const addon = nativeAddon() as unknown as { pipeSecurity(path: unknown): string };
    expect(() => addon.pipeSecurity(7)).toThrow(TypeError);
  });

  it("turns the addon's failure into a ControlError with the Win32 error as its cause", () => {
    const error = (() => {
      try {
        restrictControlPipe("\\\\.\\pipe\\x");
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ControlError);
    expect(error).toMatchObject({ code: "ENDPOINT_PATH" });
    const cause = (error as ControlError).cause;
    expect(cause).toBeInstanceOf(WinTunError);
    expect(cause).toMatchObject({
      code: 50,
      symbol: "ERROR_NOT_SUPPORTED",
      call: "restrictPipeToAdministrators",
    });
  });
});
