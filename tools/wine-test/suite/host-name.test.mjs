// Run by a copy of node.exe renamed magma-host.exe, in a directory with no node.exe (the runner
// sees to both): the addon's Node-API imports name NODE.EXE, and only its delay-load hook, which
// answers with the running executable, lets it load here, as it must in Electron.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { WinTunAdapter, WinTunLibrary } from "@magma/wintun-native";

describe("the addon in a host that is not named node.exe", () => {
  it("runs in magma-host.exe with no node.exe to be found", () => {
    assert.equal(basename(process.execPath).toLowerCase(), "magma-host.exe");
    assert.equal(existsSync(join(dirname(process.execPath), "node.exe")), false);
    assert.equal(existsSync("C:\\windows\\system32\\node.exe"), false);
  });

  it("loads the addon and moves packets through a session", async () => {
    const library = WinTunLibrary.load();
    assert.equal(library.path, "");
    const adapter = await WinTunAdapter.create({ name: "wine-host-1" });
    try {
      const session = adapter.startSession();
      const sent = new Uint8Array(40);
      sent[0] = 0x45;
      sent[39] = 7;
      assert.equal(session.send([sent]), 1);
      const [received] = await session.receive();
      assert.deepEqual(received.memory.subarray(0, received.length), sent);
      received.dispose();
      session.close();
    } finally {
      adapter.close();
    }
  });
});
