// The base of every error this package throws, and the transmitter's own, so that users can catch
// them by class without depending on @magma/transport themselves.
export { MagmaError, PacketLengthError, type PacketLengthErrorCode } from "@magma/transport";
export type { CongestionControl, CongestionControlName } from "./congestion-control.js";
export { TcpConfigurationError, type TcpErrorCode, TcpSocketError } from "./tcp-error.js";
export type { TcpConnectionInfo } from "./tcp-info.js";
export type { TcpReceiverOptions } from "./tcp-receiver-options.js";
export { TcpSocket, type TcpSocketOptions } from "./tcp-socket.js";
export type { TcpStatistics } from "./tcp-statistics.js";
export {
  type TcpConnectOptions,
  type TcpDispatcher,
  type TcpEndpoint,
  TcpTransportReceiver,
} from "./tcp-transport-receiver.js";
