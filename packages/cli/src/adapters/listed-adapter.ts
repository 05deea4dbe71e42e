/** An adapter as `magma adapters` and the doctor list it. */
export interface ListedAdapter {
  /** The wintun adapter name (on Linux the interface's alias). */
  readonly name: string;
  /** The GUID, where the system tells it (not on Linux: the emulator keeps none). */
  readonly guid: string | undefined;
  /** The NET_LUID: (IfType 53 << 48) | (index << 24). */
  readonly luid: bigint;
  readonly interfaceIndex: number;
  /** The name the system shows for the interface (`ip link`, `Get-NetAdapter`). */
  readonly interfaceName: string;
  /** "wintun" (the TAP backend is not part of Magma yet). */
  readonly backend: "wintun";
  /** "session" while a session runs on it (carrier on), "idle" without one. */
  readonly state: "session" | "idle";
  /** False for a leftover: its creator has exited, and something else keeps the interface. */
  readonly creatorAlive: boolean;
  readonly mtu: number | undefined;
  /** Its addresses with prefix length, as `ip` shows them. */
  readonly addresses: readonly string[];
}

/** wintun's interface type, IF_TYPE_PROP_VIRTUAL, in the LUID's top 16 bits. */
const IF_TYPE_PROP_VIRTUAL = 53n;

/** The LUID the emulator gives the interface of index `interfaceIndex` (its NetLuidIndex). */
export function emulatorLuid(interfaceIndex: number): bigint {
  return (IF_TYPE_PROP_VIRTUAL << 48n) | (BigInt(interfaceIndex) << 24n);
}
