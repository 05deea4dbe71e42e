/*
 * The bytes every bulk sender of the TCP benchmark writes, so a receiver can check them: the byte
 * at stream offset o is o mod 251. 251 is prime, so a segment lost, duplicated or put at the wrong
 * offset shows as a mismatch unless the error happens to be a multiple of 251 bytes.
 *
 * A writer keeps one buffer of BULK_PATTERN_BUFFER_BYTES filled by bulk_pattern_fill() and writes
 * up to BULK_CHUNK_BYTES from bulk_pattern_at(buffer, offset). BULK_CHUNK_BYTES is a multiple of
 * the period, so a writer that always writes whole chunks needs no offset at all. Readers read
 * BULK_READ_BYTES at a time.
 */
#ifndef MAGMA_BENCH_BULK_PATTERN_H
#define MAGMA_BENCH_BULK_PATTERN_H

#include <stddef.h>
#include <stdint.h>

enum {
  BULK_PATTERN_PERIOD = 251,
  BULK_CHUNK_BYTES = BULK_PATTERN_PERIOD * 1024, /* 257,024 bytes per write */
  /* 64 KiB per read. On veth, reads of 251 KiB were about 10% slower (the buffer falls out of
   * the cache), while writes of 64 KiB halved the sender's rate (more, smaller skbs and calls). */
  BULK_READ_BYTES = 65536,
  BULK_PATTERN_BUFFER_BYTES = BULK_CHUNK_BYTES + BULK_PATTERN_PERIOD,
};

void bulk_pattern_fill(uint8_t *buffer);

static inline const uint8_t *bulk_pattern_at(const uint8_t *buffer, uint64_t offset) {
  return buffer + offset % BULK_PATTERN_PERIOD;
}

/* The index of the first byte of data[0, length) that is not the pattern at stream offset
 * `offset`, or `length` when all are. */
size_t bulk_pattern_mismatch(const uint8_t *buffer, const uint8_t *data, size_t length,
                             uint64_t offset);

#endif
