#include "session.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "adapter.h"
#include "last_error.h"
#include "logger.h"
#include "strict_mode.h"
#include "tun_device.h"

namespace wintun_emu {

namespace {

int makeEventFd() { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void closeIfOpen(int &fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Offset of the Size word of the packet whose payload starts at `packet`, or UINT32_MAX when the
// pointer cannot be a packet of this ring.
uint32_t packetOffset(const Session &session, const TunRing *ring, const uint8_t *packet) {
  const uint8_t *data = ring->data;
  if (packet < data + kPacketHeaderSize || packet >= data + session.capacity + kPacketHeaderSize) {
    return UINT32_MAX;
  }
  auto offset = static_cast<uint32_t>(packet - data - kPacketHeaderSize);
  return (offset & 3u) == 0 ? offset : UINT32_MAX;
}

// Strict mode: the packet must be one handed out and not yet given back, found by walking the
// outstanding packets from `from`. Returns nullptr when it is, or what is wrong.
const char *outstandingProblem(const Session &session, TunRing *ring, uint32_t from,
                               uint32_t count, uint32_t offset, bool givenBackWhenFlagSet) {
  uint32_t cursor = from;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t word = *sizeWordAt(ring, cursor);
    bool flag = (word & kPacketFlag) != 0;
    if (cursor == offset) {
      bool givenBack = givenBackWhenFlagSet ? flag : !flag;
      return givenBack ? "already given back" : nullptr;
    }
    cursor = (cursor + packetFootprint(word & ~kPacketFlag)) & (session.capacity - 1);
  }
  return "not outstanding";
}

// WintunSendPacket's ring step, under the send lock: clears the packet's flag and publishes Tail
// past every sent packet at the head of the line. True when Tail moved.
bool publishSentPacket(Session &session, const uint8_t *packet) {
  SendSide &side = session.send;
  TunRing *ring = session.fromApp;
  const uint32_t mask = session.capacity - 1;
  std::lock_guard<std::mutex> guard(side.lock);
  uint32_t offset = packetOffset(session, ring, packet);
  if (strictMode()) {
    const char *problem = offset == UINT32_MAX
                              ? "not a pointer into this session's send ring"
                              : outstandingProblem(session, ring, side.tailRelease,
                                                   side.packetsToRelease, offset, false);
    if (problem != nullptr) {
      strictAbort("WintunSendPacket", "packet %p was never allocated or was sent before (%s)",
                  static_cast<const void *>(packet), problem);
    }
  } else if (offset == UINT32_MAX) {
    logMessage(WINTUN_LOG_ERR, "WintunSendPacket: pointer outside the ring ignored");
    return false;
  }
  *sizeWordAt(ring, offset) &= ~kPacketFlag;
  while (side.packetsToRelease > 0) {
    uint32_t word = *sizeWordAt(ring, side.tailRelease);
    if ((word & kPacketFlag) != 0) break;
    side.tailRelease = (side.tailRelease + packetFootprint(word)) & mask;
    --side.packetsToRelease;
  }
  if (__atomic_load_n(&ring->tail, __ATOMIC_RELAXED) == side.tailRelease) return false;
  __atomic_store_n(&ring->tail, side.tailRelease, __ATOMIC_SEQ_CST);
  return true;
}

}  // namespace

void signalEvent(int eventFd) {
  uint64_t one = 1;
  ssize_t written;
  do {
    written = write(eventFd, &one, sizeof one);
  } while (written < 0 && errno == EINTR);
}

void drainEvent(int eventFd) {
  uint64_t value;
  while (read(eventFd, &value, sizeof value) < 0 && errno == EINTR) {
  }
}

Session *startSession(Device &device, uint32_t capacity, int queue, NamespaceLock registration) {
  size_t bytes = 2 * static_cast<size_t>(ringSize(capacity));
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  bytes = (bytes + page - 1) / page * page;
  void *region = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) {
    close(queue);
    failWith(WINTUN_ERROR_NOT_ENOUGH_MEMORY, "Failed to allocate ring memory");
    return nullptr;
  }
  auto *session = new Session();
  session->tunFd = queue;
  session->registration = std::move(registration);
  session->capacity = capacity;
  session->region = static_cast<uint8_t *>(region);
  session->regionBytes = bytes;
  session->toApp = reinterpret_cast<TunRing *>(session->region);
  session->fromApp = reinterpret_cast<TunRing *>(session->region + ringSize(capacity));
  session->readEvent = makeEventFd();
  session->tailMovedEvent = makeEventFd();
  session->stopEvent = makeEventFd();
  session->toAppWakeEvent = makeEventFd();
  if (session->readEvent == 0) {  // fd 0 would read as a NULL HANDLE
    int moved = fcntl(0, F_DUPFD_CLOEXEC, 1);
    close(0);
    session->readEvent = moved;
  }
  if (session->readEvent < 0 || session->tailMovedEvent < 0 || session->stopEvent < 0 ||
      session->toAppWakeEvent < 0) {
    freeSession(session, false);
    failWith(WINTUN_ERROR_NOT_ENOUGH_MEMORY, "Failed to create session events");
    return nullptr;
  }
  session->device = &device;
  session->counters.adapter = &adapterCounters(device.ifIndex);
  session->faults.copyFrom(defaultFaults());
  session->consumer = std::make_unique<SendRingConsumer>(*session);
  session->producer = std::make_unique<ReceiveRingProducer>(*session);
  session->toAppThread = std::thread(runToAppDriver, std::ref(*session));
  session->fromAppThread = std::thread(runFromAppDriver, std::ref(*session));
  if (!setTunCarrier(session->tunFd, true)) {
    logMessage(WINTUN_LOG_WARN, "The kernel did not report the link up");
  }
  return session;
}

void requestDriverStop(Session &session) {
  session.stopping.store(true);
  signalEvent(session.stopEvent);
}

void stopSessionDriver(Session &session) {
  if (session.driverJoined) return;
  if (session.device != nullptr) setTunCarrier(session.tunFd, false);
  requestDriverStop(session);
  if (session.toAppThread.joinable()) session.toAppThread.join();
  if (session.fromAppThread.joinable()) session.fromAppThread.join();
  // The threads stopped them already; this makes "nothing reads or writes the TUN file after
  // this" hold here whatever happened to the threads (each stop waits for an inline caller).
  if (session.consumer) session.consumer->stop();
  if (session.producer) session.producer->stop();
  // The rings are unregistered: no packet for this queue any more, and another session, in any
  // process, may start (its own queue then gets every packet). Fails harmlessly once the
  // interface is gone.
  if (session.tunFd >= 0) detachTunQueue(session.tunFd);
  session.registration.release();
  session.driverJoined = true;
}

void freeSession(Session *session, bool keepTombstone) {
  closeIfOpen(session->tunFd);
  session->registration.release();
  closeIfOpen(session->readEvent);
  closeIfOpen(session->tailMovedEvent);
  closeIfOpen(session->stopEvent);
  closeIfOpen(session->toAppWakeEvent);
  session->consumer.reset();
  session->producer.reset();
  if (session->region != nullptr) munmap(session->region, session->regionBytes);
  session->region = nullptr;
  session->toApp = nullptr;
  session->fromApp = nullptr;
  if (keepTombstone) {
    session->state.store(SessionState::Ended);
  } else {
    delete session;
  }
}

namespace {

// WintunReceivePacket's ring step, under the receive lock. Empty leaves the last error alone.
enum class Take { Packet, Empty, Failed };
Take takeReceivedPacket(Session &session, uint8_t **packet, uint32_t *packetSize) {
  ReceiveSide &side = session.receive;
  TunRing *ring = session.toApp;
  const uint32_t mask = session.capacity - 1;
  std::lock_guard<std::mutex> guard(side.lock);
  uint32_t tail = loadAcquire(&ring->tail);
  if (tail >= session.capacity) {
    setLastError(WINTUN_ERROR_HANDLE_EOF);
    return Take::Failed;
  }
  if (side.head == tail) return Take::Empty;
  uint32_t content = (tail - side.head) & mask;
  if (content < kPacketHeaderSize) {
    setLastError(WINTUN_ERROR_INVALID_DATA);
    return Take::Failed;
  }
  uint32_t size = *sizeWordAt(ring, side.head);
  if (size > kMaxIpPacketSize || packetFootprint(size) > content) {
    setLastError(WINTUN_ERROR_INVALID_DATA);
    return Take::Failed;
  }
  *packet = ring->data + side.head + kPacketHeaderSize;
  *packetSize = size;
  side.head = (side.head + packetFootprint(size)) & mask;
  ++side.packetsToRelease;
  return Take::Packet;
}

}  // namespace

uint8_t *receivePacket(Session &session, uint32_t *packetSize) {
  session.producer->noteReceiveCall();
  uint8_t *packet = nullptr;
  Take taken = takeReceivedPacket(session, &packet, packetSize);
  // An empty ring: before reporting it, the emulated driver reads the kernel queue in the
  // caller's thread when nobody else is producing (no thread hop per batch). The receive lock is
  // released first, so the producer lock is never taken under it; another receiver may take the
  // new packets in between, and this call then reports the ring empty, as it would have.
  if (taken == Take::Empty && session.producer->tryProduceInline()) {
    taken = takeReceivedPacket(session, &packet, packetSize);
  }
  if (taken == Take::Empty) {
    // The app may wait on the read event now: the driver thread must watch the TUN file for it.
    if (session.producer->takeDriverResting()) signalEvent(session.toAppWakeEvent);
    setLastError(WINTUN_ERROR_NO_MORE_ITEMS);
  }
  return taken == Take::Packet ? packet : nullptr;
}

void releaseReceivePacket(Session &session, const uint8_t *packet) {
  ReceiveSide &side = session.receive;
  TunRing *ring = session.toApp;
  const uint32_t mask = session.capacity - 1;
  std::lock_guard<std::mutex> guard(side.lock);
  uint32_t offset = packetOffset(session, ring, packet);
  if (strictMode()) {
    const char *problem = offset == UINT32_MAX
                              ? "not a pointer into this session's receive ring"
                              : outstandingProblem(session, ring, side.headRelease,
                                                   side.packetsToRelease, offset, true);
    if (problem != nullptr) {
      strictAbort("WintunReleaseReceivePacket",
                  "packet %p was never received or was released before (%s)",
                  static_cast<const void *>(packet), problem);
    }
  } else if (offset == UINT32_MAX) {
    logMessage(WINTUN_LOG_ERR, "WintunReleaseReceivePacket: pointer outside the ring ignored");
    return;
  }
  *sizeWordAt(ring, offset) |= kPacketFlag;
  while (side.packetsToRelease > 0) {
    uint32_t word = *sizeWordAt(ring, side.headRelease);
    if ((word & kPacketFlag) == 0) break;
    side.headRelease = (side.headRelease + packetFootprint(word & ~kPacketFlag)) & mask;
    --side.packetsToRelease;
  }
  storeRelease(&ring->head, side.headRelease);
}

uint8_t *allocateSendPacket(Session &session, uint32_t packetSize) {
  SendSide &side = session.send;
  TunRing *ring = session.fromApp;
  const uint32_t mask = session.capacity - 1;
  std::lock_guard<std::mutex> guard(side.lock);
  uint32_t head = loadAcquire(&ring->head);
  if (head >= session.capacity) {
    setLastError(WINTUN_ERROR_HANDLE_EOF);
    return nullptr;
  }
  uint32_t need = packetFootprint(packetSize);
  uint32_t space = (head - side.tail - kPacketHeaderSize) & mask;
  if (need > space) {
    setLastError(WINTUN_ERROR_BUFFER_OVERFLOW);
    return nullptr;
  }
  if (strictMode() && side.tail + kPacketHeaderSize + static_cast<uint64_t>(packetSize) >
                          session.capacity + kMaxPacketFootprint - kPacketHeaderSize) {
    strictAbort("WintunAllocateSendPacket",
                "PacketSize %u would run past the end of the ring (memory corruption on Windows)",
                packetSize);
  }
  *sizeWordAt(ring, side.tail) = packetSize | kPacketFlag;
  uint8_t *packet = ring->data + side.tail + kPacketHeaderSize;
  side.tail = (side.tail + need) & mask;
  ++side.packetsToRelease;
  return packet;
}

void sendPacket(Session &session, const uint8_t *packet) {
  if (!publishSentPacket(session, packet)) return;
  // The emulated driver consumes in the caller's thread when nobody else is consuming: no thread
  // hop per packet. Otherwise the holder may have read Tail before it moved, so fall back to the
  // driver's protocol: Tail was stored sequentially consistent above, and the driver thread sets
  // Alertable and re-reads Tail the same way before it sleeps, so one of the two sees the other
  // (the missed-wakeup fix of wintun master, ec0a6b9).
  if (session.consumer->tryConsumeInline()) return;
  if (__atomic_load_n(&session.fromApp->alertable, __ATOMIC_SEQ_CST) != 0) {
    signalEvent(session.tailMovedEvent);
  }
}

}  // namespace wintun_emu
