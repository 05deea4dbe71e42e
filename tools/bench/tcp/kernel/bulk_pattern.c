#include "bulk_pattern.h"

#include <string.h>

void bulk_pattern_fill(uint8_t *buffer) {
  for (size_t i = 0; i < BULK_PATTERN_BUFFER_BYTES; i++)
    buffer[i] = (uint8_t)(i % BULK_PATTERN_PERIOD);
}

size_t bulk_pattern_mismatch(const uint8_t *buffer, const uint8_t *data, size_t length,
                             uint64_t offset) {
  size_t checked = 0;
  while (checked < length) {
    size_t part = length - checked < BULK_CHUNK_BYTES ? length - checked : BULK_CHUNK_BYTES;
    const uint8_t *expected = bulk_pattern_at(buffer, offset + checked);
    if (memcmp(data + checked, expected, part) != 0) {
      for (size_t i = 0; i < part; i++)
        if (data[checked + i] != expected[i]) return checked + i;
    }
    checked += part;
  }
  return length;
}
