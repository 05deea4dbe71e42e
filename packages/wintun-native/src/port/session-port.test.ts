import type { IPacketReceiver, PacketReceiverFactory } from "@magma/transport";
import { expect, it } from "vitest";
import { ControlClient } from "../control/control-client.js";
import { nativeAddon } from "../native-addon.js";
import type { WinTunSession } from "../session/wintun-session.js";
import { useControlDirectory } from "../test-support/control-directory.js";
import { ping, Responder } from "../test-support/echo-port.js";
import { configureLink, describeNetwork, linkExists } from "../test-support/network-test.js";
import { WinTunAdapter } from "../wintun-adapter.js";
import type { PortWorkers } from "../workers/port-workers.js";
import { SessionPort } from "./session-port.js";
import {
  resolveSessionPortOptions,
  SESSION_PORT_OPTION_NAMES,
  type SessionPortOptions,
} from "./session-port-options.js";
import { SessionTransmitter } from "./session-transmitter.js";

// A second backend in miniature, built as @magma/tap-legacy's TapPort is to be: the shared port
// over a session it starts itself, its transmitter capped at the link's MTU, no interface
// counters, "tap" on its control endpoint. Adapter mgw-sp1 on 198.18.160.0/24.

const NAME = "mgw-sp1";
const SUBNET = 160;
const MTU = 1500;

class StandInPort<TReceiver extends IPacketReceiver> extends SessionPort<
  SessionTransmitter,
  TReceiver
> {
  protected readonly backendName = "tap";
  protected readonly adapterName: string;
  /** For each `closeAdapter` call: whether the session had ended by then. */
  readonly adapterClosings: boolean[] = [];
  readonly #adapter: WinTunAdapter;

  private constructor(
    adapter: WinTunAdapter,
    session: WinTunSession,
    receive: PacketReceiverFactory<SessionTransmitter, TReceiver> | PortWorkers,
  ) {
    super(session, new SessionTransmitter(session, { maxPacketLength: MTU }), receive);
    this.#adapter = adapter;
    this.adapterName = adapter.name;
  }

  static async create<TReceiver extends IPacketReceiver>(
    options: SessionPortOptions<SessionTransmitter, TReceiver>,
  ): Promise<StandInPort<TReceiver>> {
    const { sessionOptions, workerOptions } = resolveSessionPortOptions(
      "StandInPort.create",
      options,
      SESSION_PORT_OPTION_NAMES,
    );
    const adapter = await WinTunAdapter.create({ name: NAME, tunnelType: "Magma" });
    let session: WinTunSession;
    try {
      configureLink(NAME, SUBNET, MTU);
      session = adapter.startSession(sessionOptions);
    } catch (error) {
      adapter.close();
      throw error;
    }
    const workers = StandInPort.startWorkers(session, workerOptions);
    return StandInPort.assemble(
      () => new StandInPort(adapter, session, workers ?? options.packetReceiverFactory),
      () => {
        session.close();
        adapter.close();
      },
      workers,
      options.control === true,
    );
  }

  protected interfaceStatistics(): undefined {
    return undefined;
  }

  protected closeAdapter(): void {
    this.adapterClosings.push(this.session.isClosed);
    this.#adapter.close();
  }
}

const { ports } = useControlDirectory<StandInPort<IPacketReceiver>>("magma-session-port-");

describeNetwork("SessionPort under a second backend", () => {
  it("pumps, answers at the MTU, reports its backend and closes in the shared order", async () => {
    const port = await StandInPort.create<Responder>({
      packetReceiverFactory: (transmitter) => new Responder(transmitter),
      control: true,
    });
    ports.push(port);
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    expect(port.transmitter.maxPacketLength).toBe(MTU);
    expect(port.receiver).toBeInstanceOf(Responder);

    // 1472 bytes of ICMP data fill a 1500-byte IPv4 packet: the transmitter's cap, exactly.
    expect(await ping(`198.18.${SUBNET}.2`, 3, MTU - 28)).toBe(3);
    const stats = port.stats;
    expect(stats.rxPackets).toBeGreaterThanOrEqual(3);
    expect(stats.txPackets).toBeGreaterThanOrEqual(3);
    expect(stats.receiver.consumed).toBeGreaterThanOrEqual(3);
    expect(stats.interface).toBeUndefined();

    const client = await ControlClient.connect(NAME);
    try {
      expect(client.greeting).toMatchObject({ adapterName: NAME, backend: "tap", role: "port" });
      expect((await client.stats()).txPackets).toBe(port.stats.txPackets);
    } finally {
      client.close();
    }

    await Promise.all([port.close(), port.close()]);
    expect(port.adapterClosings).toEqual([true]);
    expect((await port.ended).reason).toBe("closed");
    expect(linkExists(NAME)).toBe(false);
    await expect(ControlClient.connect(NAME, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });
    expect(errors).toEqual([]);
  });

  it("leaves nothing behind when the receiver cannot be built", async () => {
    const failure = new Error("no receiver today");
    await expect(
      StandInPort.create({
        packetReceiverFactory: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(linkExists(NAME)).toBe(false);
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
  });
});
