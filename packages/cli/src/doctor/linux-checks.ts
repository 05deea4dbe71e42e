import { describeAdapter, type ListedAdapter } from "../adapters/listed-adapter.js";
import { type CheckResult, checkResult } from "./check-result.js";
import { isProbeFailure, type LinuxFacts, type ProbeFailure, type UplinkFacts } from "./facts.js";

/** CAP_NET_ADMIN's bit in the capability sets (linux/capability.h). */
export const CAP_NET_ADMIN = 12n;

export function netAdminCheck(uid: number, capEff: bigint | undefined): CheckResult {
  const id = "net-admin";
  const title = "rights (root or CAP_NET_ADMIN)";
  if (uid === 0) return checkResult(id, title, "pass", "running as root");
  if (capEff !== undefined && ((capEff >> CAP_NET_ADMIN) & 1n) === 1n) {
    return checkResult(id, title, "pass", `CAP_NET_ADMIN in the effective set (uid ${uid})`);
  }
  const seen =
    capEff === undefined
      ? `uid ${uid}, and the capabilities could not be read`
      : `uid ${uid} without CAP_NET_ADMIN (CapEff ${capEff.toString(16).padStart(16, "0")})`;
  return checkResult(
    id,
    title,
    "fail",
    `${seen}: creating and configuring adapters will fail with ERROR_ACCESS_DENIED`,
    {
      fix: 'run as root (sudo), or grant the capability: sudo setcap cap_net_admin+ep "$(command -v node)"',
    },
  );
}

export function tunDeviceCheck(tun: LinuxFacts["tun"]): CheckResult {
  const id = "dev-net-tun";
  const title = "/dev/net/tun";
  if (!tun.present) {
    return checkResult(id, title, "fail", "missing: the kernel's TUN driver is not loaded", {
      fix: "sudo modprobe tun (in a container: start it with --device /dev/net/tun)",
    });
  }
  if (tun.openError === undefined) return checkResult(id, title, "pass", "present and opens");
  const denied = tun.openError === "EACCES" || tun.openError === "EPERM";
  return checkResult(id, title, "fail", `present but does not open: ${tun.openError}`, {
    fix: denied
      ? "run as root, or give this user access to /dev/net/tun"
      : "check the device node: ls -l /dev/net/tun should show a character device 10, 200",
  });
}

/**
 * The adapters that exist, and the one `--adapter` names (as wintun matches names: ignoring
 * case). `where` names what was searched: the network namespace on Linux, the machine on Windows.
 */
export function adaptersCheck(
  adapters: readonly ListedAdapter[] | ProbeFailure,
  requested: string | undefined,
  where = "in this network namespace",
): CheckResult {
  const id = "adapters";
  const title = "Magma adapters";
  if (isProbeFailure(adapters)) {
    return checkResult(
      id,
      title,
      "unavailable",
      `could not list the interfaces: ${adapters.error}`,
    );
  }
  const notes = adapters.map(describeAdapter);
  if (requested !== undefined) {
    const found = adapters.find((a) => a.name.toLowerCase() === requested.toLowerCase());
    if (found === undefined) {
      return checkResult(id, title, "fail", `no adapter named "${requested}" ${where}`, {
        notes,
        fix: `create it (magma create "${requested}"), or check the name with magma adapters`,
      });
    }
    return checkResult(id, title, "pass", `"${requested}" exists: ${describeAdapter(found)}`, {
      notes,
    });
  }
  const count = adapters.length === 1 ? "1 adapter" : `${adapters.length} adapters`;
  return checkResult(id, title, "pass", adapters.length === 0 ? "none exists" : count, { notes });
}

/**
 * Interfaces of the library whose creator has gone (a crashed process): something else, another
 * process's session, still holds the interface, so it neither works nor goes away.
 */
export function leftoversCheck(adapters: readonly ListedAdapter[] | ProbeFailure): CheckResult {
  const id = "leftovers";
  const title = "leftovers of crashed processes";
  if (isProbeFailure(adapters)) {
    return checkResult(
      id,
      title,
      "unavailable",
      `could not list the interfaces: ${adapters.error}`,
    );
  }
  const leftovers = adapters.filter((adapter) => !adapter.creatorAlive);
  if (leftovers.length === 0) return checkResult(id, title, "pass", "none");
  const names = leftovers.map((adapter) => adapter.interfaceName);
  return checkResult(
    id,
    title,
    "fail",
    `${leftovers.length} adapter interface(s) whose creating process has exited: ${names.join(", ")}`,
    {
      notes: leftovers.map(describeAdapter),
      fix: `end the process whose session still holds it, or remove it: ${names.map((name) => `sudo ip link delete dev ${name}`).join("; ")}`,
    },
  );
}

/**
 * wireguard-go raised the socket buffers of its UDP socket to 7 MiB (commit f26efb6: 4.08 to
 * 5.27 Gb/s); the kernel caps what a program may ask at net.core.rmem_max and wmem_max.
 */
export const RECOMMENDED_SOCKET_BUFFER = 7 * 1024 * 1024;

export function socketBuffersCheck(buffers: LinuxFacts["socketBuffers"]): CheckResult {
  const id = "socket-buffers";
  const title = "socket buffer limits";
  const { rmemMax, wmemMax } = buffers;
  if (rmemMax === undefined || wmemMax === undefined) {
    return checkResult(id, title, "unavailable", "net.core.rmem_max or wmem_max could not be read");
  }
  const seen = `net.core.rmem_max ${rmemMax}, wmem_max ${wmemMax}`;
  if (rmemMax < RECOMMENDED_SOCKET_BUFFER || wmemMax < RECOMMENDED_SOCKET_BUFFER) {
    return checkResult(
      id,
      title,
      "warn",
      `${seen}: a tunnel's UDP socket cannot get 7 MiB buffers`,
      {
        fix: `for throughput: sudo sysctl -w net.core.rmem_max=${RECOMMENDED_SOCKET_BUFFER} net.core.wmem_max=${RECOMMENDED_SOCKET_BUFFER}`,
      },
    );
  }
  return checkResult(id, title, "pass", seen);
}

/**
 * UDP GRO forwarding on the interface of the default route: with it the kernel coalesces a
 * tunnel's UDP datagrams on their way through (Tailscale's advice for wireguard-go on Linux).
 * A feature the driver lacks cannot be turned on, and is not warned about.
 */
export function uplinkOffloadCheck(uplink: UplinkFacts | undefined | ProbeFailure): CheckResult {
  const id = "uplink-offloads";
  const title = "offloads of the physical interface";
  if (uplink === undefined) {
    return checkResult(
      id,
      title,
      "unavailable",
      "no default route, so no physical interface to check",
    );
  }
  if (isProbeFailure(uplink)) {
    return checkResult(id, title, "unavailable", `could not read the offloads: ${uplink.error}`);
  }
  const forwarding = uplink.features["rx-udp-gro-forwarding"];
  if (forwarding === false) {
    return checkResult(id, title, "warn", `${uplink.interfaceName}: rx-udp-gro-forwarding is off`, {
      fix: `for throughput of UDP tunnels: sudo ethtool -K ${uplink.interfaceName} rx-udp-gro-forwarding on rx-gro-list off`,
    });
  }
  const seen =
    forwarding === true
      ? "rx-udp-gro-forwarding is on"
      : "no UDP GRO forwarding offered by its driver";
  return checkResult(id, title, "pass", `${uplink.interfaceName}: ${seen}`);
}

/**
 * Adapter DNS settings (`--dns`, `configure({ dns })`): on Linux they are systemd-resolved's
 * per-link settings; without resolved on the system bus they are refused (exit code 8), and the
 * adapters themselves work as before.
 */
export function dnsServiceCheck(resolvedRuns: boolean): CheckResult {
  const id = "dns-service";
  const title = "adapter DNS settings";
  if (resolvedRuns)
    return checkResult(id, title, "pass", "systemd-resolved runs: --dns and --search work");
  return checkResult(
    id,
    title,
    "warn",
    "systemd-resolved is not on the system bus: --dns and --search are refused",
    {
      fix: "start systemd-resolved (systemctl enable --now systemd-resolved), or leave DNS out and configure resolv.conf yourself",
    },
  );
}
