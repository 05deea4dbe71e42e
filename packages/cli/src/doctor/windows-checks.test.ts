import { describe, expect, it } from "vitest";
import { adapter } from "../test-support/doctor-facts.js";
import {
  administratorCheck,
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
