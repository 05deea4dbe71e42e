import { afterEach, expect, it } from "vitest";
import { describeNetwork } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunLibrary } from "./wintun-library.js";
import type { WinTunLogEntry } from "./wintun-logger.js";

afterEach(() => WinTunLibrary.load().setLogger(undefined));

describeNetwork("wintun's logger", () => {
  it("delivers wintun's messages on the JavaScript thread with wintun's own timestamps", async () => {
    const entries: WinTunLogEntry[] = [];
    WinTunLibrary.load().setLogger((entry) => entries.push(entry));
    const before = Date.now();
    const adapter = await WinTunAdapter.create({ name: "mgw-log1", tunnelType: "Magma" });
    adapter.startSession().close();
    adapter.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = Date.now();
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries.some((entry) => entry.message.includes("mgw-log1"))).toBe(true);
    for (const entry of entries) {
      expect(["info", "warn", "error"]).toContain(entry.level);
      // Real time from wintun's FILETIME stamp (millisecond precision here), not delivery time.
      expect(entry.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(entry.timestamp.getTime()).toBeLessThanOrEqual(after);
    }
  });

  it("formats messages for a console-like logger, failures at error level", async () => {
    const lines: { level: string; text: string }[] = [];
    const record = (level: string) => (text: string) => lines.push({ level, text });
    WinTunLibrary.load().setLogger({
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    });
    await expect(WinTunAdapter.open("mgw-log-missing")).rejects.toMatchObject({ code: 1168 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const failure = lines.find((line) => line.level === "error");
    expect(failure?.text).toMatch(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] wintun: .*mgw-log-missing/);
  });

  it("keeps delivering after a log target throws, and reports the throw as a warning", async () => {
    const entries: WinTunLogEntry[] = [];
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      if (warning.name === "MagmaLogTargetWarning") warnings.push(warning);
    };
    process.on("warning", onWarning);
    try {
      WinTunLibrary.load().setLogger((entry) => {
        entries.push(entry);
        throw new Error("log target bug");
      });
      // Each failed open logs a message: more throws than the native queue has cells (256).
      for (let i = 0; i < 300; i++) {
        await expect(WinTunAdapter.open(`mgw-log3-${i}`)).rejects.toMatchObject({ code: 1168 });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const delivered = entries.length;
      expect(delivered).toBeGreaterThanOrEqual(300);
      expect(entries.some((entry) => entry.message.includes("mgw-log3-299"))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings.length).toBe(delivered);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("stops delivering once the logger is removed", async () => {
    const entries: WinTunLogEntry[] = [];
    const library = WinTunLibrary.load();
    library.setLogger((entry) => entries.push(entry));
    library.setLogger(undefined);
    const adapter = await WinTunAdapter.create({ name: "mgw-log2", tunnelType: "Magma" });
    adapter.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entries).toEqual([]);
  });
});
