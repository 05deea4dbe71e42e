export { MagmaError, OptionError } from "@magma/transport";
export {
  createTapAdapter,
  deleteTapAdapter,
  listTapAdapters,
  setTapAdapterEnabled,
  type TapAdapterInfo,
  type TapDriverVersion,
} from "./tap-adapters.js";
export type { TapLibraryOptions } from "./tap-arguments.js";
export { TapError, TapErrorCode } from "./tap-error.js";
export type { TapNetwork } from "./tap-network.js";
export {
  TapPort,
  type TapPortOptions,
  type TapPortStatistics,
  type TapWorkerPortOptions,
} from "./tap-port.js";
export { TapTransmitter } from "./tap-transmitter.js";
