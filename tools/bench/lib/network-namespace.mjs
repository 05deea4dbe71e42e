// A fresh network namespace per measurement, named magma-bench-<pid>-<n>, removed on every way
// out (see cleanup-on-exit.mjs). Programs run inside it through nsenter, which execs them, so
// the pid Node.js sees is the program's own pid (ip netns exec would add a parent process).
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { onCleanup } from "./cleanup-on-exit.mjs";

/** The two ends of the benchmark path: the TUN interface's address and the reflected peer. */
export const benchAddresses = { local: "198.18.0.1", remote: "198.18.0.2", prefixLength: 24 };

const commandTimeoutMs = 10_000;
let created = 0;

/** null when this process can create namespaces and TUN interfaces, else the reason it cannot. */
export function networkPrerequisiteProblem() {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and TUN interfaces)";
  try {
    accessSync("/dev/net/tun", constants.R_OK | constants.W_OK);
  } catch {
    return "/dev/net/tun is missing or not usable";
  }
  for (const tool of ["ip", "nsenter"]) {
    if (spawnSync(tool, ["-V"], { stdio: "ignore" }).error !== undefined) {
      return `${tool} is not installed (iproute2, util-linux)`;
    }
  }
  return null;
}

export function createNetworkNamespace() {
  const name = `magma-bench-${process.pid}-${created++}`;
  execFileSync("ip", ["netns", "add", name], { timeout: commandTimeoutMs, stdio: "pipe" });
  const destroy = onCleanup(() => {
    spawnSync("ip", ["netns", "del", name], { timeout: commandTimeoutMs, stdio: "ignore" });
  });
  // `cpu`: pin the program, and every thread it starts, to that CPU (taskset execs it in turn).
  const command = (argv, cpu) => [
    "nsenter",
    `--net=/run/netns/${name}`,
    "--",
    ...(cpu === undefined ? [] : ["taskset", "--cpu-list", String(cpu)]),
    ...argv,
  ];
  const run = (argv) =>
    execFileSync(command(argv)[0], command(argv).slice(1), {
      timeout: commandTimeoutMs,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
  try {
    run(["ip", "link", "set", "lo", "up"]);
    // Interfaces created from now on start with IPv6 off: no router solicitations or MLD
    // reports reach the reflectors (rule 6 of the network-test rules).
    run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
    run(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]);
  } catch (error) {
    destroy();
    throw error;
  }
  return { name, command, run, destroy };
}

/**
 * Gives the reflector's interface the local address (the peer is on its /24), and `mtu` if given,
 * and brings it up.
 */
export function configureBenchInterface(namespace, ifname, { mtu } = {}) {
  const { local, prefixLength } = benchAddresses;
  namespace.run(["sysctl", "-qw", `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
  if (mtu !== undefined) namespace.run(["ip", "link", "set", ifname, "mtu", String(mtu)]);
  namespace.run(["ip", "address", "replace", `${local}/${prefixLength}`, "dev", ifname]);
  namespace.run(["ip", "link", "set", ifname, "up"]);
}

/**
 * A veth pair between two namespaces, both ends up with `mtu`: `localIfname` in `local` with the
 * local address, `remoteIfname` in `remote` with the remote one. Deleting either namespace
 * deletes the pair.
 */
export function connectVethPair(local, remote, { localIfname, remoteIfname, mtu }) {
  const { local: localAddress, remote: remoteAddress, prefixLength } = benchAddresses;
  local.run([
    ...["ip", "link", "add", localIfname, "mtu", String(mtu), "type", "veth"],
    ...["peer", "name", remoteIfname, "mtu", String(mtu), "netns", remote.name],
  ]);
  for (const [namespace, ifname, address] of [
    [local, localIfname, localAddress],
    [remote, remoteIfname, remoteAddress],
  ]) {
    namespace.run(["sysctl", "-qw", `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
    namespace.run(["ip", "address", "replace", `${address}/${prefixLength}`, "dev", ifname]);
    namespace.run(["ip", "link", "set", ifname, "up"]);
  }
}
