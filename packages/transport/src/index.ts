export { MagmaError } from "./magma-error.js";
export {
  booleanOption,
  checkOptionNames,
  choiceOption,
  functionOption,
  integerOption,
  stringOption,
} from "./option-checks.js";
export { describeValue, OptionError, type OptionErrorCode } from "./option-error.js";
export {
  checkMinLength,
  PacketLengthError,
  type PacketLengthErrorCode,
} from "./packet-length-error.js";
export type { PacketOwner } from "./packet-owner.js";
export type { PacketPort, PacketReceiverFactory, PortStatistics } from "./packet-port.js";
export type { IPacketReceiver } from "./packet-receiver.js";
export type { IPacketTransmitter } from "./packet-transmitter.js";
export { RandomSequenceNumberSource } from "./random-sequence-number.js";
