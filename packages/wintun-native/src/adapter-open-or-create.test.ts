import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { adapterLinksNamed } from "./test-support/adapter-links.js";
import { describeNetwork, waitFor } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import type { WinTunError } from "./wintun-error.js";

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

  it("runs prepare before the next caller: the creator's session is the one that starts", async () => {
    const sessions = new Map<WinTunAdapter, string | number>();
    const start = (adapter: WinTunAdapter) => {
      try {
        adapter.startSession({ capacity: 0x20000 });
        sessions.set(adapter, "started");
      } catch (error) {
        sessions.set(adapter, (error as WinTunError).code);
        throw error;
      }
    };
    const results = await Promise.allSettled(
      [0, 1, 2].map(() => WinTunAdapter.openOrCreate({ name: "mgw-ad-oc5" }, start)),
    );
    const adapters = results.flatMap((result) =>
      result.status === "fulfilled" ? [result.value] : [],
    );
    opened.push(...adapters);
    expect(adapters).toHaveLength(1);
    expect(adapters[0]?.created).toBe(true);
    expect(adapters[0]?.session).toBeDefined();
    expect([...sessions.values()].sort()).toEqual([1247, 1247, "started"]);
    for (const result of results) {
      if (result.status === "rejected") expect((result.reason as WinTunError).code).toBe(1247);
    }
    // The openers' handles were closed; the adapter stays with its session.
    expect(adapterLinksNamed("mgw-ad-oc5")).toHaveLength(1);
  });

  it("refuses a prepare that is not a function", async () => {
    await expect(
      WinTunAdapter.openOrCreate({ name: "mgw-ad-oc6" }, 42 as never),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "prepare", allowed: "a function" });
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
        // One session, started by the creator while it held the name: the other process gets
        // ERROR_ALREADY_INITIALIZED.
        for (const report of reports)
          expect(report.session).toBe(report.created ? "started" : 1247);
        expect(adapterLinksNamed(name)).toHaveLength(1);
      } finally {
        await Promise.all(children.map((child) => child.finish()));
      }
      expect(adapterLinksNamed(name)).toHaveLength(0);
    }
  });
});
