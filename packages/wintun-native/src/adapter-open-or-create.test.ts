import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { adapterLinksNamed } from "./test-support/adapter-links.js";
import { describeNetwork, waitFor } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";

const opened: WinTunAdapter[] = [];
afterEach(() => {
  // Opened handles first: closing the created one removes the adapter.
  for (const adapter of opened.splice(0).sort((a, b) => Number(a.created) - Number(b.created))) {
    adapter.close();
  }
});

interface ChildReport {
  readonly created?: boolean;
  readonly luid?: string;
  readonly session?: "started" | number;
  readonly failed?: number;
}

/** A child process that opens or creates `name` at `startAt` and reports, keeping it until told. */
function startChild(name: string, startAt: number) {
  const script = fileURLToPath(new URL("./test-support/open-or-create-child.mjs", import.meta.url));
  const child = spawn(process.execPath, [script, name, String(startAt)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    report: async (): Promise<ChildReport> => {
      expect(await waitFor(() => output.includes("\n"), 20_000)).toBe(true);
      return JSON.parse(output) as ChildReport;
    },
    finish: async (): Promise<void> => {
      const closed = once(child, "close");
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

describeNetwork("WinTunAdapter.openOrCreate", () => {
  it("creates the adapter when there is none, and opens it when there is", async () => {
    const first = await WinTunAdapter.openOrCreate({ name: "mgw-ad-oc1" });
    opened.push(first);
    expect(first.created).toBe(true);
    const second = await WinTunAdapter.openOrCreate({ name: "MGW-AD-OC1" });
    opened.push(second);
    expect(second.created).toBe(false);
    expect(second.luid).toBe(first.luid);
    expect(adapterLinksNamed("mgw-ad-oc1")).toHaveLength(1);
  });

  it("ends with one adapter when callers in one process race for the same name (in any case)", async () => {
    const names = ["mgw-ad-oc2", "MGW-AD-OC2", "mgw-ad-OC2", "Mgw-Ad-Oc2"];
    const adapters = await Promise.all(names.map((name) => WinTunAdapter.openOrCreate({ name })));
    opened.push(...adapters);
    expect(adapters.filter((adapter) => adapter.created)).toHaveLength(1);
    expect(new Set(adapters.map((adapter) => adapter.luid)).size).toBe(1);
    expect(adapterLinksNamed("mgw-ad-oc2")).toHaveLength(1);
  });

  it("without it, two creates of one name make two adapters (wintun renames the older '<name> 1')", async () => {
    const both = await Promise.all([
      WinTunAdapter.create({ name: "mgw-ad-oc3" }),
      WinTunAdapter.create({ name: "mgw-ad-oc3" }),
    ]);
    opened.push(...both);
    expect(
      adapterLinksNamed("mgw-ad-oc3")
        .map((link) => link.alias)
        .sort(),
    ).toEqual(["mgw-ad-oc3", "mgw-ad-oc3 1"]);
  });

  it("ends with one adapter and one session when two processes race for the same name", async () => {
    for (let round = 0; round < 10; round++) {
      const name = `mgw-ad-oc4-${round}`;
      const startAt = Date.now() + 700;
      const children = [startChild(name, startAt), startChild(name, startAt)];
      try {
        const reports = await Promise.all(children.map((child) => child.report()));
        expect(reports.map((report) => report.failed)).toEqual([undefined, undefined]);
        expect(reports.filter((report) => report.created)).toHaveLength(1);
        expect(reports[0]?.luid).toBe(reports[1]?.luid);
        // One session, wherever it started: the other process gets ERROR_ALREADY_INITIALIZED.
        expect(reports.map((report) => report.session).sort()).toEqual([1247, "started"]);
        expect(adapterLinksNamed(name)).toHaveLength(1);
      } finally {
        await Promise.all(children.map((child) => child.finish()));
      }
      expect(adapterLinksNamed(name)).toHaveLength(0);
    }
  });
});
