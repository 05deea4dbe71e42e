import type { PacketMemoryPool, PooledPacket } from "@magma/memory-pool";

const slotTables = new WeakMap<PacketMemoryPool, Int32Array>();

/**
 * Where each slot of `pool` lives, as native code takes it: (slab index, byte offset, capacity)
 * per slot id. Made once per pool.
 */
export function slotTableOf(pool: PacketMemoryPool): Int32Array {
  let table = slotTables.get(pool);
  if (table === undefined) {
    table = new Int32Array(pool.slotCount * 3);
    for (let id = 0; id < pool.slotCount; id++) {
      const slot = pool.slot(id);
      table[3 * id] = slot.slabIndex;
      table[3 * id + 1] = slot.byteOffset;
      table[3 * id + 2] = slot.capacity;
    }
    slotTables.set(pool, table);
  }
  return table;
}

/**
 * The (slot id, length) pairs native code sends `packets[0 .. count)` by, written into `pairs`
 * (returned, or a larger array when it is too small: grown once, then reused by the caller). A
 * packet of another pool, or none, gets slot -1, which native code counts as an invalid packet: it
 * would name memory the sender does not know.
 */
export function writeSlotPairs(
  packets: readonly PooledPacket[],
  count: number,
  pool: PacketMemoryPool,
  pairs: Int32Array<ArrayBuffer>,
): Int32Array<ArrayBuffer> {
  const out = pairs.length >= 2 * count ? pairs : new Int32Array(2 * count);
  for (let i = 0; i < count; i++) {
    const packet = packets[i] as PooledPacket | undefined;
    const ours = packet?.pool === pool;
    out[2 * i] = ours ? (packet as PooledPacket).id : -1;
    out[2 * i + 1] = ours ? (packet as PooledPacket).length : 0;
  }
  return out;
}
