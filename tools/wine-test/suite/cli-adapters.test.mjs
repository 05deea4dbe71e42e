// `magma adapters` and `magma doctor --adapter` of @magma/cli on the Windows build, run through
// runMagma as the magma command runs them: the listing comes from listWintunAdapters(), so from
// the devices the stand-in wintun.dll registers as wintun does (see adapter-list.test.mjs for what
// stands for Windows there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runMagma } from "@magma/cli";
import { WinTunAdapter } from "@magma/wintun-native";

async function magma(...args) {
  const written = { stdout: "", stderr: "" };
  const io = {
    stdout: (text) => {
      written.stdout += text;
    },
    stderr: (text) => {
      written.stderr += text;
    },
  };
  const code = await runMagma(["node", "magma", ...args], io);
  return { code, ...written };
}

describe("magma adapters under Wine", () => {
  it("lists a created adapter with its GUID, LUID, index and interface name, in JSON and as a table", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-cli-1" });
    try {
      const json = await magma("adapters", "--json");
      assert.equal(json.code, 0, json.stderr);
      const listed = JSON.parse(json.stdout).adapters.filter((a) => a.name === "wine-cli-1");
      assert.equal(listed.length, 1);
      const [entry] = listed;
      assert.equal(BigInt(entry.luid), adapter.luid);
      assert.equal(entry.interfaceIndex, adapter.interfaceIndex);
      assert.equal(entry.interfaceName, adapter.interfaceName);
      assert.match(entry.guid, /^\{[0-9A-F-]{36}\}$/);
      assert.equal(entry.backend, "wintun");
      assert.equal(entry.creatorAlive, true);

      const table = await magma("adapters");
      assert.equal(table.code, 0, table.stderr);
      const line = table.stdout.split("\n").find((row) => row.startsWith("wine-cli-1 "));
      assert.ok(line, table.stdout);
      assert.ok(line.includes(`0x${adapter.luid.toString(16)}`), line);
      assert.ok(line.includes(entry.guid), line);
    } finally {
      adapter.close();
    }
  });

  it("doctor --adapter finds an adapter by name ignoring case, and fails for one that does not exist", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-cli-2" });
    try {
      const found = JSON.parse((await magma("doctor", "--adapter", "WINE-CLI-2", "--json")).stdout);
      const check = found.checks.find((c) => c.id === "adapters");
      assert.equal(check.status, "pass", check.detail);
      assert.match(check.detail, /"WINE-CLI-2" exists: "wine-cli-2"/);
      // The TAP check reads the same device list: Wine's has wintun's stand-in devices, no tap0901.
      const tap = found.checks.find((c) => c.id === "tap-driver");
      assert.equal(tap.status, "unavailable");
      assert.match(tap.detail, /^no TAP-Windows \(tap0901\) adapter/);
      const missing = JSON.parse((await magma("doctor", "--adapter", "absent", "--json")).stdout);
      const failed = missing.checks.find((c) => c.id === "adapters");
      assert.equal(failed.status, "fail");
      assert.equal(failed.detail, 'no adapter named "absent" on this machine');
    } finally {
      adapter.close();
    }
  });

  it("delete asks the magma create holding the adapter, through its named pipe, to remove it", async () => {
    const creating = magma("create", "wine-cli-3", "--json");
    let created;
    for (let i = 0; i < 200 && created === undefined; i++) {
      const listed = JSON.parse((await magma("adapters", "--json")).stdout).adapters;
      created = listed.find((a) => a.name === "wine-cli-3" && a.creatorAlive);
      if (created === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(created, "magma create made the adapter");
    // The creator's endpoint opens just after the adapter is made: ask until it answers.
    let deleted;
    for (let i = 0; i < 100; i++) {
      deleted = await magma("delete", "wine-cli-3", "--json");
      if (deleted.code !== 9) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    assert.match(
      JSON.parse(deleted.stdout).how,
      /^asked magma create \(process \d+\), which held it/,
    );
    const create = await creating;
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /"event":"removed","name":"wine-cli-3"/);
    const after = JSON.parse((await magma("adapters", "--json")).stdout).adapters;
    assert.equal(after.filter((a) => a.name === "wine-cli-3" && a.creatorAlive).length, 0);
  });
});
