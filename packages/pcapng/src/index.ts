export {
  MAX_STREAMED_BLOCK_LENGTH,
  type PcapngBlock,
  PcapngBlockSplitter,
} from "./pcapng-block-splitter.js";
export {
  type PcapngFile,
  PcapngFormatError,
  type PcapngFormatErrorCode,
  type PcapngInterface,
  type PcapngPacket,
  readPcapng,
} from "./pcapng-reader.js";
export {
  BlockType,
  BYTE_ORDER_MAGIC,
  type EnhancedPacketHeader,
  enhancedPacketBlockLength,
  type InterfaceDescriptionOptions,
  interfaceDescriptionBlock,
  LINKTYPE_RAW,
  MAX_SNAP_LENGTH,
  NANOSECOND_RESOLUTION,
  OptionCode,
  PacketDirection,
  padded,
  type SectionHeaderOptions,
  sectionHeaderBlock,
  setTimestamp,
  writeEnhancedPacketBlock,
} from "./pcapng-writer.js";
