// Win32 event objects (CreateEventW): manual- or auto-reset, waited on by WaitForSingleObject and
// WaitForMultipleObjects. All events share one lock and one condition variable, so a wait on
// several events sees them change atomically, as the Windows dispatcher does; events change
// once per I/O completion, so the shared lock costs nothing that matters.
#pragma once

#include <cstdint>

#include "handle_table.h"

namespace tap_emu {

class Event : public KernelObject {
 public:
  Event(bool manualReset, bool initialState)
      : KernelObject(Kind::Event), manualReset_(manualReset), signaled_(initialState) {}
  Event *waitableEvent() override { return this; }
  void set();
  void reset();

  // WaitForMultipleObjects over `count` events: WAIT_OBJECT_0 + i, WAIT_TIMEOUT.
  static DWORD waitFor(Event *const *events, DWORD count, bool waitAll, DWORD milliseconds);

 private:
  const bool manualReset_;
  bool signaled_;  // guarded by the shared dispatcher lock
};

}  // namespace tap_emu
