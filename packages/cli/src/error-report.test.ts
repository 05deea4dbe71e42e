import {
  ControlError,
  IpConfigurationError,
  IpHelperError,
  OptionError,
  WinTunError,
} from "@magma/wintun-native";
import { describe, expect, it } from "vitest";
import { CommandError } from "./command-error.js";
import { reportError } from "./error-report.js";
import { ExitCode } from "./exit-codes.js";

describe("reportError", () => {
  it("gives ACCESS_DENIED for a WinTunError ERROR_ACCESS_DENIED, with its hint apart", () => {
    const error = new WinTunError(5, "WintunCreateAdapter", "creating the adapter failed", {
      hint: "run as root",
    });
    expect(reportError(error)).toEqual({
      kind: "WinTunError",
      code: "ERROR_ACCESS_DENIED",
      message: expect.not.stringContaining("(run as root)"),
      hint: "run as root",
      exitCode: ExitCode.ACCESS_DENIED,
    });
  });

  it("gives NOT_FOUND for ERROR_NOT_FOUND and LIBRARY for a missing or foreign library", () => {
    expect(reportError(new WinTunError(1168, "WintunOpenAdapter", "no adapter")).exitCode).toBe(
      ExitCode.NOT_FOUND,
    );
    expect(reportError(new WinTunError(126, "dlopen", "missing")).exitCode).toBe(ExitCode.LIBRARY);
    expect(reportError(new WinTunError(193, "LoadLibraryExW", "x86 DLL")).exitCode).toBe(
      ExitCode.LIBRARY,
    );
  });

  it("gives CONFIGURATION for a refused or failed configuration", () => {
    const refused = new IpConfigurationError(
      "INVALID_PREFIX",
      { where: "adapter.configure", option: "addresses[0]" },
      "198.18.0.0/33",
      "an address with its prefix length",
      "not one",
    );
    expect(reportError(refused).exitCode).toBe(ExitCode.CONFIGURATION);
    expect(
      reportError(new OptionError("INVALID_OPTION", "adapter.configure", "mtu", 1, "a number"))
        .exitCode,
    ).toBe(ExitCode.CONFIGURATION);
    expect(reportError(new IpHelperError("CreateIpForwardEntry2", 87, "a route")).exitCode).toBe(
      ExitCode.CONFIGURATION,
    );
    expect(
      reportError(new IpHelperError("CreateUnicastIpAddressEntry", 5, "an address")).exitCode,
    ).toBe(ExitCode.ACCESS_DENIED);
  });

  it("gives a CommandError's own exit code, and FAILURE for anything unexpected", () => {
    expect(reportError(new CommandError("UNSUPPORTED", "no DNS")).exitCode).toBe(
      ExitCode.UNSUPPORTED,
    );
    expect(reportError(new CommandError("OWNED_ELSEWHERE", "theirs")).exitCode).toBe(
      ExitCode.OWNED_ELSEWHERE,
    );
    expect(reportError(new Error("boom"))).toMatchObject({
      code: "UNEXPECTED",
      message: "boom",
      exitCode: ExitCode.FAILURE,
    });
  });

  it("gives NO_CONTROL_ENDPOINT, ACCESS_DENIED or FAILURE for control failures, with the port's own code", () => {
    expect(reportError(new ControlError("NO_ENDPOINT", "none")).exitCode).toBe(
      ExitCode.NO_CONTROL_ENDPOINT,
    );
    expect(reportError(new ControlError("ACCESS_DENIED", "root only")).exitCode).toBe(
      ExitCode.ACCESS_DENIED,
    );
    expect(
      reportError(
        new ControlError("REFUSED", "the port refused: busy", {
          hint: "one at a time",
          remoteCode: "CAPTURE_RUNNING",
        }),
      ),
    ).toEqual({
      kind: "ControlError",
      code: "CAPTURE_RUNNING",
      message: "the port refused: busy",
      hint: "one at a time",
      exitCode: ExitCode.FAILURE,
    });
  });
});
