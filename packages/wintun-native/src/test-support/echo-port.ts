import { execFile } from "node:child_process";
import { turnEchoRequestIntoReply, turnUdpIntoReply } from "@magma/packets";
import type { IPacketReceiver, IPacketTransmitter, PacketOwner } from "@magma/transport";
import { WinTunPort } from "../port/win-tun-port.js";
import { run, toolEnvironment } from "./network-test.js";

/** Answers pings (IPv4 and IPv6) and UDP datagrams, in place in a lent buffer. */
export class Responder implements IPacketReceiver {
  constructor(private readonly transmitter: IPacketTransmitter) {}

  tryConsume<T extends PacketOwner>(input: T): T | null {
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input;
    const request = input.memory.subarray(0, input.length);
    reply.set(request);
    if (turnEchoRequestIntoReply(reply, 0, input.length) !== "replied") {
      reply.set(request);
      if (turnUdpIntoReply(reply, 0, input.length) !== "replied") {
        this.transmitter.discardBuffer(reply);
        return input;
      }
    }
    this.transmitter.sendBuffer(reply, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks(): void {}
}

/**
 * A port named `name` that answers pings and UDP on 198.18.`subnet`.1/24 (and
 * fd6d:6167:6d61:`subnet`::1/64 with `ipv6`). The caller closes it.
 */
export async function createEchoPort(
  name: string,
  subnet: number,
  options: { ipv6?: boolean; control?: boolean } = {},
): Promise<WinTunPort<Responder>> {
  const port = await WinTunPort.create<Responder>({
    adapterName: name,
    packetReceiverFactory: (transmitter) => new Responder(transmitter),
    ...(options.control === undefined ? {} : { control: options.control }),
  });
  try {
    // No router solicitations: the only traffic is the test's (and the MLD reports of configure).
    run("sysctl", ["-qw", `net.ipv6.conf.${name}.router_solicitations=0`]);
    if (options.ipv6 !== true) run("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
    await port.adapter.configure({
      addresses: [
        `198.18.${subnet}.1/24`,
        ...(options.ipv6 === true ? [`fd6d:6167:6d61:${subnet}::1/64`] : []),
      ],
    });
  } catch (error) {
    await port.close();
    throw error;
  }
  return port;
}

export /** Pings without blocking the event loop, where the port answers. */
async function ping(address: string, count: number, size = 56): Promise<number> {
  const args = [
    "-n",
    "-q",
    "-c",
    String(count),
    "-i",
    "0.05",
    "-W",
    "2",
    "-s",
    String(size),
    address,
  ];
  const text = await new Promise<string>((resolve) =>
    execFile("ping", args, { env: toolEnvironment() }, (_error, stdout) => resolve(String(stdout))),
  );
  return Number(/(\d+) received/.exec(text)?.[1] ?? Number.NaN);
}
