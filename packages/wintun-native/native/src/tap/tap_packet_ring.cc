#include "tap_packet_ring.h"

#include "../platform/last_error.h"

namespace magma::tap {
namespace {

// ntstatus.h: what OVERLAPPED.Internal holds while the request is in flight (the value
// HasOverlappedIoCompleted compares with).
constexpr ULONG_PTR kStatusPending = 0x00000103;

// OVERLAPPED.Internal is written by the driver's completion on another thread (by the kernel on
// Windows): read it as an atomic, as the emulator writes it.
bool Pending(const OVERLAPPED& overlapped) {
  return __atomic_load_n(&overlapped.Internal, __ATOMIC_ACQUIRE) == kStatusPending;
}

// The adapter was halted, disabled or removed (B.5): the session's "adapter-removed" end, which
// wintun reports as ERROR_HANDLE_EOF.
uint32_t AsRingError(uint32_t code) {
  return code == static_cast<uint32_t>(ERROR_OPERATION_ABORTED) ? WINTUN_ERROR_HANDLE_EOF : code;
}

// Reads wait on the head read's event, or on the quit event that Wake sets (manual reset, so a
// wake is never missed).
class TapReadWaiter final : public wintun::ReadWaiter {
 public:
  explicit TapReadWaiter(const TapPacketRing& ring)
      : ring_(ring), quit_(ring.api().CreateEventW(nullptr, TRUE, FALSE, nullptr)) {
    if (quit_ == nullptr) wintun::SetWin32Error(ring.api().GetLastError());
  }
  ~TapReadWaiter() override {
    if (quit_ != nullptr) ring_.api().CloseHandle(quit_);
  }
  TapReadWaiter(const TapReadWaiter&) = delete;
  TapReadWaiter& operator=(const TapReadWaiter&) = delete;

  bool ok() const override { return quit_ != nullptr; }
  Outcome Wait() override {
    if (ring_.head_failed()) return Outcome::kReadable;  // ReceivePacket reports the failure
    HANDLE handles[2] = {quit_, ring_.head_event()};
    const DWORD result = ring_.api().WaitForMultipleObjects(2, handles, FALSE, INFINITE);
    if (result == WAIT_OBJECT_0) return Outcome::kWoken;
    if (result == WAIT_OBJECT_0 + 1) return Outcome::kReadable;
    wintun::SetWin32Error(ring_.api().GetLastError());
    return Outcome::kFailed;
  }
  void Wake() override { ring_.api().SetEvent(quit_); }

 private:
  const TapPacketRing& ring_;
  HANDLE quit_;
};

}  // namespace

TapPacketRing::TapPacketRing(std::shared_ptr<const void> library_keepalive, const TapWin32Api& api,
                             HANDLE device, uint32_t mtu)
    : library_(std::move(library_keepalive)),
      api_(api),
      device_(device),
      read_size_(mtu + TAP_WIN_ETHERNET_HEADER_SIZE + 4),
      // The ring takes what wintun's would, and the driver no more than its MTU.
      write_size_(mtu < WINTUN_MAX_IP_PACKET_SIZE ? mtu : WINTUN_MAX_IP_PACKET_SIZE),
      reads_(kReads),
      writes_(kWrites) {
  storage_.resize(static_cast<size_t>(read_size_) * kReads + static_cast<size_t>(write_size_) * kWrites);
  BYTE* next = storage_.data();
  for (Operation& read : reads_) {
    read.buffer = next;
    next += read_size_;
  }
  for (Operation& write : writes_) {
    write.buffer = next;
    next += write_size_;
  }
  for (std::vector<Operation>* group : {&reads_, &writes_}) {
    for (Operation& operation : *group) {
      // Manual reset, not signalled: the form GetOverlappedResult expects (minwinbase.h).
      operation.overlapped.hEvent = api_.CreateEventW(nullptr, TRUE, FALSE, nullptr);
      if (operation.overlapped.hEvent == nullptr && start_error_ == 0) start_error_ = api_.GetLastError();
    }
  }
  if (start_error_ != 0) return;
  for (Operation& read : reads_) {
    PostRead(read);
    // The adapter going away now is an end the session reports, not a failure to start.
    if (read.post_error != 0 && read.post_error != static_cast<uint32_t>(ERROR_OPERATION_ABORTED)) {
      start_error_ = read.post_error;
      return;
    }
  }
}

TapPacketRing::~TapPacketRing() { End(); }

void TapPacketRing::PostRead(Operation& read) {
  read.post_error = 0;
  if (api_.ReadFile(device_, read.buffer, read_size_, nullptr, &read.overlapped)) {
    read.state = Operation::State::kPending;  // completed at once; the OVERLAPPED says so
    return;
  }
  const DWORD error = api_.GetLastError();
  if (error == static_cast<DWORD>(ERROR_IO_PENDING)) {
    read.state = Operation::State::kPending;
    return;
  }
  read.state = Operation::State::kIdle;
  read.post_error = error;
}

uint32_t TapPacketRing::Outcome(Operation& operation, DWORD& bytes) {
  bytes = 0;
  if (api_.GetOverlappedResult(device_, &operation.overlapped, &bytes, FALSE)) return 0;
  return api_.GetLastError();
}

BYTE* TapPacketRing::ReceivePacket(DWORD* size) {
  Operation& read = reads_[head_];
  if (read.post_error != 0) {
    wintun::SetWin32Error(AsRingError(read.post_error));
    return nullptr;
  }
  if (Pending(read.overlapped)) {
    wintun::SetWin32Error(WINTUN_ERROR_NO_MORE_ITEMS);
    return nullptr;
  }
  DWORD bytes = 0;
  const uint32_t error = Outcome(read, bytes);
  if (error == static_cast<uint32_t>(ERROR_MORE_DATA)) {
    // B.5: the packet was longer than the buffer and the driver discarded it. An empty packet,
    // which the pump counts (drops.invalidReceived, the port's rxInvalidPacket) and releases,
    // posting the read again.
    *size = 0;
    return read.buffer;
  }
  if (error != 0) {
    read.state = Operation::State::kIdle;
    read.post_error = error;  // sticky: the ring is over
    wintun::SetWin32Error(AsRingError(error));
    return nullptr;
  }
  *size = bytes;
  return read.buffer;
}

void TapPacketRing::ReleaseReceivePacket(const BYTE* packet) {
  Operation& read = reads_[head_];
  // Packets are released in the order received, one at a time (packet_ring.h).
  if (packet != read.buffer || ended_) return;
  PostRead(read);
  head_ = (head_ + 1) % reads_.size();
}

bool TapPacketRing::ReapWrite(Operation& write) {
  if (write.state != Operation::State::kPending) return write.state == Operation::State::kIdle;
  if (Pending(write.overlapped)) return false;
  DWORD bytes = 0;
  const uint32_t error = Outcome(write, bytes);
  write.state = Operation::State::kIdle;
  if (error != 0) WriteFailed(write, error);
  return true;
}

void TapPacketRing::WriteFailed(const Operation& write, uint32_t error) {
  const bool gone = error == static_cast<uint32_t>(ERROR_OPERATION_ABORTED) ||
                    error == static_cast<uint32_t>(ERROR_GEN_FAILURE);
  if (gone) send_ended_ = true;
  if (stats_ == nullptr) return;
  stats_->tx_packets.fetch_sub(1, std::memory_order_relaxed);
  stats_->tx_bytes.fetch_sub(write.length, std::memory_order_relaxed);
  (gone ? stats_->drop_session_ended : stats_->drop_invalid_packet).fetch_add(1, std::memory_order_relaxed);
}

BYTE* TapPacketRing::AllocateSendPacket(DWORD size) {
  std::lock_guard<std::mutex> guard(send_lock_);
  if (!send_ended_ && size <= write_size_) {
    for (size_t looked = 0; looked < writes_.size() && !send_ended_; ++looked) {
      Operation& write = writes_[next_write_];
      next_write_ = (next_write_ + 1) % writes_.size();
      if (ReapWrite(write) && !send_ended_) {
        write.state = Operation::State::kAllocated;
        write.length = size;
        return write.buffer;
      }
    }
  }
  if (send_ended_) {
    wintun::SetWin32Error(WINTUN_ERROR_HANDLE_EOF);
  } else if (size > write_size_) {
    wintun::SetWin32Error(WINTUN_ERROR_INVALID_PARAMETER);
  } else {
    wintun::SetWin32Error(WINTUN_ERROR_BUFFER_OVERFLOW);  // every write is in flight: a full ring
  }
  return nullptr;
}

void TapPacketRing::SendPacket(const BYTE* packet) {
  // Only a buffer AllocateSendPacket returned (packet_ring.h); anything else is ignored.
  const BYTE* first = writes_.front().buffer;
  const uintptr_t offset = reinterpret_cast<uintptr_t>(packet) - reinterpret_cast<uintptr_t>(first);
  if (packet < first || offset % write_size_ != 0 || offset / write_size_ >= writes_.size()) return;
  std::lock_guard<std::mutex> guard(send_lock_);
  Operation& write = writes_[offset / write_size_];
  if (write.state != Operation::State::kAllocated) return;
  if (send_ended_) {
    // Allocated before another thread's write found the adapter gone: lost with the session.
    write.state = Operation::State::kIdle;
    WriteFailed(write, ERROR_OPERATION_ABORTED);
    return;
  }
  write.state = Operation::State::kPending;
  if (api_.WriteFile(device_, write.buffer, write.length, nullptr, &write.overlapped)) return;
  const DWORD error = api_.GetLastError();
  if (error == static_cast<DWORD>(ERROR_IO_PENDING)) return;
  write.state = Operation::State::kIdle;
  // The next Allocate reports an end (WriteFailed).
  WriteFailed(write, error);
}

std::unique_ptr<wintun::ReadWaiter> TapPacketRing::NewReadWaiter() {
  return std::make_unique<TapReadWaiter>(*this);
}

void TapPacketRing::End() {
  if (ended_) return;
  ended_ = true;
  // B.5: cancel what is in flight and wait for every operation to complete before the buffers and
  // the handle go (each has its own event, so each wait is for its own completion).
  api_.CancelIoEx(device_, nullptr);
  for (std::vector<Operation>* group : {&reads_, &writes_}) {
    for (Operation& operation : *group) {
      if (operation.state == Operation::State::kPending) {
        DWORD bytes = 0;
        api_.GetOverlappedResult(device_, &operation.overlapped, &bytes, TRUE);
        operation.state = Operation::State::kIdle;
      }
      if (operation.overlapped.hEvent != nullptr) api_.CloseHandle(operation.overlapped.hEvent);
      operation.overlapped.hEvent = nullptr;
    }
  }
  api_.CloseHandle(device_);
}

}  // namespace magma::tap
