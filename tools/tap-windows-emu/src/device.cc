#include "device.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "strict_mode.h"
#include "tun_device.h"  // tools/wintun-emu: setTunCarrier

namespace tap_emu {

namespace {

// B.5: the driver drops stack frames larger than MtuSize + 18 (header plus an 802.1Q tag).
constexpr size_t kFrameSlack = 18;
// The largest frame a Linux TAP interface hands over.
constexpr size_t kLargestLinuxFrame = 65535 + kEthernetHeader + 4;

template <typename Counter>
void count(Counter &counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

OpenDevice::OpenDevice(std::shared_ptr<Adapter> adapter, int fd, DWORD access, bool overlapped)
    : KernelObject(Kind::Device),
      adapter_(std::move(adapter)),
      fd_(fd),
      access_(access),
      overlapped_(overlapped),
      slotSize_(adapter_->mtu + kFrameSlack),
      queueStorage_(kQueueSize * slotSize_),
      pending_(kMaxPendingReads),
      frame_(kLargestLinuxFrame) {
  remoteMacOf(adapter_->mac, remoteMac_);
}

OpenDevice::~OpenDevice() {
  stopIoThread();
  if (stopFd_ >= 0) ::close(stopFd_);
}

bool OpenDevice::start() {
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    resetState();
    // Whatever the interface held from before this open is not this handle's.
    while (::read(fd_, frame_.data(), frame_.size()) >= 0) {
    }
  }
  std::lock_guard<std::mutex> lock(threadMutex_);
  thread_ = std::thread([this] { runIoThread(); });
  return true;
}

void OpenDevice::runIoThread() {
  pollfd waits[2] = {{fd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  while (true) {
    if (poll(waits, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (waits[1].revents != 0 || (waits[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return;
    // A bounded batch per wake-up, so a flood cannot starve the stop request.
    for (int batch = 0; batch < 64; ++batch) {
      ssize_t got = ::read(fd_, frame_.data(), frame_.size());
      if (got < 0) break;
      bool remove = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_ || gone_) return;
#if TAP_EMU_TEST_HOOKS
        remove = adapter_->faults.removeOnNextFrame.exchange(false);
#endif
        if (!remove) handleStackFrame(frame_.data(), static_cast<size_t>(got));
      }
      if (remove) {
        // Returns with the interface closed and this handle's device gone; touch nothing after.
        deleteAdapterFromIoThread(adapter_->guid);
        return;
      }
    }
  }
}

void OpenDevice::stopIoThread() {
  std::lock_guard<std::mutex> lock(threadMutex_);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // the last reference died on the I/O thread, which is on its way out
    return;
  }
  uint64_t one = 1;
  ssize_t written = ::write(stopFd_, &one, sizeof one);
  (void)written;  // an eventfd write of 1 cannot fail short of overflow
  thread_.join();
}

void OpenDevice::handleStackFrame(const uint8_t *frame, size_t length) {
  AdapterCounters &counters = adapter_->counters;
  count(counters.framesFromStack);
  // tap-windows6 refuses whole sends with a frame outside [Ethernet + IPv4 header, MTU + 18].
  if (length > slotSize_) {
    count(counters.oversizeDrops);
    return;
  }
  if (length < kEthernetHeader + 20) {
    count(counters.filteredDrops);
    return;
  }
  if (!tun_) {
    deliver(frame, length);  // TAP mode: the whole Ethernet frame (B.4)
    return;
  }
  size_t replyLength = 0;
  switch (classifyStackFrame(tunConfig_, adapter_->mac, remoteMac_, frame, length, reply_, &replyLength)) {
    case StackFrameVerdict::Deliver:
      deliver(frame + kEthernetHeader, length - kEthernetHeader);
      return;
    case StackFrameVerdict::AnsweredArp:
      count(counters.arpReplies);
      break;
    case StackFrameVerdict::AnsweredNeighborSolicitation:
      count(counters.neighborAdvertisements);
      break;
    case StackFrameVerdict::Drop:
      count(counters.filteredDrops);
      return;
  }
  // The answer goes back up the stack as if received on the wire; it never reaches a reader.
  ssize_t written = ::write(fd_, reply_, replyLength);
  (void)written;  // a lost answer is a lost frame on the wire: the stack asks again
}

void OpenDevice::deliver(const uint8_t *packet, size_t length) {
  bool hold = false;
#if TAP_EMU_TEST_HOOKS
  hold = adapter_->faults.holdCompletions.load();
#endif
  if (!hold && pendingCount_ > 0) {
    PendingRead read = std::move(pending_[pendingHead_]);
    pending_[pendingHead_] = PendingRead{};
    pendingHead_ = (pendingHead_ + 1) % kMaxPendingReads;
    --pendingCount_;
    completeRead(read, packet, length);
    return;
  }
  if (queueCount_ == kQueueSize) {
    count(adapter_->counters.queueOverflowDrops);  // PACKET_QUEUE_SIZE reached (B.5)
    return;
  }
  size_t slot = (queueHead_ + queueCount_) % kQueueSize;
  std::memcpy(queueStorage_.data() + slot * slotSize_, packet, length);
  queueLengths_[slot] = static_cast<uint32_t>(length);
  ++queueCount_;
}

void OpenDevice::completeRead(const PendingRead &read, const uint8_t *packet, size_t length) {
  size_t capacity = read.length;
#if TAP_EMU_TEST_HOOKS
  uint32_t limit = adapter_->faults.readBufferLimit.load();
  if (limit != 0 && limit < capacity) capacity = limit;
#endif
  if (length > capacity) {
    // B.5: ERROR_MORE_DATA with 0 bytes, and the packet is discarded.
    count(adapter_->counters.moreDataDiscards);
    completeRequest(read.request, fileEvent_, kStatusBufferOverflow, 0);
    return;
  }
  std::memcpy(read.buffer, packet, length);
  count(adapter_->counters.packetsToReader);
  completeRequest(read.request, fileEvent_, kStatusSuccess, length);
}

void OpenDevice::deliverQueued() {
  while (queueCount_ > 0 && pendingCount_ > 0) {
    PendingRead read = std::move(pending_[pendingHead_]);
    pending_[pendingHead_] = PendingRead{};
    pendingHead_ = (pendingHead_ + 1) % kMaxPendingReads;
    --pendingCount_;
    completeRead(read, queueStorage_.data() + queueHead_ * slotSize_, queueLengths_[queueHead_]);
    queueHead_ = (queueHead_ + 1) % kQueueSize;
    --queueCount_;
  }
}

DWORD OpenDevice::read(uint8_t *buffer, DWORD length, const OverlappedRequest &request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return ERROR_INVALID_HANDLE;
  if ((access_ & GENERIC_READ) == 0) return ERROR_ACCESS_DENIED;
  if (gone_) return ERROR_OPERATION_ABORTED;  // adapter halted or removed (B.5)
  if (pendingCount_ == kMaxPendingReads) return ERROR_NOT_ENOUGH_MEMORY;
  markPending(request.overlapped);
  fileEvent_.reset();
  if (request.event != nullptr) request.event->reset();
  pending_[(pendingHead_ + pendingCount_) % kMaxPendingReads] = PendingRead{request, buffer, length};
  ++pendingCount_;
  bool hold = false;
#if TAP_EMU_TEST_HOOKS
  hold = adapter_->faults.holdCompletions.load();
#endif
  // Reads are always pended (B.5); one that finds a queued packet completes at once.
  if (!hold) deliverQueued();
  return ERROR_IO_PENDING;
}

DWORD OpenDevice::write(const uint8_t *buffer, DWORD length, const OverlappedRequest &request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return ERROR_INVALID_HANDLE;
  if ((access_ & GENERIC_WRITE) == 0) return ERROR_ACCESS_DENIED;
  if (gone_) return ERROR_OPERATION_ABORTED;
  // B.7: a TUN-mode write without room for an IPv4 header is STATUS_BUFFER_TOO_SMALL; TAP mode
  // needs the Ethernet header (B.4).
  if (length < (tun_ ? TAP_WIN_MIN_TUN_WRITE : TAP_WIN_ETHERNET_HEADER_SIZE)) {
    return ERROR_INSUFFICIENT_BUFFER;
  }
  fileEvent_.reset();
  if (request.event != nullptr) request.event->reset();
  ssize_t written;
  size_t expected = length;
  if (tun_) {
    uint8_t header[kEthernetHeader];
    tunWriteHeader(adapter_->mac, remoteMac_, buffer[0], header);
    iovec parts[2] = {{header, sizeof header}, {const_cast<uint8_t *>(buffer), length}};
    expected += sizeof header;
    written = ::writev(fd_, parts, 2);
  } else {
    written = ::write(fd_, buffer, length);
  }
  if (written != static_cast<ssize_t>(expected)) return ERROR_GEN_FAILURE;
  count(adapter_->counters.writesToStack);
  markPending(request.overlapped);
  completeRequest(request, fileEvent_, kStatusSuccess, length);
  return ERROR_IO_PENDING;
}

DWORD OpenDevice::cancel(const OVERLAPPED *overlapped) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return ERROR_INVALID_HANDLE;
  return cancelPending(overlapped) > 0 ? ERROR_SUCCESS : ERROR_NOT_FOUND;
}

bool OpenDevice::isPending(const OVERLAPPED *overlapped) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < pendingCount_; ++i) {
    if (pending_[(pendingHead_ + i) % kMaxPendingReads].request.overlapped == overlapped) return true;
  }
  return false;
}

size_t OpenDevice::cancelPending(const OVERLAPPED *overlapped) {
  size_t kept = 0;
  size_t cancelled = 0;
  for (size_t i = 0; i < pendingCount_; ++i) {
    PendingRead &read = pending_[(pendingHead_ + i) % kMaxPendingReads];
    if (overlapped == nullptr || read.request.overlapped == overlapped) {
      completeRequest(read.request, fileEvent_, kStatusCancelled, 0);
      read = PendingRead{};
      ++cancelled;
    } else {
      if (kept != i) {
        pending_[(pendingHead_ + kept) % kMaxPendingReads] = std::move(read);
        read = PendingRead{};
      }
      ++kept;
    }
  }
  pendingCount_ = kept;
  return cancelled;
}

bool OpenDevice::setMedia(bool connected) { return wintun_emu::setTunCarrier(fd_, connected); }

void OpenDevice::resetState() {
  tun_ = false;
  tunConfig_ = TunConfig{};
  dhcpMasq_ = false;
  queueHead_ = 0;
  queueCount_ = 0;
  setMedia(false);
}

void OpenDevice::close() {
  size_t cancelled;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    cancelled = cancelPending(nullptr);
    if (!gone_) resetState();  // B.2, B.7: media disconnected, TUN and DHCP cleared, queue flushed
  }
  if (cancelled > 0) {
    count(adapter_->counters.closedWithPendingIo);
    strictWarning("CloseHandle",
                  "%zu read(s) still pending on %s: CancelIoEx and wait for them first, or the "
                  "buffers must outlive the handle",
                  cancelled, adapter_->guid.c_str());
  }
  stopIoThread();
  std::lock_guard<std::mutex> lock(adapter_->mutex);
  if (adapter_->holder.lock().get() == this) adapter_->holder.reset();
}

void OpenDevice::adapterGone(bool fromIoThread) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (gone_) return;
    gone_ = true;
    cancelPending(nullptr);
    queueHead_ = 0;
    queueCount_ = 0;
  }
  if (!fromIoThread) stopIoThread();
  std::lock_guard<std::mutex> lock(adapter_->mutex);
  if (adapter_->holder.lock().get() == this) adapter_->holder.reset();
}

void OpenDevice::releaseHeld() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!closed_ && !gone_) deliverQueued();
}

}  // namespace tap_emu
