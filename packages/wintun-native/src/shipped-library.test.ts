import * as dgram from "node:dgram";
import { once } from "node:events";
import { libraryPath as packageLibraryPath } from "@magma/wintun-linux";
import { afterEach, beforeAll, expect, it } from "vitest";
import { workspaceCandidate } from "./library-path.js";
import { readUdp, writeUdp } from "./test-support/ipv4-udp.js";
import { configureLink, describeNetwork, waitFor } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

// Every fault and the rights switch of the emulator's test build, set as a stray environment
// would set them. The library users get is built without them (WINTUN_EMU_TEST_HOOKS=OFF): it
// must create, receive and send as if none were set. Each library reads them once, when first
// used; vitest runs each test file in a process of its own.
beforeAll(() => {
  Object.assign(process.env, {
    WINTUN_EMU_ACCESS_DENIED: "1",
    WINTUN_EMU_TO_APP_LOSS: "100",
    WINTUN_EMU_FROM_APP_LOSS: "100",
    WINTUN_EMU_END_SESSION_AFTER: "1",
    WINTUN_EMU_PAUSE_FROM_APP: "1",
  });
});

const adapters: WinTunAdapter[] = [];
afterEach(() => {
  for (const adapter of adapters.splice(0)) adapter.close();
});

describeNetwork("the library of @magma/wintun-linux", () => {
  it("ignores the test build's fault and rights variables", async () => {
    const libraryPath = packageLibraryPath();
    expect(libraryPath, "build it: pnpm --filter @magma/wintun-linux build").toBeDefined();
    const adapter = await WinTunAdapter.create({
      name: "mgw-sl1",
      libraryPath: libraryPath as string,
    });
    adapters.push(adapter);
    configureLink("mgw-sl1", 152);
    const session = adapter.startSession();
    const socket = dgram.createSocket("udp4");
    socket.bind(40152, "198.18.152.1");
    await once(socket, "listening");
    const messages: string[] = [];
    socket.on("message", (message: Buffer) => messages.push(message.toString()));
    // Kernel to application: none lost, and the session goes on past the first packet.
    for (const text of ["one", "two", "three"]) socket.send(text, 5152, "198.18.152.2");
    const received: string[] = [];
    const deadline = AbortSignal.timeout(5000);
    while (received.length < 3) {
      for (const packet of await session.receive({ signal: deadline })) {
        const datagram = readUdp(packet.memory.subarray(0, packet.length));
        if (datagram !== undefined) received.push(Buffer.from(datagram.payload).toString());
        packet.dispose();
      }
    }
    expect(received).toEqual(["one", "two", "three"]);
    // Application to kernel: the send ring is consumed and nothing is lost.
    const packet = new Uint8Array(64);
    for (const text of ["four", "five"]) {
      const length = writeUdp(
        packet,
        "198.18.152.2",
        "198.18.152.1",
        5152,
        40152,
        text.length,
        (p) => p.set(Buffer.from(text)),
      );
      expect(session.send([packet.subarray(0, length)])).toBe(1);
    }
    expect(await waitFor(() => messages.length === 2)).toBe(true);
    expect(messages).toEqual(["four", "five"]);
    socket.close();
  });

  it("where the test build, with the same variables, refuses to create an adapter", async () => {
    const testBuild = workspaceCandidate()?.path as string;
    let caught: unknown;
    try {
      adapters.push(await WinTunAdapter.create({ name: "mgw-sl2", libraryPath: testBuild }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WinTunError);
    expect(caught).toMatchObject({ code: 5, symbol: "ERROR_ACCESS_DENIED" });
  });
});
