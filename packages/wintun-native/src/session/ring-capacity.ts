import { Win32Error } from "../win32-error-names.js";
import { WinTunError } from "../wintun-error.js";

export const MIN_RING_CAPACITY = 0x20000;
export const MAX_RING_CAPACITY = 0x4000000;

/**
 * 4 MiB per direction (wintun's own example uses it). It holds about 2,800 full-size 1500-byte
 * packets: at 1 Gbit/s that is 33 ms of traffic, enough to ride out a garbage-collection pause or a
 * busy event loop without the driver dropping, for 8 MiB of ring memory per session. Pass a larger
 * capacity for multi-gigabit links (wireguard-go uses 8 MiB).
 */
export const DEFAULT_RING_CAPACITY = 0x400000;

/**
 * Checks a ring capacity as the driver would (a power of two in [0x20000, 0x4000000]), before any
 * call is made. Throws WinTunError ERROR_INVALID_PARAMETER (87) otherwise.
 */
export function validateRingCapacity(capacity: number): number {
  const valid =
    Number.isInteger(capacity) &&
    capacity >= MIN_RING_CAPACITY &&
    capacity <= MAX_RING_CAPACITY &&
    (capacity & (capacity - 1)) === 0;
  if (!valid) {
    const error = WinTunError.fromCode(Win32Error.INVALID_PARAMETER, "WintunStartSession", {
      detail: `capacity ${String(capacity)} is not a power of two from 0x20000 to 0x4000000`,
    });
    throw error;
  }
  return capacity;
}
