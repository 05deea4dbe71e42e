import type { PacketMemoryPool } from "@magma/memory-pool";

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
