#include "shared_send_ring.h"

#include <mutex>
#include <unordered_map>

namespace magma::wintun {
namespace {

std::mutex registry_lock;
uint32_t next_id = 1;

std::unordered_map<uint32_t, std::weak_ptr<SharedSendRing>>& Registry() {
  static auto* registry = new std::unordered_map<uint32_t, std::weak_ptr<SharedSendRing>>();
  return *registry;
}

}  // namespace

uint32_t RegisterSharedSendRing(const std::shared_ptr<SharedSendRing>& ring) {
  std::lock_guard<std::mutex> guard(registry_lock);
  const uint32_t id = next_id++;
  Registry()[id] = ring;
  return id;
}

void UnregisterSharedSendRing(uint32_t id) {
  std::lock_guard<std::mutex> guard(registry_lock);
  Registry().erase(id);
}

std::shared_ptr<SharedSendRing> FindSharedSendRing(uint32_t id) {
  std::lock_guard<std::mutex> guard(registry_lock);
  auto found = Registry().find(id);
  return found == Registry().end() ? nullptr : found->second.lock();
}

}  // namespace magma::wintun
