import { execFileSync, spawn } from "node:child_process";
import type { IPacketTransmitter } from "@magma/transport";
import { WinTunPort, type WinTunTransmitter } from "@magma/wintun-native";
import { describe } from "vitest";
import type { TcpReceiverOptions } from "../tcp-receiver-options.js";
import type { TcpDispatcher } from "../tcp-transport-receiver.js";
import { TcpTransportReceiver } from "../tcp-transport-receiver.js";

/**
 * True inside the network namespace scripts/run-tests.mjs makes for the suite (root,
 * /dev/net/tun). Outside it the kernel-peer tests skip, which the runner turns into a failure
 * when MAGMA_REQUIRE_TUN=1 (CI).
 */
export const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";

/** `describe` for tests whose peer is the kernel's TCP over an adapter; skipped outside the namespace. */
export const describeKernelPeer: ReturnType<typeof describe.skipIf> = describe.skipIf(
  !inTestNamespace,
);

export function run(command: string, args: readonly string[], input?: string): string {
  return execFileSync(command, args, {
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    ...(input === undefined ? {} : { input }),
  });
}

export interface KernelPeerLink {
  readonly port: WinTunPort<TcpTransportReceiver<WinTunTransmitter>>;
  readonly receiver: TcpTransportReceiver<WinTunTransmitter>;
  /** The kernel's address on the link (198.18.<subnet>.1). */
  readonly kernelAddress: string;
  /** Our receiver's address (198.18.<subnet>.2). */
  readonly address: string;
  /** Drops `percent` of packets each way on the adapter (nftables netdev hooks; no netem here). */
  addLoss(percent: number): void;
  removeLoss(): void;
  /** Packets the loss rules dropped so far: toward the kernel (ours) and from it. */
  lossCounters(): { toKernel: number; fromKernel: number };
  close(): Promise<void>;
}

/**
 * The receiver every kernel-peer test serves, for any port's transmitter: a `TcpTransportReceiver`
 * for `address`:80 handing accepted sockets to `dispatcher`.
 */
export function tcpReceiverFactory<TTransmitter extends IPacketTransmitter>(options: {
  readonly address: string;
  readonly dispatcher?: TcpDispatcher;
  readonly mtu?: number;
  readonly tcp?: TcpReceiverOptions;
}): (transmitter: TTransmitter) => TcpTransportReceiver<TTransmitter> {
  return (transmitter) =>
    new TcpTransportReceiver(
      { address: options.address, port: 80 },
      transmitter,
      options.dispatcher,
      {
        ...(options.mtu === undefined ? {} : { mtu: options.mtu }),
        ...options.tcp,
      },
    );
}

/**
 * A WinTunPort whose receiver is a `TcpTransportReceiver` for 198.18.<subnet>.2:80, with the
 * kernel holding 198.18.<subnet>.1/24 on the adapter (IPv6 off so no router solicitations mix
 * in); or, with `family: 6`, fd6d:6167:6d61:<subnet>::2 and ::1/64.
 */
export async function openKernelPeerLink(options: {
  readonly adapterName: string;
  readonly subnet: number;
  readonly dispatcher?: TcpDispatcher;
  readonly mtu?: number;
  readonly tcp?: TcpReceiverOptions;
  /** 6: the receiver and the kernel use fd6d:6167:6d61:<subnet>::2 and ::1/64 instead [4]. */
  readonly family?: 4 | 6;
}): Promise<KernelPeerLink> {
  const v6 = options.family === 6;
  const address = v6 ? `fd6d:6167:6d61:${options.subnet}::2` : `198.18.${options.subnet}.2`;
  const kernelAddress = v6 ? `fd6d:6167:6d61:${options.subnet}::1` : `198.18.${options.subnet}.1`;
  const port = await WinTunPort.create<TcpTransportReceiver<WinTunTransmitter>>({
    adapterName: options.adapterName,
    packetReceiverFactory: tcpReceiverFactory({ ...options, address }),
  });
  const name = options.adapterName;
  if (v6) {
    // No duplicate-address detection wait, and no router solicitations to mix into the traffic.
    run("sysctl", ["-qw", `net.ipv6.conf.${name}.router_solicitations=0`]);
    run("ip", ["-6", "addr", "add", `${kernelAddress}/64`, "dev", name, "nodad"]);
  } else {
    run("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
    run("ip", ["addr", "add", `${kernelAddress}/24`, "dev", name]);
  }
  run("ip", ["link", "set", name, "mtu", String(options.mtu ?? 1500)]);
  run("ip", ["link", "set", name, "up"]);
  const table = `loss_${name.replace(/[^a-z0-9]/gi, "_")}`;
  let lossAdded = false;
  const removeLoss = (): void => {
    if (!lossAdded) return;
    run("nft", ["delete", "table", "netdev", table]);
    lossAdded = false;
  };
  return {
    port,
    receiver: port.receiver,
    kernelAddress,
    address,
    addLoss(percent: number) {
      removeLoss();
      // On the device's ingress and egress hooks, so a dropped packet is lost on the wire: a drop
      // on the IP output hook would be a local send error that the kernel's TCP retries at once.
      run(
        "nft",
        ["-f", "-"],
        `table netdev ${table} {\n chain in {\n  type filter hook ingress device "${name}" priority 0;\n  numgen random mod 100 < ${percent} counter drop\n }\n chain out {\n  type filter hook egress device "${name}" priority 0;\n  numgen random mod 100 < ${percent} counter drop\n }\n}\n`,
      );
      lossAdded = true;
    },
    removeLoss,
    lossCounters() {
      const listing = run("nft", ["list", "table", "netdev", table]);
      const counts = [...listing.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      return { toKernel: counts[0] ?? 0, fromKernel: counts[1] ?? 0 };
    },
    async close() {
      removeLoss();
      port.receiver.close();
      await port.close();
    },
  };
}

/** Runs curl with a time limit; resolves with its exit code and standard output. */
export function curl(
  args: readonly string[],
  timeoutSeconds = 60,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("curl", ["-sS", "--max-time", String(timeoutSeconds), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("exit", (code) => resolve({ code: code ?? -1, out: out.trim() }));
  });
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
