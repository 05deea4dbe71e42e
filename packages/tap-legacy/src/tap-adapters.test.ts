// Discovery, creation and removal against tools/tap-windows-emu: emulated adapters are real Linux
// TAP interfaces in this run's network namespace (scripts/run-tests.mjs), listed in the emulated
// registry as tap0901 adapters are on Windows. Each case cites the reference section it checks.
import { execFileSync } from "node:child_process";
import { OptionError } from "@magma/transport";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTapAdapter,
  deleteTapAdapter,
  listTapAdapters,
  setTapAdapterEnabled,
  TapError,
  TapErrorCode,
} from "./index.js";
import { createAdapterWithComponentId, holdAdapter } from "./test-support/emulator-hooks.js";

const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";

function linkExists(name: string): boolean {
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  return links.split("\n").some((line) => line.split(": ")[1]?.split("@")[0] === name);
}

describe.skipIf(!inTestNamespace)("TAP adapters over the emulator", () => {
  const made: string[] = [];
  const releases: (() => void)[] = [];

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    for (const guid of made.splice(0)) {
      await deleteTapAdapter(guid).catch((error: unknown) => {
        // Deleted by the test itself already.
        if (!(error instanceof TapError && error.code === TapErrorCode.NOT_FOUND)) throw error;
      });
    }
    expect(listTapAdapters()).toEqual([]);
  });

  it("lists exactly the tap0901 adapters, with what their devices say (B.1, B.3)", async () => {
    const first = await createTapAdapter("tapdisc1");
    const second = await createTapAdapter("Magma second");
    made.push(first.guid, second.guid);
    // B.1.2: a vendor fork of the driver has its own ComponentId and is not ours.
    made.push(createAdapterWithComponentId("nordfork", "tapnordvpn"));
    // A plain "tap0901" instance (one made from the INF, not by tapctl) is ours too.
    const plain = createAdapterWithComponentId("plain0901", "tap0901");
    made.push(plain);

    const listed = listTapAdapters();
    expect(listed.map((adapter) => adapter.name).sort()).toEqual(
      ["Magma second", "plain0901", "tapdisc1"].sort(),
    );
    const one = listed.find((adapter) => adapter.guid === first.guid);
    expect(one).toEqual(first);
    expect(one).toMatchObject({
      name: "tapdisc1",
      componentId: "root\\tap0901",
      present: true,
      inUse: false,
      driverVersion: { major: 9, minor: 27, debug: 0 },
      mtu: 1500,
      interfaceName: "tapdisc1",
    });
    expect(one?.openError).toBeUndefined();
    expect(one?.guid).toMatch(/^\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}$/);
    // B.3: without NetworkAddress, 00:FF followed by bytes of the GUID.
    expect(one?.mac).toBe(`00:ff:${first.guid.slice(1, 9).toLowerCase().match(/../g)?.join(":")}`);
    // `ip -o link show dev X` starts "<ifindex>: X: ..." (sysfs shows the host's namespace).
    const line = execFileSync("ip", ["-o", "link", "show", "dev", "tapdisc1"], {
      encoding: "utf8",
    });
    const index = Number(line.split(":")[0]);
    // The LUID the emulators give a Linux interface: IF_TYPE_PROP_VIRTUAL (53), then the ifindex.
    expect(one?.luid).toBe((53n << 48n) | (BigInt(index) << 24n));
    // A name that is no valid Linux interface name gets tapN, as the emulator documents.
    const spaced = listed.find((adapter) => adapter.guid === second.guid);
    expect(spaced?.interfaceName).toMatch(/^tap\d+$/);
    expect(listed.find((adapter) => adapter.guid === plain)?.componentId).toBe("tap0901");
  });

  it("reports an adapter held by another handle as in use, with the real reason (B.2, B.6.1)", async () => {
    const adapter = await createTapAdapter("tapheld");
    made.push(adapter.guid);
    releases.push(holdAdapter(adapter.guid));
    const [held] = listTapAdapters();
    expect(held).toMatchObject({ guid: adapter.guid, present: true, inUse: true });
    expect(held?.driverVersion).toBeUndefined();
    expect(held?.openError).toBeInstanceOf(TapError);
    expect(held?.openError?.code).toBe(TapErrorCode.GEN_FAILURE);
    expect(held?.openError?.symbol).toBe("ERROR_GEN_FAILURE");
    expect(held?.openError?.call).toBe("CreateFileW");
    expect(held?.openError?.hint).toMatch(/another handle holds/);
    // Still listed by its interface, which exists while held.
    expect(held?.interfaceName).toBe("tapheld");
    releases.pop()?.();
    expect(listTapAdapters()[0]).toMatchObject({ inUse: false, present: true, mtu: 1500 });
  });

  it("reports a disabled adapter as a phantom, not as in use (B.1.5, B.6.1)", async () => {
    const adapter = await createTapAdapter("tapphantom");
    made.push(adapter.guid);
    await setTapAdapterEnabled(adapter.guid, false);
    const [phantom] = listTapAdapters();
    expect(phantom).toMatchObject({
      guid: adapter.guid,
      name: "tapphantom",
      present: false,
      inUse: false,
    });
    expect(phantom?.openError?.code).toBe(TapErrorCode.FILE_NOT_FOUND);
    expect(phantom?.openError?.hint).toMatch(/phantom/);
    expect(phantom?.interfaceName).toBeUndefined();
    expect(phantom?.luid).toBeUndefined();
    expect(linkExists("tapphantom")).toBe(false);
    await setTapAdapterEnabled(adapter.guid.toLowerCase(), true);
    expect(listTapAdapters()[0]).toMatchObject({ present: true, interfaceName: "tapphantom" });
  });

  it("deletes by GUID and by name, and the Linux interface goes with it", async () => {
    const byGuid = await createTapAdapter("tapgone1");
    const byName = await createTapAdapter("tapgone2");
    made.push(byGuid.guid, byName.guid);
    expect(linkExists("tapgone1") && linkExists("tapgone2")).toBe(true);
    // Without braces and in lower case: the same GUID.
    await deleteTapAdapter(byGuid.guid.slice(1, -1).toLowerCase());
    expect(listTapAdapters().map((adapter) => adapter.guid)).toEqual([byName.guid]);
    expect(linkExists("tapgone1")).toBe(false);
    await deleteTapAdapter("tapgone2");
    expect(listTapAdapters()).toEqual([]);
    expect(linkExists("tapgone2")).toBe(false);
  });

  it("refuses a second adapter of the same name with ERROR_DUP_NAME", async () => {
    const adapter = await createTapAdapter("tapdup");
    made.push(adapter.guid);
    const refusal = await createTapAdapter("tapdup").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TapError);
    expect((refusal as TapError).code).toBe(TapErrorCode.DUP_NAME);
    expect(listTapAdapters()).toHaveLength(1);
  });

  it("fails to delete an unknown adapter with ERROR_NOT_FOUND, naming the call", async () => {
    const unknownGuid = await deleteTapAdapter("{00000000-0000-4000-8000-000000000001}").catch(
      (error: unknown) => error,
    );
    expect(unknownGuid).toBeInstanceOf(TapError);
    expect(unknownGuid).toMatchObject({
      code: TapErrorCode.NOT_FOUND,
      symbol: "ERROR_NOT_FOUND",
      call: "TapEmuDeleteAdapter",
    });
    expect((unknownGuid as TapError).message).toMatch(
      /TapEmuDeleteAdapter failed with ERROR_NOT_FOUND \(1168\)/,
    );
    const unknownName = await deleteTapAdapter("no such adapter").catch((error: unknown) => error);
    expect(unknownName).toBeInstanceOf(TapError);
    expect(unknownName).toMatchObject({ code: 1168, call: "deleteTapAdapter" });
    expect((unknownName as TapError).message).toContain(
      'no TAP adapter is named "no such adapter"',
    );
  });

  it("refuses bad names, GUIDs and options with OptionError before touching anything", async () => {
    const bad: unknown[] = ["", " padded", "a/b", "tab\there", "x".repeat(256), "\ud800", 7, null];
    for (const name of bad) {
      await expect(createTapAdapter(name as string)).rejects.toBeInstanceOf(OptionError);
      await expect(deleteTapAdapter(name as string)).rejects.toBeInstanceOf(OptionError);
    }
    for (const guid of ["{1234}", "{00000000-0000-4000-8000-000000000001", "nope", 3]) {
      await expect(setTapAdapterEnabled(guid as string, false)).rejects.toBeInstanceOf(OptionError);
    }
    const guid = "{00000000-0000-4000-8000-000000000001}";
    await expect(setTapAdapterEnabled(guid, "yes" as unknown as boolean)).rejects.toBeInstanceOf(
      OptionError,
    );
    expect(() => listTapAdapters({ libraryPth: "x" } as never)).toThrow(OptionError);
    expect(() => listTapAdapters({ libraryPath: "" })).toThrow(OptionError);
    expect(listTapAdapters()).toEqual([]);
  });

  it("names the library and the loader's reason when the emulator is missing", () => {
    let caught: unknown;
    try {
      listTapAdapters({ libraryPath: "/nonexistent/libtapwindowsemu.so" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TapError);
    expect(caught).toMatchObject({ code: TapErrorCode.MOD_NOT_FOUND, call: "dlopen" });
    expect((caught as TapError).message).toContain("/nonexistent/libtapwindowsemu.so");
    expect((caught as TapError).hint).toMatch(/MAGMA_TAP_LIBRARY/);
  });

  it("refuses a library that is not the TAP emulator (the wintun one) with ERROR_PROC_NOT_FOUND", () => {
    const wintunEmulator = process.env.MAGMA_WINTUN_LIBRARY;
    expect(wintunEmulator, "scripts/run-tests.mjs names the wintun emulator").toBeDefined();
    let caught: unknown;
    try {
      listTapAdapters({ libraryPath: wintunEmulator as string });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TapError);
    expect(caught).toMatchObject({ code: TapErrorCode.PROC_NOT_FOUND, call: "dlsym" });
    expect((caught as TapError).message).toContain("TapEmuWin32Api is not exported");
  });
});
