#include "handle_table.h"

#include <cstdint>
#include <mutex>
#include <vector>

namespace tap_emu {

namespace {

struct Slot {
  uint32_t generation = 1;
  std::shared_ptr<KernelObject> object;
};

struct Table {
  std::mutex mutex;
  std::vector<Slot> slots;
  std::vector<uint32_t> free;
};

Table &table() {
  static Table instance;
  return instance;
}

// Value = generation << 32 | (index + 1) << 2: never NULL, never INVALID_HANDLE_VALUE, a multiple
// of four as Windows handles are.
HANDLE encode(uint32_t index, uint32_t generation) {
  uint64_t value = (static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(index + 1) << 2);
  return reinterpret_cast<HANDLE>(static_cast<uintptr_t>(value));
}

bool decode(HANDLE handle, uint32_t *index, uint32_t *generation) {
  uint64_t value = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle));
  uint32_t low = static_cast<uint32_t>(value);
  if ((low & 3u) != 0 || low < 4u) return false;
  *index = (low >> 2) - 1;
  *generation = static_cast<uint32_t>(value >> 32);
  return true;
}

}  // namespace

HANDLE insertHandle(std::shared_ptr<KernelObject> object) {
  Table &t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  uint32_t index;
  if (!t.free.empty()) {
    index = t.free.back();
    t.free.pop_back();
  } else {
    index = static_cast<uint32_t>(t.slots.size());
    t.slots.emplace_back();
  }
  t.slots[index].object = std::move(object);
  return encode(index, t.slots[index].generation);
}

std::shared_ptr<KernelObject> lookupHandle(HANDLE handle) {
  uint32_t index, generation;
  if (!decode(handle, &index, &generation)) return nullptr;
  Table &t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (index >= t.slots.size() || t.slots[index].generation != generation) return nullptr;
  return t.slots[index].object;
}

std::shared_ptr<KernelObject> removeHandle(HANDLE handle) {
  uint32_t index, generation;
  if (!decode(handle, &index, &generation)) return nullptr;
  Table &t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (index >= t.slots.size() || t.slots[index].generation != generation ||
      t.slots[index].object == nullptr) {
    return nullptr;
  }
  std::shared_ptr<KernelObject> object = std::move(t.slots[index].object);
  t.slots[index].object.reset();
  ++t.slots[index].generation;
  if (t.slots[index].generation == 0) t.slots[index].generation = 1;
  t.free.push_back(index);
  return object;
}

}  // namespace tap_emu
