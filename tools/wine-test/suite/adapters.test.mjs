// Adapters and libraries of the Windows build: wintun.dll found by the restricted default search
// (LoadLibraryExW), adapters created, opened and closed by name, the LUID and the IP Helper
// lookups made with it, and failures reported with the Win32 codes Windows' loader and the
// stand-in driver set.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WinTunAdapter, WinTunError, WinTunLibrary } from "@magma/wintun-native";

async function rejectsWith(promise, code, symbol) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof WinTunError, `${error}`);
    assert.equal(error.code, code);
    assert.equal(error.symbol, symbol);
    return true;
  });
}

function throwsWith(fn, code, symbol) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof WinTunError, `${error}`);
    assert.equal(error.code, code);
    assert.equal(error.symbol, symbol);
    return true;
  });
}

describe("the wintun library under Wine", () => {
  it("loads wintun.dll from the application directory and reports no driver before any adapter", () => {
    const library = WinTunLibrary.load();
    assert.equal(library.path, "");
    assert.equal(library.runningDriverVersion(), undefined);
  });

  it("fails with ERROR_MOD_NOT_FOUND (126) for a DLL that is not there", () => {
    throwsWith(
      () => WinTunLibrary.load("C:\\magma\\missing\\wintun.dll"),
      126,
      "ERROR_MOD_NOT_FOUND",
    );
  });

  it("fails with ERROR_PROC_NOT_FOUND (127) for a DLL without the wintun exports", () => {
    throwsWith(
      () => WinTunLibrary.load("C:\\windows\\system32\\kernel32.dll"),
      127,
      "ERROR_PROC_NOT_FOUND",
    );
  });

  it("fails with ERROR_BAD_EXE_FORMAT (193) for a file that is not a DLL", () => {
    throwsWith(
      () => WinTunLibrary.load(fileURLToPath(import.meta.url)),
      193,
      "ERROR_BAD_EXE_FORMAT",
    );
  });
});

describe("adapters under Wine", () => {
  it("creates an adapter whose LUID IP Helper resolves, and reports driver 0.14 while it exists", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-adapter-1" });
    try {
      assert.equal(adapter.created, true);
      assert.equal(typeof adapter.luid, "bigint");
      assert.notEqual(adapter.luid, 0n);
      // ConvertInterfaceLuidToIndex and ConvertInterfaceLuidToAlias answered for that LUID.
      assert.ok(Number.isInteger(adapter.interfaceIndex) && adapter.interfaceIndex > 0);
      assert.ok(adapter.interfaceName.length > 0);
      assert.deepEqual(adapter.driverVersion, { major: 0, minor: 14 });
      const counters = adapter.interfaceStatistics();
      assert.equal(typeof counters.rxPackets, "number");
    } finally {
      adapter.close();
    }
    assert.equal(WinTunLibrary.load().runningDriverVersion(), undefined);
  });

  it("opens an adapter by name ignoring case, and closing the creator removes it", async () => {
    const created = await WinTunAdapter.create({ name: "wine-adapter-2" });
    const opened = await WinTunAdapter.open("WINE-Adapter-2");
    assert.equal(opened.created, false);
    assert.equal(opened.luid, created.luid);
    opened.close();
    const again = await WinTunAdapter.open("wine-adapter-2");
    again.close();
    created.close();
    await rejectsWith(WinTunAdapter.open("wine-adapter-2"), 1168, "ERROR_NOT_FOUND");
  });

  it("fails with ERROR_NOT_FOUND (1168) to open an adapter nobody created", async () => {
    await rejectsWith(WinTunAdapter.open("wine-adapter-none"), 1168, "ERROR_NOT_FOUND");
  });

  it("refuses a second session on one adapter with ERROR_ALREADY_INITIALIZED (1247)", async () => {
    const created = await WinTunAdapter.create({ name: "wine-adapter-3" });
    const opened = await WinTunAdapter.open("wine-adapter-3");
    try {
      const session = created.startSession();
      throwsWith(() => opened.startSession(), 1247, "ERROR_ALREADY_INITIALIZED");
      session.close();
      // Once ended, the other handle may start one.
      opened.startSession().close();
    } finally {
      opened.close();
      created.close();
    }
  });

  it("says ERROR_INVALID_HANDLE (6) for a session on a closed adapter", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-adapter-4" });
    adapter.close();
    throwsWith(() => adapter.startSession(), 6, "ERROR_INVALID_HANDLE");
  });
});
