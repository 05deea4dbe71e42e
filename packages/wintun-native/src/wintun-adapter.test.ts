import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { describeNetwork, linkExists } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

const opened: WinTunAdapter[] = [];
afterEach(() => {
  for (const adapter of opened.splice(0).reverse()) adapter.close();
});

async function create(name: string): Promise<WinTunAdapter> {
  const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
  opened.push(adapter);
  return adapter;
}

async function rejection(promise: Promise<unknown>): Promise<WinTunError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  throw new Error("expected a WinTunError");
}

function thrown(action: () => unknown): WinTunError {
  try {
    action();
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  throw new Error("expected a WinTunError");
}

describeNetwork("WinTunAdapter", () => {
  it("creates an interface with a LUID that leads to it, and removes it when closed", async () => {
    const adapter = await create("mgw-ad1");
    expect(linkExists("mgw-ad1")).toBe(true);
    expect(adapter.created).toBe(true);
    expect(adapter.luid >> 48n).toBe(53n);
    const ifindex = Number((adapter.luid >> 24n) & 0xffffffn);
    expect(ifindex).toBeGreaterThan(0);
    expect(adapter.driverVersion).toEqual({ major: 0, minor: 14 });
    adapter.close();
    adapter.close();
    expect(adapter.isClosed).toBe(true);
    expect(linkExists("mgw-ad1")).toBe(false);
  });

  it("opens an existing adapter by name, case-insensitively, and closing that handle keeps it", async () => {
    const created = await create("mgw-ad2");
    const handle = await WinTunAdapter.open("MGW-AD2");
    expect(handle.created).toBe(false);
    expect(handle.luid).toBe(created.luid);
    handle.close();
    expect(linkExists("mgw-ad2")).toBe(true);
  });

  it("reports an unknown name as ERROR_NOT_FOUND from WintunOpenAdapter", async () => {
    const error = await rejection(WinTunAdapter.open("mgw-none"));
    expect(error.code).toBe(1168);
    expect(error.call).toBe("WintunOpenAdapter");
    expect(error.hint).toMatch(/WinTunAdapter\.create/);
  });

  it("checks the ring capacity before calling the driver", async () => {
    const adapter = await create("mgw-ad3");
    for (const capacity of [0x10000, 0x30000, 0x8000000]) {
      const error = thrown(() => adapter.startSession({ capacity }));
      expect(error.code).toBe(87);
      expect(error.symbol).toBe("ERROR_INVALID_PARAMETER");
    }
    const session = adapter.startSession({ capacity: 0x20000 });
    expect(session.capacity).toBe(0x20000);
    session.close();
  });

  it("refuses a second session on an adapter with ERROR_ALREADY_INITIALIZED, through any handle", async () => {
    const adapter = await create("mgw-ad4");
    const session = adapter.startSession();
    const second = thrown(() => adapter.startSession());
    expect(second.code).toBe(1247);
    expect(second.symbol).toBe("ERROR_ALREADY_INITIALIZED");
    const other = await WinTunAdapter.open("mgw-ad4");
    expect(thrown(() => other.startSession()).code).toBe(1247);
    other.close();
    session.close();
    const again = adapter.startSession();
    again.close();
  });

  it("closing an adapter ends its session first", async () => {
    const adapter = await create("mgw-ad5");
    const session = adapter.startSession();
    const ended = session.ended;
    adapter.close();
    expect(await ended).toEqual({ reason: "closed" });
    expect(linkExists("mgw-ad5")).toBe(false);
  });

  it("reports missing rights as ERROR_ACCESS_DENIED with what to do", () => {
    // A child without CAP_NET_ADMIN (root, but with the capability dropped from every set).
    const script = fileURLToPath(
      new URL("./test-support/create-without-rights.mjs", import.meta.url),
    );
    const child = spawnSync(
      "setpriv",
      ["--bounding-set=-net_admin", "--inh-caps=-net_admin", "--", process.execPath, script],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(child.stderr).toBe("");
    const result = JSON.parse(child.stdout) as {
      code: number;
      symbol: string;
      call: string;
      hint: string;
    };
    expect(result.code).toBe(5);
    expect(result.symbol).toBe("ERROR_ACCESS_DENIED");
    expect(result.call).toBe("WintunCreateAdapter");
    expect(result.hint).toMatch(/root or with CAP_NET_ADMIN/);
  });
});
