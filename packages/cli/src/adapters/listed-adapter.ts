/** An adapter as `magma adapters` and the doctor list it. */
export interface ListedAdapter {
  /**
   * The adapter name: wintun's name property on Windows, the interface's alias on Linux; a TAP
   * adapter's connection name.
   */
  readonly name: string;
  /** The interface GUID (Windows: NetCfgInstanceId, "{...}"); Linux: none, the emulator keeps none. */
  readonly guid: string | undefined;
  /** The NET_LUID: (IfType 53 << 48) | (index << 24). */
  readonly luid: bigint;
  /** 0 for a Windows adapter without an interface (disabled), and for a TAP adapter (not read). */
  readonly interfaceIndex: number;
  /** The name the system shows for the interface (`ip link`, `Get-NetAdapter`); "" without one. */
  readonly interfaceName: string;
  /** "wintun", or "tap" for a TAP-Windows (tap0901) adapter (@magma/tap-legacy's TapPort). */
  readonly backend: "wintun" | "tap";
  /**
   * "session" while a session runs on it (carrier on; for TAP: a program holds its device, which
   * tap0901 allows one at a time), "idle" without one.
   */
  readonly state: "session" | "idle";
  /**
   * False for a leftover: its creator has exited. Linux: something else keeps the interface.
   * Windows: the device is no longer present, an orphan wintun removes at its next call.
   */
  readonly creatorAlive: boolean;
  readonly mtu: number | undefined;
  /** Its unicast addresses with prefix length, as `ip` and Get-NetIPAddress show them. */
  readonly addresses: readonly string[];
}

/** One adapter in a line of the doctor's notes: its name, interface, state and addresses. */
export function describeAdapter(adapter: ListedAdapter): string {
  const addresses = adapter.addresses.length === 0 ? "" : `, ${adapter.addresses.join(" ")}`;
  // Index 0: a Windows adapter without an interface (disabled, or a leftover device).
  const where =
    adapter.interfaceIndex === 0
      ? "no interface"
      : `${adapter.interfaceName}, index ${adapter.interfaceIndex}`;
  return `"${adapter.name}" (${where}, ${adapter.state}${addresses})`;
}

/** wintun's interface type, IF_TYPE_PROP_VIRTUAL, in the LUID's top 16 bits. */
const IF_TYPE_PROP_VIRTUAL = 53n;

/** The LUID the emulator gives the interface of index `interfaceIndex` (its NetLuidIndex). */
export function emulatorLuid(interfaceIndex: number): bigint {
  return (IF_TYPE_PROP_VIRTUAL << 48n) | (BigInt(interfaceIndex) << 24n);
}
