import { describe, expect, it } from "vitest";
import { planDns } from "./dns-settings.js";
import { IpHelperStatus } from "./ip-helper-status.js";
import { type BusctlRunner, interfaceIndexOfLuid, ResolvedDns } from "./resolved-dns.js";
import { WindowsDns } from "./windows-dns.js";

const LUID = (53n << 48n) | (7n << 24n);
const plan = planDns({
  servers: ["198.18.0.53", "fd6d:6167:6d61::53", "198.18.0.54"],
  searchDomains: ["corp.example", "lab"],
})!;

describe("WindowsDns: SetInterfaceDnsSettings once per family", () => {
  function recording(statuses: number[] = []) {
    const calls: string[] = [];
    const binding = {
      ipSetDns(luid: bigint, family: 4 | 6, servers: string, searchList: string): number {
        expect(luid).toBe(LUID);
        calls.push(`v${family} [${servers}] [${searchList}]`);
        return statuses.shift() ?? IpHelperStatus.NO_ERROR;
      },
    };
    return { calls, dns: new WindowsDns(binding) };
  }

  it("sets each family's servers, comma-joined, with the search list in both", () => {
    const { calls, dns } = recording();
    expect(dns.setDns(LUID, plan)).toBe(IpHelperStatus.NO_ERROR);
    expect(calls).toEqual([
      "v4 [198.18.0.53,198.18.0.54] [corp.example,lab]",
      "v6 [fd6d:6167:6d61::53] [corp.example,lab]",
    ]);
  });

  it("clears a family it has no server for, so the settings are replaced, not added to", () => {
    const { calls, dns } = recording();
    dns.setDns(LUID, planDns({ servers: ["198.18.0.53"] })!);
    expect(calls).toEqual(["v4 [198.18.0.53] []", "v6 [] []"]);
  });

  it("stops at the first refusal and returns it (ERROR_PROC_NOT_FOUND before Windows 10 2004)", () => {
    const { calls, dns } = recording([IpHelperStatus.ERROR_PROC_NOT_FOUND]);
    expect(dns.setDns(LUID, plan)).toBe(IpHelperStatus.ERROR_PROC_NOT_FOUND);
    expect(calls).toHaveLength(1);
  });

  it("clears both families with empty lists, reporting the first failure", () => {
    const { calls, dns } = recording([IpHelperStatus.ERROR_NOT_FOUND, IpHelperStatus.NO_ERROR]);
    expect(dns.clearDns(LUID)).toBe(IpHelperStatus.ERROR_NOT_FOUND);
    expect(calls).toEqual(["v4 [] []", "v6 [] []"]);
  });
});

describe("ResolvedDns: systemd-resolved's link settings over D-Bus", () => {
  function fakeBusctl(options: { resolved?: boolean; stderr?: Record<string, string> } = {}) {
    const calls: string[][] = [];
    const runner: BusctlRunner = (args) => {
      calls.push([...args]);
      if (args.includes("NameHasOwner")) {
        return {
          status: 0,
          stdout: options.resolved === false ? "b false\n" : "b true\n",
          stderr: "",
        };
      }
      const method = args[4] ?? "";
      const stderr = options.stderr?.[method];
      return stderr === undefined
        ? { status: 0, stdout: "", stderr: "" }
        : { status: 1, stdout: "", stderr };
    };
    return { calls, dns: new ResolvedDns(runner) };
  }
  const manager = [
    "call",
    "org.freedesktop.resolve1",
    "/org/freedesktop/resolve1",
    "org.freedesktop.resolve1.Manager",
  ];

  it("reads the link's ifindex from the LUID", () => {
    expect(interfaceIndexOfLuid(LUID)).toBe(7);
  });

  it("sets the link's servers (family, bytes) and its search domains", () => {
    const { calls, dns } = fakeBusctl();
    expect(dns.setDns(LUID, plan)).toBe(IpHelperStatus.NO_ERROR);
    expect(calls.slice(1)).toEqual([
      [
        ...manager,
        "SetLinkDNS",
        "ia(iay)",
        "7",
        "3",
        ...["2", "4", "198", "18", "0", "53"],
        ...[
          "10",
          "16",
          "253",
          "109",
          "97",
          "103",
          "109",
          "97",
          "0",
          "0",
          "0",
          "0",
          "0",
          "0",
          "0",
          "0",
          "0",
          "83",
        ],
        ...["2", "4", "198", "18", "0", "54"],
      ],
      [...manager, "SetLinkDomains", "ia(sb)", "7", "2", "corp.example", "false", "lab", "false"],
    ]);
  });

  it("reverts the link to clear it", () => {
    const { calls, dns } = fakeBusctl();
    expect(dns.clearDns(LUID)).toBe(IpHelperStatus.NO_ERROR);
    expect(calls.slice(1)).toEqual([[...manager, "RevertLink", "i", "7"]]);
  });

  it("answers ERROR_NOT_SUPPORTED, touching nothing, when resolved is not on the bus", () => {
    const { calls, dns } = fakeBusctl({ resolved: false });
    expect(dns.setDns(LUID, plan)).toBe(IpHelperStatus.ERROR_NOT_SUPPORTED);
    expect(dns.clearDns(LUID)).toBe(IpHelperStatus.ERROR_NOT_SUPPORTED);
    expect(calls.every((call) => call.includes("NameHasOwner"))).toBe(true);
  });

  it("answers ERROR_NOT_SUPPORTED when busctl itself is missing", () => {
    const dns = new ResolvedDns(() => ({
      status: null,
      stdout: "",
      stderr: "",
      error: new Error("spawnSync busctl ENOENT"),
    }));
    expect(dns.setDns(LUID, plan)).toBe(IpHelperStatus.ERROR_NOT_SUPPORTED);
  });

  it.each([
    ["Call failed: Access denied", IpHelperStatus.ERROR_ACCESS_DENIED],
    ["Call failed: Link 7 not known", IpHelperStatus.ERROR_NOT_FOUND],
    ["Call failed: something else", IpHelperStatus.ERROR_GEN_FAILURE],
  ])("maps resolved's refusal %j to status %i", (stderr, status) => {
    const { dns } = fakeBusctl({ stderr: { SetLinkDNS: stderr } });
    expect(dns.setDns(LUID, plan)).toBe(status);
  });
});
