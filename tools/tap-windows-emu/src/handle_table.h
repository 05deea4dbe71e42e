// Kernel object handles as Windows hands them out: opaque, multiples of four, and checked on
// every use, so a stale, closed or made-up HANDLE gives ERROR_INVALID_HANDLE instead of a crash.
// A handle is slot index and generation; closing bumps the slot's generation, so a closed handle
// never names the object that later reuses its slot.
#pragma once

#include <memory>

#include "tap_windows_api.h"

namespace tap_emu {

class Event;

class KernelObject {
 public:
  enum class Kind { Event, Device, RegistryKey };
  explicit KernelObject(Kind kind) : kind_(kind) {}
  virtual ~KernelObject() = default;
  Kind kind() const { return kind_; }
  // The event a wait on this handle waits for (a file handle waits for its file object's event);
  // nullptr when the object cannot be waited on.
  virtual Event *waitableEvent() { return nullptr; }

 private:
  Kind kind_;
};

HANDLE insertHandle(std::shared_ptr<KernelObject> object);
// The object behind `handle`, or nullptr when the handle is not open.
std::shared_ptr<KernelObject> lookupHandle(HANDLE handle);
// Closes `handle` and returns its object (nullptr when the handle was not open).
std::shared_ptr<KernelObject> removeHandle(HANDLE handle);

template <typename T>
std::shared_ptr<T> lookupHandleOf(HANDLE handle, KernelObject::Kind kind) {
  std::shared_ptr<KernelObject> object = lookupHandle(handle);
  if (object == nullptr || object->kind() != kind) return nullptr;
  return std::static_pointer_cast<T>(object);
}

}  // namespace tap_emu
