import type { ListedAdapter } from "../adapters/listed-adapter.js";
import { emulatorLuid } from "../adapters/listed-adapter.js";
import type { TapAdapterFact } from "../adapters/tap-adapters.js";
import type { LibraryFacts, LinuxFacts, WindowsFacts } from "../doctor/facts.js";

// Made-up facts for the checks' tests: a healthy machine, which each test spoils in one way.

export function healthyLibrary(overrides: Partial<LibraryFacts> = {}): LibraryFacts {
  const path = "/opt/magma/libwintun.so";
  return {
    search: {
      candidates: [
        { description: "@magma/wintun-linux's library", path, found: true },
        {
          description: "the Magma repository's emulator build",
          path: "/repo/libwintun.so",
          found: false,
        },
      ],
      chosen: path,
    },
    load: { loaded: true, path },
    binary: { format: "ELF", machine: 0x3e, arch: "x64" },
    binaryPath: path,
    driver: { major: 0, minor: 14 },
    ...overrides,
  };
}

export function adapter(overrides: Partial<ListedAdapter> = {}): ListedAdapter {
  return {
    name: "Magma VPN",
    guid: undefined,
    luid: emulatorLuid(7),
    interfaceIndex: 7,
    interfaceName: "Magma-VPN",
    backend: "wintun",
    state: "session",
    creatorAlive: true,
    mtu: 1420,
    addresses: ["198.18.150.1/24"],
    ...overrides,
  };
}

export function healthyLinux(overrides: Partial<LinuxFacts> = {}): LinuxFacts {
  return {
    runtime: { nodeVersion: "v20.19.0", arch: "x64", platform: "linux" },
    uid: 0,
    capEff: 0x1ffffffffffn,
    tun: { present: true, openError: undefined },
    library: healthyLibrary(),
    adapters: [adapter()],
    requestedAdapter: undefined,
    socketBuffers: { rmemMax: 7340032, wmemMax: 7340032 },
    uplink: { interfaceName: "eth0", features: { "rx-udp-gro-forwarding": true } },
    resolvedRuns: true,
    ...overrides,
  };
}

/** A TAP-Windows adapter in working order (tap-windows6 9.24, as OpenVPN 2.6 installs it). */
export function tapAdapter(overrides: Partial<TapAdapterFact> = {}): TapAdapterFact {
  return {
    name: "OpenVPN TAP-Windows6",
    guid: "{0E2F8C4A-6B4D-4F0B-9E51-3C7A2D1B5E80}",
    driverVersion: "9.24.2.601",
    present: true,
    hasInterface: true,
    mediaConnected: false,
    inUse: false,
    ...overrides,
  };
}

export function healthyWindows(overrides: Partial<WindowsFacts> = {}): WindowsFacts {
  const dll = "C:\\app\\node_modules\\@magma\\wintun-dll\\wintun\\bin\\amd64\\wintun.dll";
  return {
    runtime: { nodeVersion: "v22.11.0", arch: "x64", platform: "win32" },
    administrator: true,
    windowsRelease: "10.0.22631",
    library: healthyLibrary({
      search: {
        candidates: [
          { description: "@magma/wintun-dll's wintun.dll", path: dll, found: true },
          {
            description: "wintun.dll from System32",
            path: "C:\\Windows\\System32\\wintun.dll",
            found: false,
          },
        ],
        chosen: dll,
      },
      load: { loaded: true, path: dll },
      binary: { format: "PE", machine: 0x8664, arch: "x64" },
      binaryPath: dll,
    }),
    adapters: [
      adapter({
        guid: "{6BA1B9C2-3D6F-4E67-9C4B-1B5E0E1C2A01}",
        luid: 0x35000007000000n,
        interfaceIndex: 12,
        interfaceName: "Magma VPN",
      }),
    ],
    tapAdapters: [tapAdapter()],
    requestedAdapter: undefined,
    offloads: [{ adapter: "Ethernet", ipv4Enabled: false, ipv6Enabled: false }],
    ...overrides,
  };
}
