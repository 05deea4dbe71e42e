// Run by the clean-room test inside a project that installed the packed tarballs with npm: loads
// every package with import, compares each export with what require() gives for the same name,
// and checks that errors thrown through the ES module entries are instances of the classes
// require() gives. Prints what it saw as JSON.
import { createRequire } from "node:module";
import * as memoryPool from "@magma/memory-pool";
import * as packets from "@magma/packets";
import * as tcp from "@magma/tcp-receiver";
import * as transport from "@magma/transport";
import * as wintun from "@magma/wintun-native";

const require = createRequire(import.meta.url);
const imported = {
  "@magma/transport": transport,
  "@magma/memory-pool": memoryPool,
  "@magma/packets": packets,
  "@magma/wintun-native": wintun,
  "@magma/tcp-receiver": tcp,
};

const exports = {};
const notShared = [];
for (const [name, esm] of Object.entries(imported)) {
  const cjs = require(name);
  exports[name] = { imported: Object.keys(esm).sort(), required: Object.keys(cjs).sort() };
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
