// Run by the clean-room test inside a project that installed the packed tarballs with npm: loads
// every package with require(), makes real calls into each, and prints what it saw as JSON.
const { existsSync } = require("node:fs");
const { dirname } = require("node:path");
const transport = require("@magma/transport");
const memoryPool = require("@magma/memory-pool");
const packets = require("@magma/packets");
const wintun = require("@magma/wintun-native");
const tcp = require("@magma/tcp-receiver");
const wintunDll = require("@magma/wintun-dll");

function thrown(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("the call was expected to throw");
}

async function main() {
  const packet = new Uint8Array(64);
  const length = packets.buildUdpPacket(
    packet,
    { version: 4, source: 0xc6120001, destination: 0xc6120002 },
    { sourcePort: 5000, destinationPort: 7, payload: new Uint8Array([1, 2, 3, 4]) },
  );
  const ipv4 = new packets.Ipv4View();
  const parsed = ipv4.wrap(packet, 0, length);

  const pool = new memoryPool.PacketMemoryPool({ slabCount: 1 });
  const rented = pool.tryRent();
  const poolError = thrown(() => new memoryPool.PacketMemoryPool({ slotSize: 3 }));

  const tcpError = thrown(() => new tcp.TcpTransportReceiver({ address: "nowhere", port: 80 }, {}));

  // Loads the addon from the installed package (its path comes from the bundle's own file URL).
  const adapterError = await wintun.WinTunAdapter.open("magma-absent-adapter").then(
    () => new Error("opening an adapter that does not exist succeeded"),
    (error) => error,
  );

  const dllPath = wintunDll.wintunDllPath("x64");
  const dllError = thrown(() => wintunDll.wintunDllPath("mips"));

  return {
    udp: {
      length,
      parsed,
      checksumValid: ipv4.hasValidHeaderChecksum(),
      version: ipv4.version,
      protocol: ipv4.protocol,
      source: packets.formatIpv4Address(ipv4.source),
      destination: packets.formatIpv4Address(ipv4.destination),
    },
    pool: { rentedLength: rented?.memory.length ?? 0 },
    poolError: {
      name: poolError.name,
      isOptionError: poolError instanceof transport.OptionError,
      isPoolsOptionError: poolError instanceof memoryPool.OptionError,
      isMagmaError: poolError instanceof transport.MagmaError,
    },
    tcpError: {
      name: tcpError.name,
      isTcpConfigurationError: tcpError instanceof tcp.TcpConfigurationError,
      isMagmaError: tcpError instanceof transport.MagmaError,
    },
    adapterError: {
      name: adapterError.name,
      code: adapterError.code,
      isWinTunError: adapterError instanceof wintun.WinTunError,
      isMagmaError: adapterError instanceof transport.MagmaError,
    },
    dll: {
      inPackage: dllPath.startsWith(dirname(require.resolve("@magma/wintun-dll/package.json"))),
      exists: existsSync(dllPath),
    },
    dllError: {
      name: dllError.name,
      code: dllError.code,
      isWintunDllError: dllError instanceof wintunDll.WintunDllError,
    },
    sameClassThroughEveryPackage:
      memoryPool.MagmaError === transport.MagmaError &&
      wintun.MagmaError === transport.MagmaError &&
      tcp.MagmaError === transport.MagmaError &&
      wintun.OptionError === transport.OptionError,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
