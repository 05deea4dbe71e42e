import type { TcpConnection } from "./tcp-connection.js";

function readWord(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]! | 0;
}

/** Folds an address of 4 or 16 bytes at `bytes[at]` into 32 bits. */
function foldAddress(bytes: Uint8Array, at: number, length: number): number {
  let h = readWord(bytes, at);
  for (let i = 4; i < length; i += 4) h = Math.imul(h ^ readWord(bytes, at + i), 0x9e3779b1);
  return h;
}

/**
 * The hash of a four-tuple, from packet bytes or a connection's addresses alike. Not keyed: the
 * table chains collisions, so a peer that forces them costs itself a longer chain, not memory.
 */
export function fourTupleHash(
  remote: Uint8Array,
  remoteAt: number,
  local: Uint8Array,
  localAt: number,
  addressLength: number,
  remotePort: number,
  localPort: number,
): number {
  let h = foldAddress(remote, remoteAt, addressLength);
  h = Math.imul(h ^ foldAddress(local, localAt, addressLength), 0x85ebca6b);
  h = Math.imul(h ^ ((remotePort << 16) | localPort), 0xc2b2ae35);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Four-tuple → connection, looked up from packet bytes without allocating: a `Map` from the hash
 * to the first connection of a chain linked through `nextInBucket`.
 */
export class ConnectionTable {
  readonly #buckets = new Map<number, TcpConnection>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The connection for a segment from `remote`:`remotePort` to `local`:`localPort`, if any. */
  lookup(
    bytes: Uint8Array,
    remoteAt: number,
    localAt: number,
    addressLength: number,
    remotePort: number,
    localPort: number,
  ): TcpConnection | undefined {
    const hash = fourTupleHash(
      bytes,
      remoteAt,
      bytes,
      localAt,
      addressLength,
      remotePort,
      localPort,
    );
    let connection = this.#buckets.get(hash);
    while (connection !== undefined) {
      if (
        connection.remotePort === remotePort &&
        connection.localPort === localPort &&
        connection.remote.bytes.length === addressLength &&
        connection.remote.matches(bytes, remoteAt) &&
        connection.local.matches(bytes, localAt)
      ) {
        return connection;
      }
      connection = connection.nextInBucket;
    }
    return undefined;
  }

  /** Whether a connection with this four-tuple exists (for choosing an ephemeral port). */
  has(remote: Uint8Array, local: Uint8Array, remotePort: number, localPort: number): boolean {
    return this.lookupAddresses(remote, local, remotePort, localPort) !== undefined;
  }

  lookupAddresses(
    remote: Uint8Array,
    local: Uint8Array,
    remotePort: number,
    localPort: number,
  ): TcpConnection | undefined {
    const hash = fourTupleHash(remote, 0, local, 0, remote.length, remotePort, localPort);
    let connection = this.#buckets.get(hash);
    while (connection !== undefined) {
      if (
        connection.remotePort === remotePort &&
        connection.localPort === localPort &&
        connection.remote.bytes.length === remote.length &&
        connection.remote.matches(remote, 0) &&
        connection.local.matches(local, 0)
      ) {
        return connection;
      }
      connection = connection.nextInBucket;
    }
    return undefined;
  }

  insert(connection: TcpConnection): void {
    const hash = fourTupleHash(
      connection.remote.bytes,
      0,
      connection.local.bytes,
      0,
      connection.remote.bytes.length,
      connection.remotePort,
      connection.localPort,
    );
    connection.tableHash = hash;
    connection.nextInBucket = this.#buckets.get(hash);
    this.#buckets.set(hash, connection);
    this.#size++;
  }

  remove(connection: TcpConnection): void {
    const hash = connection.tableHash;
    let previous: TcpConnection | undefined;
    let current = this.#buckets.get(hash);
    while (current !== undefined && current !== connection) {
      previous = current;
      current = current.nextInBucket;
    }
    if (current === undefined) return;
    if (previous === undefined) {
      if (connection.nextInBucket === undefined) this.#buckets.delete(hash);
      else this.#buckets.set(hash, connection.nextInBucket);
    } else {
      previous.nextInBucket = connection.nextInBucket;
    }
    connection.nextInBucket = undefined;
    this.#size--;
  }

  /** Every connection, for closing the receiver. */
  *[Symbol.iterator](): IterableIterator<TcpConnection> {
    for (const first of this.#buckets.values()) {
      let connection: TcpConnection | undefined = first;
      while (connection !== undefined) {
        const next: TcpConnection | undefined = connection.nextInBucket;
        yield connection;
        connection = next;
      }
    }
  }
}
