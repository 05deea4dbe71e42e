import { describe, expect, it } from "vitest";
import { adapter, tapAdapter } from "../test-support/doctor-facts.js";
import {
  administratorCheck,
  tapAdaptersCheck,
  windowsLeftoversCheck,
  windowsOffloadCheck,
  windowsVersionCheck,
} from "./windows-checks.js";

describe("administratorCheck", () => {
  it("passes an elevated process", () => {
    expect(administratorCheck(true).status).toBe("pass");
  });

  it("fails a process without elevation: run as administrator", () => {
    const result = administratorCheck(false);
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("ERROR_ACCESS_DENIED");
    expect(result.fix).toContain("Run as administrator");
  });

  it("cannot tell when the probe did not run", () => {
    expect(administratorCheck(undefined).status).toBe("unavailable");
  });
});

describe("windowsVersionCheck", () => {
  it("passes Windows 11", () => {
    expect(windowsVersionCheck("10.0.22631")).toMatchObject({
      status: "pass",
      detail: "10.0.22631",
    });
  });

  it("warns on Windows 7 and on Windows 10 before 2004: adapters work, DNS settings do not", () => {
    expect(windowsVersionCheck("6.1.7601").status).toBe("warn");
    const result = windowsVersionCheck("10.0.18363");
    expect(result.status).toBe("warn");
    expect(result.detail).toContain("build 19041");
  });

  it("fails Windows Vista, which wintun does not support", () => {
    const result = windowsVersionCheck("6.0.6002");
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("Windows 7 or later");
  });

  it("cannot check a version it cannot read", () => {
    expect(windowsVersionCheck("unknown").status).toBe("unavailable");
  });
});

describe("windowsOffloadCheck", () => {
  it("passes when Large Send Offload is off", () => {
    expect(
      windowsOffloadCheck([{ adapter: "Ethernet", ipv4Enabled: false, ipv6Enabled: false }]).status,
    ).toBe("pass");
  });

  it("warns about each adapter with it on, with the command that turns it off", () => {
    const result = windowsOffloadCheck([
      { adapter: "Ethernet", ipv4Enabled: true, ipv6Enabled: false },
      { adapter: "Wi-Fi", ipv4Enabled: false, ipv6Enabled: false },
    ]);
    expect(result.status).toBe("warn");
    expect(result.detail).toBe("Large Send Offload is on for Ethernet");
    expect(result.fix).toContain('Disable-NetAdapterLso -Name "Ethernet"');
  });

  it("cannot check when PowerShell could not read it", () => {
    expect(windowsOffloadCheck({ error: "powershell.exe not found" }).status).toBe("unavailable");
  });
});

describe("windowsLeftoversCheck", () => {
  it("passes when every listed device is present", () => {
    expect(windowsLeftoversCheck([adapter()])).toMatchObject({ status: "pass", detail: "none" });
  });

  it("warns about devices no longer present, naming them, with how they go away", () => {
    const orphan = adapter({
      name: "Old",
      creatorAlive: false,
      state: "idle",
      interfaceIndex: 0,
      interfaceName: "",
      addresses: [],
    });
    const result = windowsLeftoversCheck([adapter(), orphan]);
    expect(result.status).toBe("warn");
    expect(result.detail).toContain('"Old"');
    expect(result.notes).toEqual(['"Old" (no interface, idle)']);
    expect(result.fix).toMatch(/Show hidden devices/);
  });

  it("cannot check when the adapters could not be listed", () => {
    expect(windowsLeftoversCheck({ error: "SetupDiGetClassDevsExW failed" }).status).toBe(
      "unavailable",
    );
  });
});

describe("tapAdaptersCheck", () => {
  it("passes with the adapters, their driver and state", () => {
    const result = tapAdaptersCheck([
      tapAdapter(),
      tapAdapter({ name: "TAP 2", mediaConnected: true }),
    ]);
    expect(result).toMatchObject({ status: "pass", detail: "2 adapters, driver 9.24.2.601" });
    expect(result.notes).toEqual([
      "OpenVPN TAP-Windows6 {0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}: driver 9.24.2.601, media disconnected",
      "TAP 2 {0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}: driver 9.24.2.601, media connected (a program is using it)",
    ]);
  });

  it("fails for a driver older than 9.9, which breaks small IPv4 packets in TUN mode", () => {
    for (const version of ["9.8.0.0", "9.0.0.9", "8.4.1"]) {
      expect(tapAdaptersCheck([tapAdapter({ driverVersion: version })])).toMatchObject({
        status: "fail",
        detail: expect.stringContaining(`driver ${version} is older than 9.9`),
        fix: expect.stringContaining("tap-windows6 9.24"),
      });
    }
    expect(tapAdaptersCheck([tapAdapter({ driverVersion: "9.9.2.0" })]).status).toBe("pass");
    expect(tapAdaptersCheck([tapAdapter({ driverVersion: "10.0" })]).status).toBe("pass");
  });

  it("warns of a phantom or disabled adapter, which OpenVPN would call in use", () => {
    const result = tapAdaptersCheck([
      tapAdapter(),
      tapAdapter({ name: "Old TAP", present: false, hasInterface: false }),
    ]);
    expect(result).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("1 of 2 adapters cannot be opened: Old TAP"),
      fix: expect.stringContaining("tapctl"),
    });
    expect(result.notes[1]).toContain("phantom (device absent)");
  });

  it("names the adapters another program holds, and warns when every one is held", () => {
    const some = tapAdaptersCheck([tapAdapter(), tapAdapter({ name: "OpenVPN", inUse: true })]);
    expect(some).toMatchObject({
      status: "pass",
      detail: "2 adapters, driver 9.24.2.601; 1 held by another program",
    });
    expect(some.notes[1]).toContain(
      "held by another program (opening it fails with ERROR_GEN_FAILURE)",
    );
    const all = tapAdaptersCheck([tapAdapter({ name: "OpenVPN", inUse: true })]);
    expect(all).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("every adapter is held by another program: OpenVPN"),
      fix: expect.stringContaining("tapctl create"),
    });
    // Not learned (the listing could not open the devices): no claim either way.
    const unknown = tapAdaptersCheck([tapAdapter({ inUse: undefined })]);
    expect(unknown.status).toBe("pass");
    expect(unknown.notes[0]).toContain("media disconnected");
  });

  it("says none is needed when there is none, and why it could not tell", () => {
    expect(tapAdaptersCheck([])).toMatchObject({
      status: "unavailable",
      detail: expect.stringContaining("wintun needs none"),
    });
    expect(tapAdaptersCheck({ error: "SetupDiGetClassDevsExW failed" })).toMatchObject({
      status: "unavailable",
      detail: "could not list the adapters: SetupDiGetClassDevsExW failed",
    });
  });
});
