import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { DEMO_NETWORK, runEchoDemo } from "./echo-demo.js";
import { describeNetwork, linkExists } from "./test-support/network-test.js";

const builtDemo = fileURLToPath(new URL("../dist/run-demo.js", import.meta.url));

describeNetwork("the demo, with the kernel's ping and UDP sockets as peers", () => {
  it("answers every ping and UDP echo over IPv4 and IPv6, and removes its adapter", async () => {
    const report = await runEchoDemo({ adapterName: "MagmaDemoTest", pingCount: 3, udpCount: 8 });

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
    expect(linkExists("MagmaDemoTest")).toBe(false);
  }, 60_000);

  it("runs as the README's command: its own namespace, a readable summary, exit code 0", () => {
    expect(existsSync(builtDemo), "build the demo first (pnpm --filter @magma/demo build)").toBe(
      true,
    );
    const { MAGMA_DEMO_NETNS: _, ...env } = process.env;
    const run = spawnSync(process.execPath, [builtDemo], {
      encoding: "utf8",
      env,
      timeout: 90_000,
      killSignal: "SIGKILL",
    });

    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("network namespace of its own");
    expect(run.stdout).toMatch(/ping 198\.18\.0\.2\s+5\s+5\s/);
    expect(run.stdout).toMatch(/UDP 198\.18\.0\.2:7\s+20\s+20\s/);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^OK: all 50 requests answered/);
    // The demo's adapter lived in the namespace it made, not in this one.
    expect(linkExists("MagmaDemo")).toBe(false);
  }, 100_000);
});
