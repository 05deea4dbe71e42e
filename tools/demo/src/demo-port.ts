import { type IPacketTransmitter, OptionError, type PacketPort } from "@magma/transport";
import type { SessionPortStatistics } from "@magma/wintun-native";
import type { EchoResponder, EchoResponderOptions } from "./echo-responder.js";

/** The ports the demo can serve its responder through. */
export const DEMO_BACKENDS = ["wintun", "tap"] as const;
export type DemoBackend = (typeof DEMO_BACKENDS)[number];

/** `value` as a backend's name, or an `OptionError` naming `where` and `option`. */
export function checkDemoBackend(where: string, option: string, value: unknown): DemoBackend {
  const backend = DEMO_BACKENDS.find((name) => name === value);
  if (backend === undefined) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      option,
      value,
      DEMO_BACKENDS.map((name) => `"${name}"`).join(" or "),
    );
  }
  return backend;
}

/**
 * What the demo's probes need of a port, whichever backend opened it: `WinTunPort` and `TapPort`
 * are both this (the same session port underneath, the same statistics).
 */
export interface DemoPort extends PacketPort<IPacketTransmitter, EchoResponder> {
  readonly stats: SessionPortStatistics;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

/** What a backend needs to open the demo's port. */
export interface DemoPortRequest {
  readonly adapterName: string;
  /** The kernel's side of the link, with prefixes: ["198.18.0.1/24", "fd6d:6167:6d61::1/64"]. */
  readonly kernelAddresses: readonly string[];
  /** What the port's `EchoResponder` answers for. */
  readonly responder: EchoResponderOptions;
  /** The backend's library (wintun's, or the TAP emulator's); its own default when undefined. */
  readonly libraryPath: string | undefined;
}

/** A port opened for the demo, and the one step that undoes everything opening it did. */
export interface OpenedDemoPort {
  readonly port: DemoPort;
  /**
   * Closes the port, takes back the addresses given to an adapter that existed before, and
   * removes an adapter that opening made. Call once, also after a failure.
   */
  release(): Promise<void>;
}
