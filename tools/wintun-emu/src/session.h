// A Wintun session: the two rings in one zero-filled region (the app's receive ring first), the
// app-side state of each direction under its own lock, and the emulated driver's two threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "counters.h"
#include "faults.h"
#include "namespace_lock.h"
#include "receive_ring_producer.h"
#include "ring.h"
#include "send_ring_consumer.h"
#include "wintun_api.h"

namespace wintun_emu {

struct Device;

enum class SessionState : uint32_t {
  Alive = 0x53455353,  // "SESS"
  Ended = 0x454E4445,  // "ENDE": kept as a tombstone in strict mode to catch later calls
};

// The app side of the ring WintunReceivePacket reads (the driver's "Send" ring).
struct ReceiveSide {
  std::mutex lock;
  uint32_t head = 0;         // next packet to hand out
  uint32_t headRelease = 0;  // first packet not yet released
  uint32_t packetsToRelease = 0;
};

// The app side of the ring WintunAllocateSendPacket fills (the driver's "Receive" ring).
struct SendSide {
  std::mutex lock;
  uint32_t tail = 0;         // next allocation
  uint32_t tailRelease = 0;  // first packet not yet sent
  uint32_t packetsToRelease = 0;
};

enum CorruptionRequest : uint32_t { kCorruptToApp = 1, kCorruptFromApp = 2 };

}  // namespace wintun_emu

// The handle type the API names; defined here so WINTUN_SESSION_HANDLE points at it.
struct _TUN_SESSION {
  std::atomic<wintun_emu::SessionState> state{wintun_emu::SessionState::Alive};
  uint32_t capacity = 0;
  uint8_t *region = nullptr;
  size_t regionBytes = 0;
  wintun_emu::TunRing *toApp = nullptr;    // kernel -> app
  wintun_emu::TunRing *fromApp = nullptr;  // app -> kernel
  wintun_emu::ReceiveSide receive;
  wintun_emu::SendSide send;
  // The driver side of the send ring, shared by WintunSendPacket and the driver thread.
  std::unique_ptr<wintun_emu::SendRingConsumer> consumer;
  // The driver side of the receive ring, shared by WintunReceivePacket and the driver thread.
  std::unique_ptr<wintun_emu::ReceiveRingProducer> producer;

  int readEvent = -1;       // eventfd handed out by WintunGetReadWaitEvent
  int tailMovedEvent = -1;  // eventfd: send-ring work for an alertable driver thread
  int stopEvent = -1;       // eventfd: level-triggered stop for both driver threads
  int toAppWakeEvent = -1;  // eventfd: a fault-injection request for the kernel -> app thread
  int tunFd = -1;           // the session's own queue of the adapter's TUN interface
  // Held while the rings are registered: the adapter's one session in the whole namespace.
  wintun_emu::NamespaceLock registration;  // guarded by the adapter registry lock

  wintun_emu::Device *device = nullptr;  // guarded by the adapter registry lock
  std::thread toAppThread;
  std::thread fromAppThread;
  bool driverJoined = false;  // guarded by the adapter registry lock
  std::atomic<bool> stopping{false};
  std::atomic<bool> interfaceGone{false};
  std::atomic<uint32_t> corruptionRequests{0};
  std::atomic<uint32_t> callsInProgress{0};  // strict mode: catches EndSession during a call

  wintun_emu::Counters counters;
  wintun_emu::SessionFaults faults;
};

namespace wintun_emu {

using Session = _TUN_SESSION;

// Allocates the rings and events and starts the driver threads over `queue`, the session's own
// TUN queue, keeping `registration`; the caller holds the registry lock and has validated rights,
// capacity and exclusivity. Returns nullptr with the last error set (closing `queue`).
Session *startSession(Device &device, uint32_t capacity, int queue, NamespaceLock registration);
// Stops the driver threads (media disconnected, consumer and producer stopped, Tail = dead, read
// event signalled), detaches the session's queue and gives up the registration; idempotent;
// caller holds the registry lock. After it returns nothing reads or writes the TUN file, not
// even an app thread inside a packet call.
void stopSessionDriver(Session &session);
// Frees the rings, events and queue, and the session object unless it is kept as an Ended
// tombstone (strict mode, to catch later calls).
void freeSession(Session *session, bool keepTombstone);
// Asks the driver threads to end the session on their own (forced EOF, external removal).
void requestDriverStop(Session &session);
void signalEvent(int eventFd);
void drainEvent(int eventFd);

uint8_t *receivePacket(Session &session, uint32_t *packetSize);
void releaseReceivePacket(Session &session, const uint8_t *packet);
uint8_t *allocateSendPacket(Session &session, uint32_t packetSize);
void sendPacket(Session &session, const uint8_t *packet);

// The driver threads (driver_to_app.cc, driver_from_app.cc).
void runToAppDriver(Session &session);
void runFromAppDriver(Session &session);

}  // namespace wintun_emu
