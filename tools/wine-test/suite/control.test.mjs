// A port's control endpoint on Windows: a named pipe, served by Node.js for Windows under Wine,
// with the port over the stand-in wintun.dll. What the port sends, the loopback driver hands back,
// so a capture holds each packet twice: outbound, then inbound. Not tested here: the refusal of a
// pipe name that another program already serves (ENDPOINT_IN_USE), which rests on libuv's
// FILE_FLAG_FIRST_PIPE_INSTANCE, which Wine 8 does not enforce (a second server listens there).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BlockType, PacketDirection, PcapngBlockSplitter, readPcapng } from "@magma/pcapng";
import { ControlClient, controlEndpointPath, WinTunPort } from "@magma/wintun-native";

const NAME = "Wine Control";

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
