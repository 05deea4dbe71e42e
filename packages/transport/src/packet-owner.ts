/**
 * One packet's memory and the duty to give it back.
 *
 * Whoever holds a `PacketOwner` owns the memory behind it and must call `dispose()` exactly once
 * when done; after that the memory belongs to its pool again and may be overwritten at any time.
 * `memory` is a view that may be longer than the packet (it usually covers a whole pool slot):
 * the packet is its first `length` bytes. Backends reuse owner objects and views, so keeping a
 * reference after `dispose()` is a bug even though the object still looks alive.
 */
export interface PacketOwner {
  /** The memory holding the packet; the packet is `memory[0 .. length)`. */
  readonly memory: Uint8Array;
  /** How many bytes of `memory` the packet occupies. */
  readonly length: number;
  /** Returns the memory to its owner. Calling it twice is an error. */
  dispose(): void;
}
