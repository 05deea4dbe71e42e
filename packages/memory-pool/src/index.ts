// The errors of @magma/transport this package throws (bad options), so that users can catch them
// by class without depending on it themselves.
export { MagmaError, OptionError, type OptionErrorCode } from "@magma/transport";
export { PacketMemoryPool } from "./packet-memory-pool.js";
export {
  LARGE_SLOT_SIZE,
  MAX_PACKET_SIZE,
  type PacketMemoryPoolOptions,
} from "./packet-memory-pool-options.js";
export type {
  PacketMemoryPoolStatistics,
  SizeClassStatistics,
} from "./packet-memory-pool-statistics.js";
export { PacketPoolError, type PacketPoolErrorCode } from "./packet-pool-error.js";
export { PooledPacket } from "./pooled-packet.js";
