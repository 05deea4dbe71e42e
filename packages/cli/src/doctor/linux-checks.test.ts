import { describe, expect, it } from "vitest";
import { adapter } from "../test-support/doctor-facts.js";
import {
  adaptersCheck,
  dnsServiceCheck,
  leftoversCheck,
  netAdminCheck,
  socketBuffersCheck,
  tunDeviceCheck,
  uplinkOffloadCheck,
} from "./linux-checks.js";

describe("netAdminCheck", () => {
  it("passes root", () => {
    expect(netAdminCheck(0, 0n)).toMatchObject({ status: "pass", detail: "running as root" });
  });

  it("passes a user with CAP_NET_ADMIN (bit 12) in CapEff", () => {
    expect(netAdminCheck(1000, 1n << 12n).status).toBe("pass");
  });

  it("fails a user without it, naming CapEff and both fixes", () => {
    const result = netAdminCheck(1000, (1n << 13n) | (1n << 11n));
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("uid 1000 without CAP_NET_ADMIN (CapEff 0000000000002800)");
    expect(result.detail).toContain("ERROR_ACCESS_DENIED");
    expect(result.fix).toContain("sudo");
    expect(result.fix).toContain("setcap cap_net_admin+ep");
  });

  it("fails a user whose capabilities could not be read", () => {
    expect(netAdminCheck(1000, undefined).detail).toContain("could not be read");
  });
});

describe("tunDeviceCheck", () => {
  it("passes a device that opens", () => {
    expect(tunDeviceCheck({ present: true, openError: undefined }).status).toBe("pass");
  });

  it("fails a missing device: load the module", () => {
    const result = tunDeviceCheck({ present: false, openError: undefined });
    expect(result.status).toBe("fail");
    expect(result.fix).toContain("modprobe tun");
  });

  it("fails a device this user may not open", () => {
    const result = tunDeviceCheck({ present: true, openError: "EACCES" });
    expect(result).toMatchObject({ status: "fail", detail: "present but does not open: EACCES" });
    expect(result.fix).toContain("run as root");
  });

  it("fails a device that is no TUN device", () => {
    expect(tunDeviceCheck({ present: true, openError: "ENXIO" }).fix).toContain("10, 200");
  });
});

describe("adaptersCheck", () => {
  it("passes and lists each adapter", () => {
    const result = adaptersCheck([adapter()], undefined);
    expect(result.status).toBe("pass");
    expect(result.detail).toBe("1 adapter");
    expect(result.notes).toEqual(['"Magma VPN" (Magma-VPN, index 7, session, 198.18.150.1/24)']);
  });

  it("passes the adapter --adapter names, ignoring case as wintun does", () => {
    expect(adaptersCheck([adapter()], "magma vpn").status).toBe("pass");
  });

  it("fails when the adapter --adapter names does not exist", () => {
    const result = adaptersCheck([adapter()], "Other");
    expect(result.status).toBe("fail");
    expect(result.fix).toContain('magma create "Other"');
  });

  it("cannot check when the interfaces could not be listed", () => {
    expect(adaptersCheck({ error: "spawn ip ENOENT" }, undefined).status).toBe("unavailable");
  });
});

describe("leftoversCheck", () => {
  it("passes when every adapter's creator lives", () => {
    expect(leftoversCheck([adapter()])).toMatchObject({ status: "pass", detail: "none" });
  });

  it("fails an adapter whose creator exited, with the command that removes it", () => {
    const result = leftoversCheck([
      adapter(),
      adapter({ name: "Crashed", interfaceName: "Crashed", creatorAlive: false }),
    ]);
    expect(result.status).toBe("fail");
    expect(result.detail).toContain(
      "1 adapter interface(s) whose creating process has exited: Crashed",
    );
    expect(result.fix).toContain("sudo ip link delete dev Crashed");
  });
});

describe("socketBuffersCheck", () => {
  it("passes limits of 7 MiB", () => {
    expect(socketBuffersCheck({ rmemMax: 7340032, wmemMax: 8388608 }).status).toBe("pass");
  });

  it("warns about the kernel's default limits, with the sysctl that raises them", () => {
    const result = socketBuffersCheck({ rmemMax: 212992, wmemMax: 212992 });
    expect(result.status).toBe("warn");
    expect(result.fix).toContain("sysctl -w net.core.rmem_max=7340032 net.core.wmem_max=7340032");
  });

  it("cannot check unreadable limits", () => {
    expect(socketBuffersCheck({ rmemMax: undefined, wmemMax: 1 }).status).toBe("unavailable");
  });
});

describe("uplinkOffloadCheck", () => {
  it("passes UDP GRO forwarding that is on, or that the driver does not offer", () => {
    const on = uplinkOffloadCheck({
      interfaceName: "eth0",
      features: { "rx-udp-gro-forwarding": true },
    });
    expect(on.status).toBe("pass");
    expect(uplinkOffloadCheck({ interfaceName: "eth0", features: {} }).detail).toContain(
      "no UDP GRO forwarding offered",
    );
  });

  it("warns when it is off, with the ethtool command", () => {
    const result = uplinkOffloadCheck({
      interfaceName: "eth0",
      features: { "rx-udp-gro-forwarding": false },
    });
    expect(result.status).toBe("warn");
    expect(result.fix).toContain("ethtool -K eth0 rx-udp-gro-forwarding on");
  });

  it("cannot check without a default route or without ethtool", () => {
    expect(uplinkOffloadCheck(undefined).status).toBe("unavailable");
    expect(uplinkOffloadCheck({ error: "spawn ethtool ENOENT" }).detail).toContain("ENOENT");
  });
});

describe("dnsServiceCheck", () => {
  it("passes when systemd-resolved runs", () => {
    const result = dnsServiceCheck(true);
    expect(result.status).toBe("pass");
    expect(result.fix).toBeUndefined();
  });

  it("warns, with the fix, when it does not: DNS settings are refused, adapters still work", () => {
    const result = dnsServiceCheck(false);
    expect(result.status).toBe("warn");
    expect(result.detail).toContain("--dns and --search are refused");
    expect(result.fix).toContain("systemd-resolved");
  });
});
