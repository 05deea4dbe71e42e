import {
  type AppliedConfiguration,
  WinTunPort,
  type WinTunPortStatistics,
  type WinTunTransmitter,
} from "@magma/wintun-native";
import { EchoResponder, type EchoResponderCounters } from "./echo-responder.js";
import { runPingProbe } from "./ping-probe.js";
import type { ProbeResult } from "./probe-result.js";
import { runUdpEchoProbe } from "./udp-echo-probe.js";

/** The demo's link: the kernel holds .1 on the adapter, the responder answers for .2 behind it. */
export const DEMO_NETWORK = {
  kernelV4: "198.18.0.1",
  responderV4: "198.18.0.2",
  prefixV4: 24,
  kernelV6: "fd6d:6167:6d61::1",
  responderV6: "fd6d:6167:6d61::2",
  prefixV6: 64,
  echoPort: 7,
} as const;

export interface EchoDemoOptions {
  /** Default "MagmaDemo". */
  readonly adapterName?: string;
  /** Also configure and probe IPv6. Default true. */
  readonly ipv6?: boolean;
  /** Echo requests per ping run. Default 5. */
  readonly pingCount?: number;
  /** Datagrams per UDP run. Default 20. */
  readonly udpCount?: number;
  /** The wintun library to load; by default wintun.dll on Windows, the emulator on Linux. */
  readonly libraryPath?: string;
}

export interface EchoDemoReport {
  readonly adapterName: string;
  readonly kernelAddresses: readonly string[];
  readonly responderAddresses: readonly string[];
  readonly echoPort: number;
  readonly probes: readonly ProbeResult[];
  readonly responder: EchoResponderCounters;
  readonly port: WinTunPortStatistics;
  /** Errors the port reported (a receiver that threw, a ring failure). */
  readonly portErrors: readonly string[];
  readonly durationMs: number;
}

const REPLY_TIMEOUT_MS = 1000;
const BIND_TIMEOUT_MS = 10_000;

/**
 * The demo: a port on a new adapter whose receiver is an `EchoResponder`, the kernel's side of the
 * link configured through the port's adapter, and the kernel's own ping and UDP sockets driving
 * the responder. Closes the port before returning, also on failure: an adapter the demo created is
 * removed; one that existed before keeps only what it had (the addresses given here are taken back).
 */
export async function runEchoDemo(options: EchoDemoOptions = {}): Promise<EchoDemoReport> {
  const started = performance.now();
  const adapterName = options.adapterName ?? "MagmaDemo";
  const ipv6 = options.ipv6 ?? true;
  const pingCount = options.pingCount ?? 5;
  const udpCount = options.udpCount ?? 20;
  const net = DEMO_NETWORK;
  const responderAddresses = ipv6 ? [net.responderV4, net.responderV6] : [net.responderV4];
  const kernelAddresses = [`${net.kernelV4}/${net.prefixV4}`];
  if (ipv6) kernelAddresses.push(`${net.kernelV6}/${net.prefixV6}`);

  const port = await WinTunPort.create<EchoResponder<WinTunTransmitter>>({
    adapterName,
    ...(options.libraryPath === undefined ? {} : { libraryPath: options.libraryPath }),
    packetReceiverFactory: (transmitter) =>
      new EchoResponder(transmitter, { addresses: responderAddresses, echoPort: net.echoPort }),
  });
  const portErrors: string[] = [];
  port.on("error", (error) =>
    portErrors.push(error instanceof Error ? error.message : String(error)),
  );
  let applied: AppliedConfiguration | undefined;
  try {
    applied = await port.adapter.configure({ addresses: kernelAddresses });

    const families: { family: 4 | 6; kernel: string; responder: string }[] = [
      { family: 4, kernel: net.kernelV4, responder: net.responderV4 },
    ];
    if (ipv6) families.push({ family: 6, kernel: net.kernelV6, responder: net.responderV6 });

    // UDP first: its socket binds only once the new address is usable, which paces what follows.
    const udp: ProbeResult[] = [];
    for (const { family, kernel, responder } of families) {
      udp.push(
        await runUdpEchoProbe({
          localAddress: kernel,
          remoteAddress: responder,
          family,
          port: net.echoPort,
          count: udpCount,
          replyTimeoutMs: REPLY_TIMEOUT_MS,
          bindTimeoutMs: BIND_TIMEOUT_MS,
        }),
      );
    }
    const ping: ProbeResult[] = [];
    for (const { family, responder } of families) {
      ping.push(await runPingProbe({ address: responder, family, count: pingCount }));
    }

    return {
      adapterName,
      kernelAddresses,
      responderAddresses,
      echoPort: net.echoPort,
      probes: [...ping, ...udp],
      responder: structuredClone(port.receiver.counters),
      port: port.stats,
      portErrors,
      durationMs: performance.now() - started,
    };
  } finally {
    // An adapter that existed before the demo stays, so take back the addresses we gave it.
    if (applied !== undefined && !port.adapter.created) port.adapter.removeConfiguration(applied);
    await port.close();
  }
}
