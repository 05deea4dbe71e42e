import { afterEach, expect, it } from "vitest";
import { listLinks } from "./test-support/adapter-links.js";
import { describeNetwork, linkExists } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

const opened: WinTunAdapter[] = [];
afterEach(() => {
  for (const adapter of opened.splice(0).reverse()) adapter.close();
});

async function create(name: string): Promise<WinTunAdapter> {
  const adapter = await WinTunAdapter.create({ name });
  opened.push(adapter);
  return adapter;
}

async function open(name: string): Promise<WinTunAdapter> {
  const adapter = await WinTunAdapter.open(name);
  opened.push(adapter);
  return adapter;
}

describeNetwork("WinTunAdapter identity: interfaceName, interfaceIndex, luid", () => {
  it("names what `ip link` shows: the interface of a Linux-valid name is that name, with the index in the LUID and the name in the alias", async () => {
    const adapter = await create("mgw-ad-id1");
    expect(adapter.interfaceName).toBe("mgw-ad-id1");
    const link = listLinks().find((line) => line.name === "mgw-ad-id1");
    expect(link).toEqual({
      index: adapter.interfaceIndex,
      name: "mgw-ad-id1",
      alias: "mgw-ad-id1",
    });
    expect(adapter.luid).toBe((53n << 48n) | (BigInt(adapter.interfaceIndex) << 24n));
  });

  it("derives a deterministic interface name for a name Linux cannot use, and keeps the whole name in the alias", async () => {
    const name = "mgw-ad Magma Tunnel";
    const first = await create(name);
    expect(first.interfaceName).toMatch(/^mgw-ad-Mag-[0-9a-f]{4}$/);
    expect(linkExists(first.interfaceName)).toBe(true);
    const link = listLinks().find((line) => line.index === first.interfaceIndex);
    expect(link).toEqual({ index: first.interfaceIndex, name: first.interfaceName, alias: name });
    const byName = await open("MGW-AD MAGMA TUNNEL");
    expect(byName.interfaceName).toBe(first.interfaceName);
    expect(byName.interfaceIndex).toBe(first.interfaceIndex);
    expect(byName.luid).toBe(first.luid);
    const derived = first.interfaceName;
    byName.close();
    first.close();
    expect(linkExists(derived)).toBe(false);
    const again = await create(name);
    expect(again.interfaceName).toBe(derived);
  });

  it("accepts the longest name wintun accepts (127 code units), non-ASCII too", async () => {
    const longest = `mgw-ad-${"é".repeat(120)}`;
    expect(longest.length).toBe(127);
    const adapter = await create(longest);
    expect(adapter.interfaceName).toMatch(/^mgw-ad-[0-9a-f]{4}$/);
    expect((await open(longest.toUpperCase())).luid).toBe(adapter.luid);
    expect(listLinks().find((line) => line.index === adapter.interfaceIndex)?.alias).toBe(longest);
  });

  it("gives a newer adapter of the same name that name and the older one '<name> 1', each with its own interface", async () => {
    const older = await create("mgw-ad-id2");
    const newer = await create("mgw-ad-id2");
    expect(older.interfaceName).toBe("mgw-ad-id2");
    expect(newer.interfaceName).toBe("mgw-ad-id2-1");
    expect((await open("mgw-ad-id2")).luid).toBe(newer.luid);
    expect((await open("mgw-ad-id2 1")).luid).toBe(older.luid);
  });

  it("keeps the last interface name after close, and reports a vanished interface as ERROR_FILE_NOT_FOUND", async () => {
    const adapter = await create("mgw-ad-id3");
    const other = await open("mgw-ad-id3");
    adapter.close();
    expect(adapter.interfaceName).toBe("mgw-ad-id3");
    let error: unknown;
    try {
      void other.interfaceName;
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WinTunError);
    expect((error as WinTunError).code).toBe(2);
    expect((error as WinTunError).call).toBe("if_indextoname");
  });
});
