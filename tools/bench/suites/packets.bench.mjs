// @magma/packets: Internet checksum throughput (GB/s) beside a byte-at-a-time RFC 1071 loop, and
// parse cost (ns per packet) beside a straightforward parser that allocates a result object and a
// DataView per packet, both measured in the same run. Repetitions of all cases are interleaved so
// machine noise falls on every case alike; each figure is the median of REPETITIONS after WARM_UP
// discarded rounds.
//
//   pnpm --filter @magma/packets build && node tools/bench/suites/packets.bench.mjs

import {
  buildTcpPacket,
  buildUdpPacket,
  IpPacketView,
  internetChecksum,
  TcpOptions,
  TcpView,
  UdpView,
} from "@magma/packets";

const WARM_UP = 3;
const REPETITIONS = 11;
const CHECKSUM_BYTES_PER_ROUND = 32 * 1024 * 1024;
const PACKETS_PER_ROUND = 1_000_000;

// Results land here so no loop can be optimised away as unused.
let sink = 0;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Runs every case WARM_UP + REPETITIONS times, interleaved; returns median ns per round per case. */
function measure(cases) {
  const samples = cases.map(() => []);
  for (let round = 0; round < WARM_UP + REPETITIONS; round += 1) {
    cases.forEach((run, index) => {
      const start = process.hrtime.bigint();
      run();
      const elapsed = Number(process.hrtime.bigint() - start);
      if (round >= WARM_UP) samples[index].push(elapsed);
    });
  }
  return samples.map(median);
}

// The textbook loop: one byte per iteration, high byte on even positions.
function byteAtATimeChecksum(bytes, offset, length) {
  let sum = 0;
  for (let i = 0; i < length; i += 1) {
    sum += (i & 1) === 0 ? bytes[offset + i] << 8 : bytes[offset + i];
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function checksumSection() {
  console.log("checksum throughput (median GB/s; offsets cycle 0..3 to cover every alignment)");
  console.log("  size     @magma/packets  byte-at-a-time  ratio");
  for (const size of [64, 1500, 65535]) {
    const data = new Uint8Array(size + 4).map((_, i) => (i * 131 + 7) & 0xff);
    const calls = Math.ceil(CHECKSUM_BYTES_PER_ROUND / size);
    if (internetChecksum(data, 1, size) !== byteAtATimeChecksum(data, 1, size)) {
      throw new Error("the two checksums disagree");
    }
    const [ours, baseline] = measure([
      () => {
        for (let i = 0; i < calls; i += 1) sink ^= internetChecksum(data, i & 3, size);
      },
      () => {
        for (let i = 0; i < calls; i += 1) sink ^= byteAtATimeChecksum(data, i & 3, size);
      },
    ]);
    const gbps = (ns) => (calls * size) / ns;
    console.log(
      `  ${String(size).padEnd(8)} ${gbps(ours).toFixed(2).padStart(14)}  ${gbps(baseline)
        .toFixed(2)
        .padStart(14)}  ${(baseline / ours).toFixed(1).padStart(5)}x`,
    );
  }
}

const v4 = { version: 4, source: 0xc612_0001, destination: 0xc612_0002 };
const v6 = {
  version: 6,
  source: Uint8Array.of(0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
  destination: Uint8Array.of(0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
  extensionHeaders: [
    { type: 0, data: new Uint8Array(6) },
    { type: 60, data: new Uint8Array(14) },
    { type: 44, fragmentOffset: 0, moreFragments: false, identification: 7 },
  ],
};
const payload = new Uint8Array(100);
const tcpWithOptions = {
  sourcePort: 443,
  destinationPort: 50000,
  sequenceNumber: 1,
  acknowledgmentNumber: 2,
  flags: 0x10,
  window: 1024,
  options: {
    timestamp: { value: 1, echoReply: 2 },
    sackBlocks: [
      [10, 20],
      [30, 40],
    ],
  },
  payload,
};
const udp = { sourcePort: 5353, destinationPort: 53, payload };

// 64 packets in one slab, as a pool would hold them: the parse loop walks them in turn.
function slabOf(build) {
  const slotSize = 2048;
  const slab = new Uint8Array(64 * slotSize);
  const packets = [];
  for (let i = 0; i < 64; i += 1) {
    const slot = slab.subarray(i * slotSize, (i + 1) * slotSize);
    packets.push(slot.subarray(0, build(slot)));
  }
  return packets;
}

const ip = new IpPacketView();
const udpView = new UdpView();
const tcpView = new TcpView();
const tcpOptions = new TcpOptions();

function parseUdp(packet) {
  if (!ip.wrap(packet) || !udpView.wrap(packet, ip.upperLayerOffset, ip.upperLayerLength)) return 0;
  return udpView.destinationPort + udpView.payloadLength;
}

function parseTcp(packet) {
  if (!ip.wrap(packet) || !tcpView.wrap(packet, ip.upperLayerOffset, ip.upperLayerLength)) return 0;
  tcpView.readOptions(tcpOptions);
  return tcpView.sequenceNumber + tcpOptions.timestampValue + tcpOptions.sackBlockCount;
}

// The baseline: what one writes first — a DataView and a fresh result object per packet, options
// collected into an array.
function naiveIp(packet) {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const version = view.getUint8(0) >> 4;
  if (version === 4) {
    const headerLength = (view.getUint8(0) & 15) * 4;
    return {
      view,
      version,
      protocol: view.getUint8(9),
      source: view.getUint32(12),
      destination: view.getUint32(16),
      upperOffset: headerLength,
      upperLength: view.getUint16(2) - headerLength,
    };
  }
  let next = view.getUint8(6);
  let offset = 40;
  const extensions = [];
  while (next === 0 || next === 43 || next === 44 || next === 60) {
    const length = next === 44 ? 8 : (view.getUint8(offset + 1) + 1) * 8;
    extensions.push({ type: next, offset, length });
    next = view.getUint8(offset);
    offset += length;
  }
  return {
    view,
    version,
    protocol: next,
    extensions,
    upperOffset: offset,
    upperLength: 40 + view.getUint16(4) - offset,
  };
}

function naiveUdp(packet) {
  const ipInfo = naiveIp(packet);
  const at = ipInfo.upperOffset;
  const header = {
    sourcePort: ipInfo.view.getUint16(at),
    destinationPort: ipInfo.view.getUint16(at + 2),
    length: ipInfo.view.getUint16(at + 4),
  };
  return header.destinationPort + header.length - 8;
}

function naiveTcp(packet) {
  const ipInfo = naiveIp(packet);
  const view = ipInfo.view;
  const at = ipInfo.upperOffset;
  const headerLength = (view.getUint8(at + 12) >> 4) * 4;
  const options = [];
  for (let i = at + 20; i < at + headerLength; ) {
    const kind = view.getUint8(i);
    if (kind === 0) break;
    if (kind === 1) {
      i += 1;
      continue;
    }
    const length = view.getUint8(i + 1);
    options.push({ kind, value: packet.subarray(i + 2, i + length) });
    i += length;
  }
  const timestamp = options.find((option) => option.kind === 8);
  const sack = options.find((option) => option.kind === 5);
  const header = { sequenceNumber: view.getUint32(at + 4), options };
  const tsval = new DataView(timestamp.value.buffer, timestamp.value.byteOffset).getUint32(0);
  return header.sequenceNumber + tsval + sack.value.length / 8;
}

function parseSection() {
  const cases = [
    ["IPv4 + UDP", slabOf((slot) => buildUdpPacket(slot, v4, udp)), parseUdp, naiveUdp],
    [
      "IPv4 + TCP, timestamps + 2 SACK blocks",
      slabOf((slot) => buildTcpPacket(slot, v4, tcpWithOptions)),
      parseTcp,
      naiveTcp,
    ],
    [
      "IPv6 + hop-by-hop, dest-opts, fragment + UDP",
      slabOf((slot) => buildUdpPacket(slot, v6, udp)),
      parseUdp,
      naiveUdp,
    ],
  ];
  console.log("\nparse cost (median ns per packet, 64 packets in one slab, walked in turn)");
  console.log(
    "  case                                            @magma/packets  allocating parser  ratio",
  );
  for (const [name, packets, ours, naive] of cases) {
    if (ours(packets[0]) !== naive(packets[0])) throw new Error(`${name}: the parsers disagree`);
    const loop = (parse) => () => {
      for (let i = 0; i < PACKETS_PER_ROUND; i += 1) sink ^= parse(packets[i & 63]);
    };
    const [oursNs, naiveNs] = measure([loop(ours), loop(naive)]);
    console.log(
      `  ${name.padEnd(46)} ${(oursNs / PACKETS_PER_ROUND).toFixed(1).padStart(15)}  ${(
        naiveNs / PACKETS_PER_ROUND
      )
        .toFixed(1)
        .padStart(17)}  ${(naiveNs / oursNs).toFixed(1).padStart(5)}x`,
    );
  }
}

checksumSection();
parseSection();
if (sink === 0.5) console.log("unreachable: keeps results alive");
