import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createTapAdapter,
  deleteTapAdapter,
  listTapAdapters,
  TapErrorCode,
  TapPort,
  type TapTransmitter,
} from "@magma/tap-legacy";
import { describe, expect, it } from "vitest";
import { DEMO_BACKENDS, type DemoBackend } from "./demo-port.js";
import { DEMO_ADAPTER_NAMES, DEMO_NETWORK, runEchoDemo } from "./echo-demo.js";
import { EchoResponder } from "./echo-responder.js";
import { describeNetwork, interfaceAddresses, linkExists } from "./test-support/network-test.js";

const builtDemo = fileURLToPath(new URL("../dist/run-demo.js", import.meta.url));

// Short enough to be the emulated TAP adapter's Linux interface name too (IFNAMSIZ).
const TEST_ADAPTER_NAMES: Readonly<Record<DemoBackend, string>> = {
  wintun: "MagmaDemoTest",
  tap: "MagmaTapTest",
};

/** No adapter of that name is left: no interface, and for tap no registry entry either. */
function adapterGone(backend: DemoBackend, name: string): boolean {
  const listed = backend === "tap" && listTapAdapters().some((adapter) => adapter.name === name);
  return !listed && !linkExists(name);
}

function runBuiltDemo(args: readonly string[]) {
  expect(existsSync(builtDemo), "build the demo first (pnpm --filter @magma/demo build)").toBe(
    true,
  );
  const { MAGMA_DEMO_NETNS: _, ...env } = process.env;
  return spawnSync(process.execPath, [builtDemo, ...args], {
    encoding: "utf8",
    env,
    timeout: 90_000,
    killSignal: "SIGKILL",
  });
}

describeNetwork("the demo, with the kernel's ping and UDP sockets as peers", () => {
  for (const backend of DEMO_BACKENDS) {
    const adapterName = TEST_ADAPTER_NAMES[backend];

    it(`answers every ping and UDP echo over IPv4 and IPv6 through ${backend}, and removes its adapter`, async () => {
      const report = await runEchoDemo({ backend, adapterName, pingCount: 3, udpCount: 8 });

      expect(report.backend).toBe(backend);
      expect(report.probes.map((p) => p.label)).toEqual([
        `ping ${DEMO_NETWORK.responderV4}`,
        `ping ${DEMO_NETWORK.responderV6}`,
        `UDP ${DEMO_NETWORK.responderV4}:7`,
        `UDP [${DEMO_NETWORK.responderV6}]:7`,
      ]);
      for (const probe of report.probes) {
        expect(probe.problem, probe.label).toBeUndefined();
        expect([probe.label, probe.sent, probe.answered]).toEqual([
          probe.label,
          probe.label.startsWith("ping") ? 3 : 8,
          probe.label.startsWith("ping") ? 3 : 8,
        ]);
        expect(probe.roundTripsMs.every((t) => t > 0 && t < 1000)).toBe(true);
      }
      const responder = report.responder;
      expect(responder.icmpRequests).toBe(6);
      expect(responder.udpRequests).toBe(16);
      expect(responder.answered).toBe(22);
      expect(Object.values(responder.dropped).every((n) => n === 0)).toBe(true);
      // The port saw at least the requests and sent exactly the answers.
      expect(report.port.rxPackets).toBeGreaterThanOrEqual(22);
      expect(report.port.txPackets).toBe(22);
      expect(report.port.receiver.consumed).toBe(22);
      expect(report.portErrors).toEqual([]);
      expect(adapterGone(backend, adapterName)).toBe(true);
    }, 60_000);

    it(`runs as the README's command with --backend ${backend}: its own namespace, a readable summary, exit code 0`, () => {
      const run = runBuiltDemo(["--backend", backend]);

      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("network namespace of its own");
      expect(run.stdout).toContain(`backend ${backend}, adapter ${DEMO_ADAPTER_NAMES[backend]}:`);
      expect(run.stdout).toMatch(/ping 198\.18\.0\.2\s+5\s+5\s/);
      expect(run.stdout).toMatch(/UDP 198\.18\.0\.2:7\s+20\s+20\s/);
      expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^OK: all 50 requests answered/);
      // The demo's adapter lived in the namespace it made, not in this one.
      expect(adapterGone(backend, DEMO_ADAPTER_NAMES[backend])).toBe(true);
    }, 100_000);
  }
});

describeNetwork("the demo on a TAP adapter that existed before it", () => {
  it("uses it and leaves it as it was, also when another handle holds it and the demo fails", async () => {
    const kept = await createTapAdapter("MagmaTapKept");
    try {
      // tap0901 opens once at a time (GEN_FAILURE for the second handle): the demo cannot start.
      const holder = await TapPort.create<EchoResponder<TapTransmitter>>({
        guid: kept.guid,
        packetReceiverFactory: (transmitter) =>
          new EchoResponder(transmitter, { addresses: ["198.18.1.2"] }),
      });
      const held = await runEchoDemo({ backend: "tap", adapterName: "MagmaTapKept" }).catch(
        (error: unknown) => error,
      );
      await holder.close();
      expect(held).toMatchObject({ code: TapErrorCode.GEN_FAILURE });
      expect(listTapAdapters().filter((adapter) => adapter.guid === kept.guid)).toHaveLength(1);

      const report = await runEchoDemo({
        backend: "tap",
        adapterName: "MagmaTapKept",
        pingCount: 2,
        udpCount: 4,
      });
      expect(report.probes.every((p) => p.sent > 0 && p.answered === p.sent)).toBe(true);
      expect(report.portErrors).toEqual([]);
      // Still there, without the addresses the demo gave its kernel side.
      expect(listTapAdapters().filter((adapter) => adapter.guid === kept.guid)).toHaveLength(1);
      expect(interfaceAddresses(kept.interfaceName ?? "MagmaTapKept")).toEqual([]);
    } finally {
      await deleteTapAdapter(kept.guid);
    }
  }, 60_000);
});

describe("the demo's command line", () => {
  it("refuses a backend it does not have, before it needs root or a namespace, with exit code 2", () => {
    const run = runBuiltDemo(["--backend", "tun"]);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('magma demo: --backend must be "wintun" or "tap", got "tun"');
    expect(run.stderr).toContain("usage: run-demo.js [--backend wintun|tap]");
  });
});
