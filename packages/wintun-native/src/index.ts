// The errors of @magma/transport that this package throws, so that users can catch them by class
// without depending on it themselves.
export {
  MagmaError,
  OptionError,
  type OptionErrorCode,
  PacketLengthError,
  type PacketLengthErrorCode,
} from "@magma/transport";
export type { AddonLocation, AddonSource } from "./addon-search.js";
export type {
  AdapterConfiguration,
  AppliedConfiguration,
  ConfigureOptions,
  RouteSpec,
} from "./configuration/configure-adapter.js";
export { planConfiguration as internalPlanConfiguration } from "./configuration/configure-adapter.js";
export type { DnsConfiguration } from "./configuration/dns-settings.js";
// Also for @magma/tap-legacy (see internalNativeAddon above): configure() by LUID, and the
// native TAP device's shape.
export {
  configureInterface as internalConfigureInterface,
  removeInterfaceConfiguration as internalRemoveInterfaceConfiguration,
} from "./configuration/interface-configuration.js";
export { IpHelperError, IpHelperStatus } from "./configuration/ip-helper-status.js";
export {
  formatAddress as internalFormatAddress,
  IpConfigurationError,
  type IpConfigurationErrorCode,
  type IpPrefix as InternalIpPrefix,
  networkOf as internalNetworkOf,
  parseIpPrefix as internalParseIpPrefix,
} from "./configuration/ip-prefix.js";
export { resolvedOnSystemBus } from "./configuration/resolved-dns.js";
export {
  ControlClient,
  type ControlClientOptions,
  type ControlStatistics,
} from "./control/control-client.js";
export {
  type ControlEndpointPathOptions,
  type ControlRole,
  controlEndpointPath,
  DEFAULT_CONTROL_DIRECTORY,
} from "./control/control-endpoint-path.js";
export {
  CONTROL_PROTOCOL_VERSION,
  ControlError,
  type ControlErrorCode,
  type ControlGreeting,
} from "./control/control-protocol.js";
export {
  type ControlledCapture,
  ControlServer,
  type ControlTarget,
} from "./control/control-server.js";
export {
  type WinTunLibraryCandidate,
  type WinTunLibrarySearch,
  wintunLibrarySearch,
} from "./library-path.js";
export type { NativeTapDevice as InternalNativeTapDevice } from "./native-addon.js";
// internalNativeAddon and the Internal* types are for @magma/tap-legacy, which shares this
// package's addon (the one native core of the backends): not public API, they may change in any
// release.
export {
  type NativeTapAdapterRecord as InternalNativeTapAdapterRecord,
  type NativeTapLibrary as InternalNativeTapLibrary,
  nativeAddon as internalNativeAddon,
  nativeAddonLocation,
} from "./native-addon.js";
export {
  listNetworkAdapters,
  type NativeInterfaceRow,
  type NativeUnicastAddress,
  type NetworkAdapterRecord,
} from "./network-adapter-records.js";
export {
  type CaptureCounters,
  type CaptureDestination,
  type CaptureEnd,
  type CaptureOptions,
  DEFAULT_CAPTURE_BUFFER_SIZE,
  MAX_CAPTURE_BUFFER_SIZE,
  MIN_CAPTURE_BUFFER_SIZE,
  PacketCapture,
} from "./port/packet-capture.js";
export { PortError, type PortErrorCode } from "./port/port-error.js";
// InternalSessionPort, its option check and the Internal* types are for @magma/tap-legacy, whose
// TapPort is the same port over a TAP adapter (one pump, one transmitter, one close order for both
// backends): not public API, they may change in any release. The counters every backend's port
// reports (SessionPortStatistics, of which WinTunPortStatistics is another name) are public.
export {
  SessionPort as InternalSessionPort,
  type SessionPortBackend as InternalSessionPortBackend,
  type SessionPortDrops,
  type SessionPortEvents as InternalSessionPortEvents,
  type SessionPortStatistics,
} from "./port/session-port.js";
export {
  type ResolvedSessionPortOptions as InternalResolvedSessionPortOptions,
  resolveSessionPortOptions as internalResolveSessionPortOptions,
  SESSION_PORT_OPTION_NAMES as INTERNAL_SESSION_PORT_OPTION_NAMES,
  type SessionPortOptions as InternalSessionPortOptions,
  type SessionWorkerPortOptions as InternalSessionWorkerPortOptions,
} from "./port/session-port-options.js";
// The transmitter every backend's port lends (wintun's WinTunTransmitter, TAP's): public, so a
// receiver can be written against it once.
export {
  type PooledPacketSink,
  SessionTransmitter,
  type SessionTransmitterOptions,
  type TransmitterDrops,
} from "./port/session-transmitter.js";
export {
  WinTunPort,
  type WinTunPortDrops,
  type WinTunPortOptions,
  type WinTunPortStatistics,
  type WinTunWorkerPortOptions,
} from "./port/win-tun-port.js";
export { WinTunTransmitter } from "./port/win-tun-transmitter.js";
export {
  type ReceivedBatchSource,
  type ReceivedPacket,
  type ReceiverCounters,
  WinTunTransportReceiver,
} from "./port/win-tun-transport-receiver.js";
export {
  DEFAULT_RING_CAPACITY,
  MAX_RING_CAPACITY,
  MIN_RING_CAPACITY,
  validateRingCapacity,
} from "./session/ring-capacity.js";
// For @magma/tap-legacy's TapPort (see InternalSessionPort above).
export type { ResolvedSessionOptions as InternalResolvedSessionOptions } from "./session/session-options.js";
export type { WinTunSessionStatistics } from "./session/session-statistics.js";
export {
  type WinTunBatchHandler,
  WinTunSession,
  type WinTunSessionEnd,
  type WinTunSessionEndReason,
  type WinTunSessionOptions,
} from "./session/wintun-session.js";
export { Win32Error, win32ErrorName } from "./win32-error-names.js";
export {
  type CreateAdapterOptions,
  type OpenAdapterOptions,
  WinTunAdapter,
  type WinTunInterfaceStatistics,
} from "./wintun-adapter.js";
export {
  listWintunAdapters,
  type WinTunAdapterListing,
  type WinTunOperStatus,
} from "./wintun-adapter-list.js";
export {
  isNativeWin32Failure as internalIsNativeWin32Failure,
  WinTunError,
} from "./wintun-error.js";
export { type WinTunDriverVersion, WinTunLibrary } from "./wintun-library.js";
export type {
  WinTunLogEntry,
  WinTunLogger,
  WinTunLogLevel,
  WinTunLogTarget,
} from "./wintun-logger.js";
// The Internal* names are for @magma/tap-legacy's TapPort (see InternalSessionPort above).
export type {
  PortWorkerStatistics,
  PortWorkers as InternalPortWorkers,
  PortWorkersOptions,
  ResolvedPortWorkersOptions as InternalResolvedPortWorkersOptions,
} from "./workers/port-workers.js";
