import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IcmpEchoView } from "./icmp-echo.js";
import { formatIpv4Address, formatIpv6Address } from "./ip-address.js";
import { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";
import { TcpView } from "./tcp.js";
import { TcpOptions } from "./tcp-options.js";
import { builtPacket } from "./test-support/arbitraries.js";
import {
  externalToolsRequired,
  missingToolError,
  tsharkAvailable,
} from "./test-support/external-tools.js";
import { pcapOfRawPackets } from "./test-support/pcap-writer.js";
import { UdpView } from "./udp.js";

const haveTshark = tsharkAvailable();

// Wireshark's checksum status: 1 is "good" (0 bad, 2 unverified).
const GOOD = "1";

const FIELDS = [
  "ip.hdr_len",
  "ip.dsfield.dscp",
  "ip.dsfield.ecn",
  "ip.len",
  "ip.id",
  "ip.flags.df",
  "ip.flags.mf",
  "ip.frag_offset",
  "ip.ttl",
  "ip.proto",
  "ip.checksum.status",
  "ip.src",
  "ip.dst",
  "ipv6.tclass",
  "ipv6.flow",
  "ipv6.plen",
  "ipv6.nxt",
  "ipv6.hlim",
  "ipv6.src",
  "ipv6.dst",
  "ipv6.fraghdr.ident",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.hdr_len",
  "tcp.flags",
  "tcp.window_size_value",
  "tcp.urgent_pointer",
  "tcp.checksum.status",
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.sack_le",
  "tcp.options.sack_re",
  "tcp.options.timestamp.tsval",
  "tcp.options.timestamp.tsecr",
  "udp.srcport",
  "udp.dstport",
  "udp.length",
  "udp.checksum.status",
  "icmp.type",
  "icmp.ident",
  "icmp.seq",
  "icmp.checksum.status",
  "icmpv6.type",
  "icmpv6.echo.identifier",
  "icmpv6.echo.sequence_number",
  "icmpv6.checksum.status",
] as const;

type TsharkRow = Record<(typeof FIELDS)[number], string>;

/** Decodes the packets with tshark, one row of FIELDS per packet, checksum validation on. */
function tsharkRows(packets: readonly Uint8Array[]): TsharkRow[] {
  const directory = mkdtempSync(join(tmpdir(), "magma-packets-"));
  try {
    const file = join(directory, "built.pcap");
    writeFileSync(file, pcapOfRawPackets(packets));
    const args = ["-n", "-r", file, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"];
    args.push("-E", "aggregator=,");
    for (const preference of [
      "ip.check_checksum:TRUE",
      "tcp.check_checksum:TRUE",
      "udp.check_checksum:TRUE",
      "tcp.relative_sequence_numbers:FALSE",
      "tcp.analyze_sequence_numbers:FALSE",
    ]) {
      args.push("-o", preference);
    }
    for (const field of FIELDS) args.push("-e", field);
    const result = spawnSync("tshark", args, {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 << 20,
    });
    if (result.status !== 0) throw new Error(`tshark failed: ${result.stderr}`);
    return result.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const values = line.split("\t");
        return Object.fromEntries(
          FIELDS.map((field, index) => [field, values[index] ?? ""]),
        ) as TsharkRow;
      });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const ip = new IpPacketView();
const tcp = new TcpView();
const udp = new UdpView();
const echo = new IcmpEchoView();
const tcpOptions = new TcpOptions();

function num(text: string): number {
  return Number(text);
}

/** tshark's view of one packet against ours, field by field. */
function expectSameAsTshark(packet: Uint8Array, row: TsharkRow): void {
  expect(ip.wrap(packet)).toBe(true);
  if (ip.version === 4) {
    const v4 = ip.ipv4;
    expect([
      v4.headerLength,
      v4.dscp,
      v4.ecn,
      v4.totalLength,
      v4.identification,
      v4.dontFragment ? 1 : 0,
      v4.moreFragments ? 1 : 0,
      v4.fragmentOffset,
      v4.ttl,
      v4.protocol,
      formatIpv4Address(v4.source),
      formatIpv4Address(v4.destination),
    ]).toEqual([
      num(row["ip.hdr_len"]),
      num(row["ip.dsfield.dscp"]),
      num(row["ip.dsfield.ecn"]),
      num(row["ip.len"]),
      num(row["ip.id"]),
      num(row["ip.flags.df"]),
      num(row["ip.flags.mf"]),
      num(row["ip.frag_offset"]),
      num(row["ip.ttl"]),
      num(row["ip.proto"]),
      row["ip.src"],
      row["ip.dst"],
    ]);
    expect(row["ip.checksum.status"]).toBe(GOOD);
  } else {
    const v6 = ip.ipv6;
    expect([
      v6.trafficClass,
      v6.flowLabel,
      v6.payloadLength,
      v6.nextHeader,
      v6.hopLimit,
      formatIpv6Address(packet, v6.sourceOffset),
      formatIpv6Address(packet, v6.destinationOffset),
    ]).toEqual([
      num(row["ipv6.tclass"]),
      num(row["ipv6.flow"]),
      num(row["ipv6.plen"]),
      num(row["ipv6.nxt"]),
      num(row["ipv6.hlim"]),
      row["ipv6.src"],
      row["ipv6.dst"],
    ]);
    if (v6.hasFragmentHeader)
      expect(v6.fragmentIdentification).toBe(num(row["ipv6.fraghdr.ident"]));
  }
  const at = ip.upperLayerOffset;
  const length = ip.upperLayerLength;
  if (ip.protocol === IpProtocol.tcp) {
    expect(tcp.wrap(packet, at, length)).toBe(true);
    expect(tcp.readOptions(tcpOptions)).toBe(true);
    const sack = Array.from(tcpOptions.sackBlocks.subarray(0, tcpOptions.sackBlockCount * 2));
    expect({
      ports: [tcp.sourcePort, tcp.destinationPort],
      numbers: [tcp.sequenceNumber, tcp.acknowledgmentNumber],
      header: [tcp.headerLength, tcp.flags, tcp.window, tcp.urgentPointer],
      mss: tcpOptions.maximumSegmentSize,
      windowScale: tcpOptions.windowScale,
      sackPermitted: tcpOptions.sackPermitted,
      sackLeft: sack.filter((_, index) => index % 2 === 0),
      sackRight: sack.filter((_, index) => index % 2 === 1),
      timestamp: [tcpOptions.timestampValue, tcpOptions.timestampEchoReply],
    }).toEqual({
      ports: [num(row["tcp.srcport"]), num(row["tcp.dstport"])],
      numbers: [num(row["tcp.seq_raw"]), num(row["tcp.ack_raw"])],
      header: [
        num(row["tcp.hdr_len"]),
        num(row["tcp.flags"]),
        num(row["tcp.window_size_value"]),
        num(row["tcp.urgent_pointer"]),
      ],
      mss: row["tcp.options.mss_val"] === "" ? undefined : num(row["tcp.options.mss_val"]),
      windowScale:
        row["tcp.options.wscale.shift"] === "" ? undefined : num(row["tcp.options.wscale.shift"]),
      sackPermitted: row["tcp.options.sack_perm"] !== "",
      sackLeft:
        row["tcp.options.sack_le"] === "" ? [] : row["tcp.options.sack_le"].split(",").map(num),
      sackRight:
        row["tcp.options.sack_re"] === "" ? [] : row["tcp.options.sack_re"].split(",").map(num),
      timestamp:
        row["tcp.options.timestamp.tsval"] === ""
          ? [undefined, undefined]
          : [num(row["tcp.options.timestamp.tsval"]), num(row["tcp.options.timestamp.tsecr"])],
    });
    expect(row["tcp.checksum.status"]).toBe(GOOD);
  } else if (ip.protocol === IpProtocol.udp) {
    expect(udp.wrap(packet, at, length)).toBe(true);
    expect([udp.sourcePort, udp.destinationPort, udp.length]).toEqual([
      num(row["udp.srcport"]),
      num(row["udp.dstport"]),
      num(row["udp.length"]),
    ]);
    expect(row["udp.checksum.status"]).toBe(GOOD);
  } else {
    expect(echo.wrap(packet, at, length)).toBe(true);
    const prefix = ip.version === 4 ? "icmp" : "icmpv6";
    const fields =
      ip.version === 4
        ? [row["icmp.type"], row["icmp.ident"], row["icmp.seq"]]
        : [row["icmpv6.type"], row["icmpv6.echo.identifier"], row["icmpv6.echo.sequence_number"]];
    expect([echo.type, echo.identifier, echo.sequenceNumber]).toEqual(
      fields.map((field) => num(field.split(",")[0] ?? "")),
    );
    expect(
      ip.version === 4 ? row["icmp.checksum.status"] : row["icmpv6.checksum.status"],
      prefix,
    ).toBe(GOOD);
  }
}

describe.skipIf(!haveTshark && !externalToolsRequired)("cross-check against tshark", () => {
  it("decodes our packets field by field, options included, and finds every checksum good", () => {
    if (!haveTshark) throw missingToolError("tshark", "tshark");
    const packets = fc.sample(builtPacket, { numRuns: 150, seed: 1071 });
    const rows = tsharkRows(packets);
    expect(rows).toHaveLength(packets.length);
    packets.forEach((packet, index) => {
      expectSameAsTshark(packet, rows[index]!);
    });
  });
});
