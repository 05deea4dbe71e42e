import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { IcmpEchoView } from "./icmp-echo.js";
import { formatIpv4Address, parseIpv6Address } from "./ip-address.js";
import { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";
import { TcpView } from "./tcp.js";
import { TcpOptions } from "./tcp-options.js";
import { builtPacket } from "./test-support/arbitraries.js";
import {
  externalToolsRequired,
  findScapyPython,
  missingToolError,
} from "./test-support/external-tools.js";
import { bytesToHex, hexToBytes } from "./test-support/reference-checksum.js";
import { UdpView } from "./udp.js";
import { upperLayerChecksumVerifies } from "./upper-layer-checksum.js";

const script = fileURLToPath(new URL("../fixtures/scapy_packets.py", import.meta.url));
const python = findScapyPython();

/** scapy's dissection of one packet, as fixtures/scapy_packets.py prints it. */
interface ScapyFields {
  checksum_ok: Record<string, boolean>;
  ip?: Record<string, number | string>;
  ipv6?: {
    tc: number;
    fl: number;
    plen: number;
    nh: number;
    hlim: number;
    src: string;
    dst: string;
    extensions: { type: number; nh: number; offset?: number; m?: number; id?: number }[];
  };
  tcp?: Record<string, number | string> & {
    options: {
      unknown: number;
      mss?: number;
      wscale?: number;
      sack_permitted?: boolean;
      sack?: number[];
      timestamp?: number[];
    };
  };
  udp?: Record<string, number | string>;
  icmp?: Record<string, number | string>;
  icmp6?: Record<string, number | string>;
}

function runScapy(mode: "craft" | "decode", input?: string): unknown {
  if (python === undefined) throw missingToolError("python3 with scapy", "python3-scapy");
  // scapy warns about missing routes on stderr; only stdout carries the answer.
  const result = spawnSync(python, [script, mode], {
    input,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`scapy ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const ip = new IpPacketView();
const tcp = new TcpView();
const udp = new UdpView();
const echo = new IcmpEchoView();
const tcpOptions = new TcpOptions();

function hexRange(bytes: Uint8Array, offset: number, length: number): string {
  return bytesToHex(bytes.subarray(offset, offset + length));
}

/** Parses `bytes` with this package and compares every field scapy reported. */
function expectSameAsScapy(bytes: Uint8Array, scapy: ScapyFields): void {
  expect(ip.wrap(bytes)).toBe(true);
  if (scapy.ip !== undefined) {
    const v4 = ip.ipv4;
    expect(ip.version).toBe(4);
    expect({
      version: v4.version,
      ihl: v4.ihl,
      tos: (v4.dscp << 2) | v4.ecn,
      len: v4.totalLength,
      id: v4.identification,
      flags: v4.flags,
      frag: v4.fragmentOffset,
      ttl: v4.ttl,
      proto: v4.protocol,
      chksum: v4.headerChecksum,
      src: formatIpv4Address(v4.source),
      dst: formatIpv4Address(v4.destination),
      options_hex: hexRange(bytes, v4.optionsOffset, v4.optionsLength),
    }).toEqual(scapy.ip);
    expect(v4.hasValidHeaderChecksum()).toBe(scapy.checksum_ok.IP);
  }
  if (scapy.ipv6 !== undefined) {
    const v6 = ip.ipv6;
    const expected = scapy.ipv6;
    expect(ip.version).toBe(6);
    expect([v6.trafficClass, v6.flowLabel, v6.payloadLength, v6.nextHeader, v6.hopLimit]).toEqual([
      expected.tc,
      expected.fl,
      expected.plen,
      expected.nh,
      expected.hlim,
    ]);
    expect(bytes.subarray(v6.sourceOffset, v6.sourceOffset + 16)).toEqual(
      parseIpv6Address(expected.src),
    );
    expect(bytes.subarray(v6.destinationOffset, v6.destinationOffset + 16)).toEqual(
      parseIpv6Address(expected.dst),
    );
    expect(v6.extensionHeaderCount).toBe(expected.extensions.length);
    expect(v6.upperLayerProtocol).toBe(expected.extensions.at(-1)?.nh ?? expected.nh);
    const fragment = expected.extensions.find((header) => header.type === IpProtocol.fragment);
    expect(v6.hasFragmentHeader).toBe(fragment !== undefined);
    if (fragment !== undefined) {
      expect([v6.fragmentOffset, v6.moreFragments ? 1 : 0, v6.fragmentIdentification]).toEqual([
        fragment.offset,
        fragment.m,
        fragment.id,
      ]);
    }
  }
  if (scapy.tcp !== undefined) {
    expect(tcp.wrap(bytes, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
    expect(tcp.readOptions(tcpOptions)).toBe(true);
    const { options, ...fields } = scapy.tcp;
    expect({
      sport: tcp.sourcePort,
      dport: tcp.destinationPort,
      seq: tcp.sequenceNumber,
      ack: tcp.acknowledgmentNumber,
      dataofs: tcp.dataOffset,
      flags: tcp.flags,
      window: tcp.window,
      chksum: tcp.checksum,
      urgptr: tcp.urgentPointer,
      payload_hex: hexRange(bytes, tcp.payloadOffset, tcp.payloadLength),
    }).toEqual(fields);
    expect(tcpOptions.maximumSegmentSize).toBe(options.mss);
    expect(tcpOptions.windowScale).toBe(options.wscale);
    expect(tcpOptions.sackPermitted).toBe(options.sack_permitted === true);
    expect(Array.from(tcpOptions.sackBlocks.subarray(0, tcpOptions.sackBlockCount * 2))).toEqual(
      options.sack ?? [],
    );
    const timestamp =
      tcpOptions.timestampValue === undefined
        ? undefined
        : [tcpOptions.timestampValue, tcpOptions.timestampEchoReply];
    expect(timestamp).toEqual(options.timestamp);
    expect(tcpOptions.unknownCount).toBe(options.unknown);
  }
  if (scapy.udp !== undefined) {
    expect(udp.wrap(bytes, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
    expect({
      sport: udp.sourcePort,
      dport: udp.destinationPort,
      len: udp.length,
      chksum: udp.checksum,
      payload_hex: hexRange(bytes, udp.payloadOffset, udp.payloadLength),
    }).toEqual(scapy.udp);
  }
  const scapyEcho = scapy.icmp ?? scapy.icmp6;
  if (scapyEcho !== undefined) {
    expect(echo.wrap(bytes, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
    expect({
      type: echo.type,
      code: echo.code,
      chksum: echo.checksum,
      id: echo.identifier,
      seq: echo.sequenceNumber,
      data_hex: hexRange(bytes, echo.dataOffset, echo.dataLength),
    }).toEqual(scapyEcho);
  }
  // scapy judged every checksum it could recompute; ours must agree on the upper layer.
  const upperVerdicts = Object.entries(scapy.checksum_ok).filter(([layer]) => layer !== "IP");
  for (const [layer, ok] of upperVerdicts) {
    expect(upperLayerChecksumVerifies(ip), layer).toBe(ok);
  }
}

describe.skipIf(python === undefined && !externalToolsRequired)(
  "cross-check against scapy (python3-scapy)",
  () => {
    beforeAll(() => {
      if (python === undefined) throw missingToolError("python3 with scapy", "python3-scapy");
    });

    it("parses packets scapy crafted exactly as scapy dissects them", () => {
      const cases = runScapy("craft") as { name: string; hex: string; fields: ScapyFields }[];
      expect(cases.length).toBeGreaterThanOrEqual(10);
      for (const crafted of cases) {
        const bytes = hexToBytes(crafted.hex);
        expect(Object.values(crafted.fields.checksum_ok).every(Boolean), crafted.name).toBe(true);
        expectSameAsScapy(bytes, crafted.fields);
      }
    });

    it("builds packets that scapy dissects field by field, with every checksum right", () => {
      const packets = fc.sample(builtPacket, { numRuns: 150, seed: 20240607 });
      const decoded = runScapy("decode", JSON.stringify(packets.map(bytesToHex))) as ScapyFields[];
      expect(decoded).toHaveLength(packets.length);
      packets.forEach((packet, index) => {
        const scapy = decoded[index]!;
        expect(Object.keys(scapy.checksum_ok).length, bytesToHex(packet)).toBeGreaterThan(0);
        expect(scapy.checksum_ok, bytesToHex(packet)).toEqual(
          Object.fromEntries(Object.keys(scapy.checksum_ok).map((layer) => [layer, true])),
        );
        expectSameAsScapy(packet, scapy);
      });
    });
  },
);
