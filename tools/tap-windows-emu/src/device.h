// One open handle on \\.\Global\{GUID}.tap: the per-handle state tap0901 keeps (B.2: all of it
// reset on open and on close), its 64-packet queue from the stack (B.5), the reads waiting for
// packets, and the I/O thread that takes the stack's frames from the TAP interface and applies
// the driver's TAP- or TUN-mode rules to them (B.4).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters.h"
#include "event.h"
#include "overlapped.h"
#include "tun_mode.h"

namespace tap_emu {

class OpenDevice : public KernelObject {
 public:
  // `fd` is the adapter's TAP interface, used until close() or adapterGone().
  OpenDevice(std::shared_ptr<Adapter> adapter, int fd, DWORD access, bool overlapped);
  ~OpenDevice() override;
  // Resets the interface's state and starts the I/O thread; false if that failed.
  bool start();
  Event *waitableEvent() override { return &fileEvent_; }
  bool overlapped() const { return overlapped_; }
  uint32_t mtu() const { return adapter_->mtu; }

  // Each returns ERROR_IO_PENDING when the request was queued (it may already be complete), or
  // the Win32 error it failed with at once.
  DWORD read(uint8_t *buffer, DWORD length, const OverlappedRequest &request);
  DWORD write(const uint8_t *buffer, DWORD length, const OverlappedRequest &request);
  // Synchronous, as the driver completes every IOCTL at once: ERROR_SUCCESS or the error
  // (device_control.cc).
  DWORD control(DWORD code, const uint8_t *in, DWORD inLength, uint8_t *out, DWORD outLength,
                DWORD *returned);
  // Completes pending reads (all, or the one using `overlapped`) with STATUS_CANCELLED;
  // ERROR_NOT_FOUND when there was none.
  DWORD cancel(const OVERLAPPED *overlapped);
  // Whether `overlapped` belongs to a request still pending on this handle.
  bool isPending(const OVERLAPPED *overlapped);
  // IRP_MJ_CLEANUP then close: pending reads complete with STATUS_CANCELLED, media disconnected.
  void close();
  // The adapter was deleted or disabled: pending reads abort and later I/O fails with
  // ERROR_OPERATION_ABORTED (B.5). From the I/O thread itself it does not wait for that thread.
  void adapterGone(bool fromIoThread);
  // The hold-completions fault ended: queued packets go to the reads posted meanwhile.
  void releaseHeld();

 private:
  struct PendingRead {
    OverlappedRequest request;
    uint8_t *buffer = nullptr;
    DWORD length = 0;
  };

  void runIoThread();
  void stopIoThread();
  void handleStackFrame(const uint8_t *frame, size_t length);  // with mutex_ held
  void deliver(const uint8_t *packet, size_t length);           // with mutex_ held
  void completeRead(const PendingRead &read, const uint8_t *packet, size_t length);
  void deliverQueued();                                         // with mutex_ held
  size_t cancelPending(const OVERLAPPED *overlapped);           // with mutex_ held
  bool setMedia(bool connected);                                // with mutex_ held
  void resetState();                                            // with mutex_ held

  const std::shared_ptr<Adapter> adapter_;
  const int fd_;
  const DWORD access_;
  const bool overlapped_;
  Event fileEvent_{true, false};
  uint8_t remoteMac_[6];

  std::mutex mutex_;  // guards everything below, and every use of fd_ outside the I/O thread's read
  bool closed_ = false;
  bool gone_ = false;
  bool tun_ = false;
  TunConfig tunConfig_{};
  bool dhcpMasq_ = false;
  // The driver's packet queue: kQueueSize slots of MTU + 18 bytes, allocated once per open.
  static constexpr size_t kQueueSize = TAP_WIN_PACKET_QUEUE_SIZE;
  size_t slotSize_;
  std::vector<uint8_t> queueStorage_;
  uint32_t queueLengths_[kQueueSize] = {};
  size_t queueHead_ = 0;
  size_t queueCount_ = 0;
  // Reads waiting for packets, oldest first, in a ring allocated once per open.
  static constexpr size_t kMaxPendingReads = 1024;
  std::vector<PendingRead> pending_;
  size_t pendingHead_ = 0;
  size_t pendingCount_ = 0;

  std::mutex threadMutex_;  // guards starting and joining thread_
  std::thread thread_;
  int stopFd_ = -1;  // eventfd that ends the I/O thread
  std::vector<uint8_t> frame_;  // the I/O thread's receive buffer
  uint8_t reply_[kMaxReplyFrame];
};

}  // namespace tap_emu
