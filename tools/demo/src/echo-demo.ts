import type { SessionPortStatistics } from "@magma/wintun-native";
import {
  checkDemoBackend,
  type DemoBackend,
  type DemoPortRequest,
  type OpenedDemoPort,
} from "./demo-port.js";
import type { EchoResponderCounters } from "./echo-responder.js";
import { runPingProbe } from "./ping-probe.js";
import type { ProbeResult } from "./probe-result.js";
import { openTapDemoPort } from "./tap-demo-port.js";
import { runUdpEchoProbe } from "./udp-echo-probe.js";
import { openWinTunDemoPort } from "./wintun-demo-port.js";

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

/** Each backend's adapter, unless `adapterName` names another. */
export const DEMO_ADAPTER_NAMES: Readonly<Record<DemoBackend, string>> = {
  wintun: "MagmaDemo",
  tap: "MagmaTapDemo",
};

const OPEN_DEMO_PORT: Readonly<
  Record<DemoBackend, (request: DemoPortRequest) => Promise<OpenedDemoPort>>
> = {
  wintun: openWinTunDemoPort,
  tap: openTapDemoPort,
};

export interface EchoDemoOptions {
  /** The port the responder runs on: `WinTunPort` or `TapPort`. Default "wintun". */
  readonly backend?: DemoBackend;
  /** Default "MagmaDemo" (wintun) or "MagmaTapDemo" (tap). */
  readonly adapterName?: string;
  /** Also configure and probe IPv6. Default true. */
  readonly ipv6?: boolean;
  /** Echo requests per ping run. Default 5. */
  readonly pingCount?: number;
  /** Datagrams per UDP run. Default 20. */
  readonly udpCount?: number;
  /**
   * The backend's library: for wintun, wintun.dll on Windows and the emulator on Linux by default;
   * for tap, the TAP emulator on Linux (tools/tap-windows-emu) by default.
   */
  readonly libraryPath?: string;
}

export interface EchoDemoReport {
  readonly backend: DemoBackend;
  readonly adapterName: string;
  readonly kernelAddresses: readonly string[];
  readonly responderAddresses: readonly string[];
  readonly echoPort: number;
  readonly probes: readonly ProbeResult[];
  readonly responder: EchoResponderCounters;
  readonly port: SessionPortStatistics;
  /** Errors the port reported (a receiver that threw, a ring failure). */
  readonly portErrors: readonly string[];
  readonly durationMs: number;
}

const REPLY_TIMEOUT_MS = 1000;
const BIND_TIMEOUT_MS = 10_000;

/**
 * The demo: a port on the chosen backend's adapter whose receiver is an `EchoResponder`, the
 * kernel's side of the link given its addresses, and the kernel's own ping and UDP sockets driving
 * the responder. Releases the port before returning, also on failure: an adapter the demo made is
 * removed; one that existed before keeps only what it had (the addresses given here are taken back).
 */
export async function runEchoDemo(options: EchoDemoOptions = {}): Promise<EchoDemoReport> {
  const started = performance.now();
  const backend = checkDemoBackend("runEchoDemo", "backend", options.backend ?? "wintun");
  const open = OPEN_DEMO_PORT[backend];
  const adapterName = options.adapterName ?? DEMO_ADAPTER_NAMES[backend];
  const ipv6 = options.ipv6 ?? true;
  const net = DEMO_NETWORK;
  const responderAddresses = ipv6 ? [net.responderV4, net.responderV6] : [net.responderV4];
  const kernelAddresses = [`${net.kernelV4}/${net.prefixV4}`];
  if (ipv6) kernelAddresses.push(`${net.kernelV6}/${net.prefixV6}`);

  const { port, release } = await open({
    adapterName,
    kernelAddresses,
    responder: { addresses: responderAddresses, echoPort: net.echoPort },
    libraryPath: options.libraryPath,
  });
  const portErrors: string[] = [];
  port.on("error", (error) =>
    portErrors.push(error instanceof Error ? error.message : String(error)),
  );
  try {
    const probes = await runDemoProbes(ipv6, options.pingCount ?? 5, options.udpCount ?? 20);
    return {
      backend,
      adapterName,
      kernelAddresses,
      responderAddresses,
      echoPort: net.echoPort,
      probes,
      responder: structuredClone(port.receiver.counters),
      port: port.stats,
      portErrors,
      durationMs: performance.now() - started,
    };
  } finally {
    await release();
  }
}

/** The kernel's probes of the responder, the same whatever port it runs on: ping, then UDP. */
async function runDemoProbes(
  ipv6: boolean,
  pingCount: number,
  udpCount: number,
): Promise<ProbeResult[]> {
  const net = DEMO_NETWORK;
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
  return [...ping, ...udp];
}
