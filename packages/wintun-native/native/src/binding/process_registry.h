// Process-wide names for objects that another Node-API environment of the same process (a worker
// thread) must find by a number it was given: a session's shared send ring, its worker steering.
// The registry holds only weak references: the owner's lifetime decides, and a name whose object
// is gone finds nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace magma::wintun {

template <typename T>
class ProcessRegistry {
 public:
  // One registry per type, for the whole process; never destroyed, so that a worker thread
  // ending after the main thread's static destructors still finds a valid one.
  static ProcessRegistry& Instance() {
    static auto* registry = new ProcessRegistry();
    return *registry;
  }

  uint32_t Register(const std::shared_ptr<T>& object) {
    std::lock_guard<std::mutex> guard(lock_);
    const uint32_t id = next_id_++;
    entries_[id] = object;
    return id;
  }

  void Unregister(uint32_t id) {
    std::lock_guard<std::mutex> guard(lock_);
    entries_.erase(id);
  }

  std::shared_ptr<T> Find(uint32_t id) {
    std::lock_guard<std::mutex> guard(lock_);
    auto found = entries_.find(id);
    return found == entries_.end() ? nullptr : found->second.lock();
  }

 private:
  ProcessRegistry() = default;
  std::mutex lock_;
  uint32_t next_id_ = 1;
  std::unordered_map<uint32_t, std::weak_ptr<T>> entries_;
};

}  // namespace magma::wintun
