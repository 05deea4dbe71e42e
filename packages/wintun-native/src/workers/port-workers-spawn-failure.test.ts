import { FLOW_ECHO_RECEIVER } from "@magma/port-workers-suite";
import { afterEach, expect, it, vi } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { WinTunPort } from "../port/win-tun-port.js";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import type { PortWorkerThread } from "./port-worker-thread.js";

// Which construction of a worker thread fails, as `new Worker` does when the system has no thread
// or memory left; the threads made before it are kept to see what becomes of them.
const spawning = vi.hoisted(() => ({
  failAt: 0,
  made: 0,
  started: [] as PortWorkerThread[],
}));

vi.mock("./port-worker-thread.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("./port-worker-thread.js")>();
  class FailingPortWorkerThread extends original.PortWorkerThread {
    constructor(...args: ConstructorParameters<typeof original.PortWorkerThread>) {
      if (++spawning.made === spawning.failAt) {
        throw new Error("ERR_WORKER_INIT_FAILED: no thread left (injected)");
      }
      super(...args);
      spawning.started.push(this);
    }
  }
  return { ...original, PortWorkerThread: FailingPortWorkerThread };
});

afterEach(async () => {
  for (const thread of spawning.started.splice(0)) await thread.terminate();
  spawning.made = 0;
  spawning.failAt = 0;
});

describeNetwork("WinTunPort with workers, when a worker thread cannot be made", () => {
  it("ends the workers it had started, without reporting them dead, closes what it opened, and throws the error", async () => {
    const before = nativeAddon().liveResources();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on("warning", onWarning);
    spawning.failAt = 3;
    await expect(
      WinTunPort.create({
        adapterName: "mgspawn1",
        workers: { count: 4, receiverModule: FLOW_ECHO_RECEIVER },
      }),
    ).rejects.toThrow("no thread left (injected)");
    expect(spawning.started).toHaveLength(2);
    expect(await waitFor(() => spawning.started.every((thread) => thread.exited), 5000)).toBe(true);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    // They were ended on purpose: no "worker died" for a port that never opened.
    expect(warnings.map((warning) => warning.message)).toEqual([]);
    expect(nativeAddon().liveResources()).toEqual(before);
  });

  it("starts every worker when none fails (the injection point is the one the port uses)", async () => {
    const port = await WinTunPort.create({
      adapterName: "mgspawn2",
      workers: { count: 2, receiverModule: FLOW_ECHO_RECEIVER },
    });
    try {
      expect(spawning.started).toHaveLength(2);
      expect(port.stats.workers?.map((worker) => worker.running)).toEqual([true, true]);
    } finally {
      await port.close();
    }
    expect(spawning.started.every((thread) => thread.exited)).toBe(true);
  });
});
