// A port's control endpoint on Windows: a named pipe, served by Node.js for Windows under Wine,
// with the port over the stand-in wintun.dll. What the port sends, the loopback driver hands back,
// so a capture holds each packet twice: outbound, then inbound. Not tested here: the refusal of a
// pipe name that another program already serves (ENDPOINT_IN_USE), which rests on libuv's
// FILE_FLAG_FIRST_PIPE_INSTANCE, which Wine 8 does not enforce (a second server listens there);
// and that a non-administrator can neither open the restricted pipe nor serve one (ACCESS_DENIED):
// under Wine every process is an Administrator. The pipe's DACL is read back as it is stored.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BlockType, PacketDirection, PcapngBlockSplitter, readPcapng } from "@magma/pcapng";
import {
  ControlClient,
  ControlServer,
  controlEndpointPath,
  internalNativeAddon,
  WinTunPort,
} from "@magma/wintun-native";

const NAME = "Wine Control";
/**
 * Full access (FILE_ALL_ACCESS) for Administrators and SYSTEM and no other entry. On Windows the
 * DACL is also protected ("D:P"); Wine 8's SetSecurityInfo leaves PROTECTED_DACL_SECURITY_INFORMATION
 * out of the descriptor it stores (SetKernelObjectSecurity with the same descriptor keeps it, and
 * reads back "D:P"), so here the flag may be missing while the entries must be exactly these.
 */
const ADMINISTRATORS_ONLY = /^D:P?\(A;;FA;;;BA\)\(A;;FA;;;SY\)$/;

/** Takes nothing: received packets are declined and disposed by the port. */
const decliner = () => ({ tryConsume: (input) => input, flushPendingAcks() {} });

function send(port, count) {
  for (let i = 0; i < count; i++) {
    const buffer = port.transmitter.tryGetNextBuffer(60);
    buffer.fill(0, 0, 60);
    buffer[0] = 0x45;
    buffer[4] = i;
    port.transmitter.sendBuffer(buffer, 60);
  }
  port.transmitter.flush();
}

async function until(condition, what) {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("the control endpoint on a named pipe", () => {
  let port;
  const errors = [];
  before(async () => {
    port = await WinTunPort.create({
      adapterName: NAME,
      control: true,
      packetReceiverFactory: decliner,
    });
    port.on("error", (error) => errors.push(error));
  });
  after(async () => {
    await port?.close();
  });

  it("listens on \\\\.\\pipe\\magma-control\\<name> and answers hello and stats", async () => {
    assert.equal(port.controlPath, "\\\\.\\pipe\\magma-control\\wine%20control");
    assert.equal(port.controlPath, controlEndpointPath(NAME));
    send(port, 10);
    const client = await ControlClient.connect(NAME);
    try {
      assert.deepEqual(
        { ...client.greeting },
        {
          magma: "control",
          protocol: 1,
          adapterName: NAME,
          backend: "wintun",
          role: "port",
          pid: process.pid,
        },
      );
      await until(async () => (await client.stats()).rxPackets === 10, "10 packets back");
      const stats = await client.stats();
      assert.equal(stats.txPackets, 10);
      assert.equal(stats.drops.txRingFull, 0);
    } finally {
      client.close();
    }
  });

  it("admits only Administrators and SYSTEM, on every instance libuv adds as clients come", async () => {
    assert.match(internalNativeAddon().pipeSecurity(port.controlPath), ADMINISTRATORS_ONLY);
    // More clients at once than the instances libuv keeps listening (4): it creates new ones under
    // the pipe's DACL, which this process (an Administrator under Wine) may do.
    const clients = await Promise.all(Array.from({ length: 6 }, () => ControlClient.connect(NAME)));
    try {
      for (const client of clients) assert.equal(typeof (await client.stats()).rxPackets, "number");
      assert.match(internalNativeAddon().pipeSecurity(port.controlPath), ADMINISTRATORS_ONLY);
    } finally {
      for (const client of clients) client.close();
    }
    // The addon's own short connections, as it set and read the DACL, were no error of the port.
    assert.deepEqual(errors, []);
  });

  it("streams a capture over the pipe, both directions, until the reader leaves", async () => {
    const client = await ControlClient.connect(NAME);
    const stream = await client.capture({ snapLength: 32 });
    const splitter = new PcapngBlockSplitter();
    const blocks = [];
    let packets = 0;
    stream.on("data", (chunk) => {
      for (const block of splitter.push(chunk)) {
        blocks.push(block.bytes);
        if (block.type === BlockType.EnhancedPacket) packets++;
      }
    });
    send(port, 4);
    await until(() => packets >= 8, "8 captured packets");
    stream.destroy();
    const capture = readPcapng(Buffer.concat(blocks));
    assert.equal(capture.interfaces[0].snapLength, 32);
    const directions = capture.packets.map((packet) => packet.direction);
    assert.equal(directions.filter((d) => d === PacketDirection.Outbound).length, 4);
    assert.equal(directions.filter((d) => d === PacketDirection.Inbound).length, 4);
    // The reader left; the port goes on with no error, and lets another capture start.
    await until(async () => {
      const again = await ControlClient.connect(NAME);
      try {
        (await again.capture()).destroy();
        return true;
      } catch {
        return false;
      } finally {
        again.close();
      }
    }, "a new capture to start");
    assert.deepEqual(errors, []);
  });

  it("is gone once the port closes", async () => {
    // A named pipe cannot be left behind by a dead process: it lives as long as its handles.
    await port.close();
    await assert.rejects(ControlClient.connect(NAME), { code: "NO_ENDPOINT" });
    assert.deepEqual(errors, []);
  });
});

describe("the control pipe's security", () => {
  it("is what ControlServer sets, not libuv's default, and its own short connection is no error", async () => {
    // libuv alone: the pipe keeps the descriptor it was made with, not the restricted one. (Wine
    // gives such a pipe no DACL at all, which reads back as "", where Windows documents a default
    // DACL that also lets Everyone and Anonymous read.)
    const plainPath = "\\\\.\\pipe\\magma-control\\wine-plain";
    const plain = createServer().listen(plainPath);
    await once(plain, "listening");
    try {
      assert.doesNotMatch(internalNativeAddon().pipeSecurity(plainPath), ADMINISTRATORS_ONLY);
    } finally {
      plain.close();
    }

    const reported = [];
    const target = {
      adapterName: "Wine Secured",
      backend: "wintun",
      role: "port",
      stats: () => ({}),
    };
    const path = controlEndpointPath("Wine Secured");
    const server = await ControlServer.listen(target, path, (error) => reported.push(error));
    try {
      // The connection the addon made to set the DACL has ended by the time listen returns: all
      // the connections a port serves at once (8) are there for clients.
      const clients = await Promise.all(
        Array.from({ length: 8 }, () => ControlClient.connect("Wine Secured", { path })),
      );
      for (const client of clients) client.close();
      assert.match(internalNativeAddon().pipeSecurity(path), ADMINISTRATORS_ONLY);
      assert.deepEqual(reported, []);
    } finally {
      await server.close();
    }
  });
});
