// Run by the clean-room test inside a project that installed the packed tarballs with npm: loads
// every installed package (named in the project's package.json) with import, compares each export
// with what require() gives for the same name, and checks that errors thrown through the ES module
// entries are instances of the classes require() gives. Prints what it saw as JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as memoryPool from "@magma/memory-pool";
import * as packets from "@magma/packets";
import * as wintun from "@magma/wintun-native";

const require = createRequire(import.meta.url);
const { dependencies } = JSON.parse(readFileSync("package.json", "utf8"));

const exports = {};
const notShared = [];
for (const name of Object.keys(dependencies)) {
  const esm = await import(name);
  const cjs = require(name);
  // A CommonJS-only package's namespace also holds its whole module.exports as `default`, and
  // the interop marker TypeScript's CommonJS output sets, `__esModule`.
  const interop = new Set(["default", "module.exports", "__esModule"]);
  const imported = Object.keys(esm).filter((key) => !interop.has(key));
  exports[name] = { imported: imported.sort(), required: Object.keys(cjs).sort() };
  for (const key of Object.keys(cjs)) {
    if (esm[key] !== cjs[key]) notShared.push(`${name}.${key}`);
  }
}

const requiredTransport = require("@magma/transport");
const requiredWintun = require("@magma/wintun-native");
const adapterError = await wintun.WinTunAdapter.open("magma-absent-adapter").then(
  () => new Error("opening an adapter that does not exist succeeded"),
  (error) => error,
);
let poolError;
try {
  new memoryPool.PacketMemoryPool({ slotSize: 3 });
} catch (error) {
  poolError = error;
}

const packet = new Uint8Array(64);
const length = packets.buildIcmpEchoPacket(
  packet,
  { version: 4, source: 0xc6120001, destination: 0xc6120002 },
  { identifier: 1, sequenceNumber: 1 },
);

console.log(
  JSON.stringify({
    exports,
    notShared,
    icmpLength: length,
    adapterError: {
      name: adapterError.name,
      code: adapterError.code,
      isRequiredWinTunError: adapterError instanceof requiredWintun.WinTunError,
      isRequiredMagmaError: adapterError instanceof requiredTransport.MagmaError,
    },
    poolErrorIsRequiredOptionError: poolError instanceof requiredTransport.OptionError,
  }),
);
