import { PacketPoolError } from "../packet-pool-error.js";

/** The code of the PacketPoolError that `action` throws, or undefined when it throws nothing. */
export function poolErrorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof PacketPoolError) return error.code;
    throw error;
  }
  return undefined;
}
