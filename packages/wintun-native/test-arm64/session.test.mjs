// The linux-arm64 prebuild's session path, run by an arm64 Node.js under qemu-user
// (scripts/run-arm64-tests.sh, which builds what it needs and makes the network namespace): the
// addon the package resolves is that prebuild, and a session starts, receives and sends batches
// through the kernel, and closes with nothing left behind. node:test in one process, not vitest:
// under emulation every JavaScript instruction is slow, and a child Node.js would need binfmt_misc.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as dgram from "node:dgram";
import { once } from "node:events";
import { after, describe, test } from "node:test";
import { nativeAddonLocation, WinTunAdapter } from "../dist/index.js";
import { nativeAddon } from "../dist/native-addon.js";

const NAME = "mgw-arm64";
const KERNEL = "198.18.201.1";
const PEER = "198.18.201.2";
const VOLUME_NAME = "mgw-arm64v";
const VOLUME_KERNEL = "198.18.202.1";
const VOLUME_PEER = "198.18.202.2";

function run(command, ...args) {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "inherit"] });
}

/** An IPv4/UDP packet from peer:6000 to kernel:port (no UDP checksum, allowed over IPv4). */
function udpPacket(port, text, peer = PEER, kernel = KERNEL) {
  const payload = Buffer.from(text);
  const packet = Buffer.alloc(28 + payload.length);
  packet[0] = 0x45;
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE(0x4000, 6); // don't fragment
  packet[8] = 64;
  packet[9] = 17;
  Buffer.from(peer.split(".").map(Number)).copy(packet, 12);
  Buffer.from(kernel.split(".").map(Number)).copy(packet, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += packet.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  packet.writeUInt16BE(~sum & 0xffff, 10);
  packet.writeUInt16BE(6000, 20);
  packet.writeUInt16BE(port, 22);
  packet.writeUInt16BE(8 + payload.length, 24);
  payload.copy(packet, 28);
  return packet;
}

describe("the linux-arm64 prebuild under qemu-user", () => {
  const adapters = [];

  /** An adapter with a session, the kernel's address on its link, and a kernel UDP socket there. */
  async function openLink(name, kernel, port) {
    const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
    adapters.push(adapter);
    run("sysctl", "-qw", `net.ipv6.conf.${name}.disable_ipv6=1`);
    run("ip", "addr", "add", `${kernel}/24`, "dev", name);
    run("ip", "link", "set", name, "up");
    const session = adapter.startSession();
    const socket = dgram.createSocket("udp4");
    socket.bind(port, kernel);
    await once(socket, "listening");
    return { adapter, session, socket };
  }

  async function until(condition, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return condition();
  }
  after(() => {
    for (const adapter of adapters) adapter.close();
  });

  test("the addon in use is the linux-arm64 prebuild", () => {
    assert.equal(process.arch, "arm64");
    const location = nativeAddonLocation();
    assert.equal(location.source, "prebuild");
    assert.match(location.path, /prebuilds\/linux-arm64\/magma_wintun\.napi\.glibc\.node$/);
  });

  test("a session starts, receives and sends batches through the kernel, and closes", async () => {
    const { adapter, session, socket } = await openLink(NAME, KERNEL, 40201);

    // Kernel -> session: datagrams a kernel socket sends arrive as batches of IPv4 packets.
    const texts = ["one", "two", "three", "four"];
    for (const text of texts) socket.send(text, 5000, PEER);
    const received = [];
    const deadline = AbortSignal.timeout(20_000);
    while (received.length < texts.length) {
      for (const packet of await session.receive({ signal: deadline })) {
        const bytes = packet.memory.subarray(0, packet.length);
        if (bytes[9] === 17 && bytes.length >= 28) {
          received.push(Buffer.from(bytes.subarray(28)).toString());
        }
        packet.dispose();
      }
    }
    assert.deepEqual(received, texts);
    assert.equal(session.stats.rxPackets, texts.length);

    // Session -> kernel: one batch of plain buffers, received by the kernel socket.
    const messages = [];
    socket.on("message", (message) => messages.push(message.toString()));
    const outgoing = ["alpha", "beta", "gamma"].map((text) => udpPacket(40201, text));
    assert.equal(session.send(outgoing), outgoing.length);
    const sendDeadline = Date.now() + 20_000;
    while (messages.length < outgoing.length && Date.now() < sendDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(messages, ["alpha", "beta", "gamma"]);
    assert.equal(session.stats.txPackets, outgoing.length);
    socket.close();

    // Close: the session ends as closed and no adapter, session or receive thread is left.
    adapter.close();
    adapters.splice(adapters.indexOf(adapter), 1);
    assert.deepEqual(await session.ended, { reason: "closed" });
    assert.deepEqual(nativeAddon().liveResources(), {
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
  });
  test("moves 2,000 packets each way in many batches with none lost", async () => {
    const total = 2000;
    const chunk = 50; // in flight at most: far below a kernel socket's receive buffer
    const { adapter, session, socket } = await openLink(VOLUME_NAME, VOLUME_KERNEL, 40202);

    // Kernel -> session, through the receive thread and its batches.
    const seen = new Set();
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) {
        const packet = packets[i];
        if (packet.length === 32 && packet.memory[9] === 17) {
          seen.add(Buffer.from(packet.memory.subarray(28, 32)).readUInt32BE());
        }
        packet.dispose();
      }
    });
    for (let first = 0; first < total; first += chunk) {
      for (let n = first; n < first + chunk; n++) {
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(n);
        socket.send(payload, 5000, VOLUME_PEER);
      }
      assert.ok(await until(() => seen.size >= first + chunk, 20_000), `received ${seen.size}`);
    }
    assert.equal(seen.size, total);
    assert.ok(session.stats.rxBatches > 1 && session.stats.rxBatches <= total);

    // Session -> kernel, one native call per batch of `chunk` packets.
    let delivered = 0;
    socket.on("message", () => delivered++);
    for (let first = 0; first < total; first += chunk) {
      const batch = [];
      for (let n = first; n < first + chunk; n++) {
        batch.push(udpPacket(40202, `p${n}`, VOLUME_PEER, VOLUME_KERNEL));
      }
      assert.equal(session.send(batch), chunk);
      assert.ok(await until(() => delivered >= first + chunk, 20_000), `delivered ${delivered}`);
    }
    assert.equal(delivered, total);
    assert.equal(session.stats.txPackets, total);
    socket.close();
    adapter.close();
    adapters.splice(adapters.indexOf(adapter), 1);
    assert.deepEqual(await session.ended, { reason: "closed" });
  });
});
