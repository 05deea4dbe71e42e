// A TAP-Windows device in TUN mode as a PacketRing (session/packet_ring.h), so the receive pump,
// the batching send path and the workers' shared send ring that serve wintun serve TAP unchanged.
//
// Receive: kReads overlapped reads are kept posted at all times (reference B.5: the driver queues
// only 64 packets; a posted read takes a packet as soon as it arrives), each with a buffer of
// MTU + 18 bytes (B.5: MTU + 14, + 4 for a priority tag; less gives ERROR_MORE_DATA and loses the
// packet). The driver completes reads in the order they were posted (its IRP queue), so the
// oldest posted read is the ring's head: ReceivePacket looks at it, ReleaseReceivePacket posts it
// again at the tail. In TUN mode a completed read holds the bare IP packet (B.4).
//
// Send: kWrites buffers of MTU bytes, each with its own OVERLAPPED. AllocateSendPacket takes a
// buffer whose last write has completed (ERROR_BUFFER_OVERFLOW when all are in flight: a full
// ring); SendPacket posts the write. In TUN mode the driver takes the bare IP packet and adds the
// Ethernet header itself (B.4). Both run under one lock, as wintun serialises its senders.
// Any thread may send, a port's worker included, though Windows cancels the I/O a thread issued
// when the thread ends: tap-windows6 pends a write only until NDIS returns the packet it
// indicated, and clears the IRP's cancel routine (rxpath.c, TapDeviceWrite), so an ending thread
// waits for its writes to complete and none is cancelled. Reads are different: they wait in a
// cancel-safe queue for a packet, so only threads that last as long as the session post them (its
// receive thread, or the JavaScript thread that owns it), never a worker.
//
// Every operation has its own manual-reset event (minwinbase.h: GetOverlappedResult with bWait
// needs one per concurrent operation), and a completion is seen by reading OVERLAPPED.Internal,
// as HasOverlappedIoCompleted does, so an empty ring costs no call into the driver.
//
// End: CancelIoEx on the handle, then every pending operation is waited for before the handle
// and the events are closed (B.5; a buffer must outlive the I/O that writes it).
//
// Errors as wintun reports them: a read or write that fails with ERROR_OPERATION_ABORTED (the
// adapter was halted, disabled or removed, B.5) makes the ring report ERROR_HANDLE_EOF, which the
// session turns into its "adapter-removed" end.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "../session/packet_ring.h"
#include "tap_windows_api.h"

namespace magma::tap {

class TapPacketRing final : public wintun::PacketRing {
 public:
  // Reads kept posted: the driver's IRP queue takes any number (B.5), while its packet queue holds
  // only 64 and drops the rest. 256 posted reads take a burst of 256 packets in flight without
  // loss (tools/bench reflector: 3,584 lost per run at 64 reads, none at 256) for 256 x (MTU + 18)
  // bytes.
  static constexpr uint32_t kReads = 256;
  // Writes in flight: one full receive batch of replies (ReceivePumpConfig::max_batch's default).
  static constexpr uint32_t kWrites = 128;

  // Takes `device` (opened with FILE_FLAG_OVERLAPPED, configured for TUN mode); closes it in End.
  // Check ok() before use: false when an event could not be made or the first reads failed to
  // post with anything but ERROR_OPERATION_ABORTED (the Win32 code is then in `start_error`).
  TapPacketRing(std::shared_ptr<const void> library_keepalive, const TapWin32Api& api, HANDLE device,
                uint32_t mtu);
  ~TapPacketRing() override;
  TapPacketRing(const TapPacketRing&) = delete;
  TapPacketRing& operator=(const TapPacketRing&) = delete;

  bool ok() const { return start_error_ == 0; }
  uint32_t start_error() const { return start_error_; }

  BYTE* ReceivePacket(DWORD* size) override;
  void ReleaseReceivePacket(const BYTE* packet) override;
  BYTE* AllocateSendPacket(DWORD size) override;
  void SendPacket(const BYTE* packet) override;
  uint32_t max_send_size() const override { return write_size_; }
  uint32_t min_send_size() const override { return TAP_WIN_MIN_TUN_WRITE; }
  // No: releasing a packet posts the next read from the releasing thread, and Windows cancels the
  // I/O a thread issued when that thread ends (the handle has no completion port), which the ring
  // would take for the adapter going away (ERROR_OPERATION_ABORTED, B.5).
  bool workers_may_receive() const override { return false; }
  std::unique_ptr<wintun::ReadWaiter> NewReadWaiter() override;
  // libuv cannot wait on these events (nor on the emulator's): the ring goes back to the receive
  // thread whenever it is empty.
  HANDLE loop_read_event() override { return nullptr; }
  void End() override;
  void CountInto(wintun::SessionStatistics& stats) override { stats_ = &stats; }

  // For the read waiter (the receiving thread): the head read's event, and whether the head read
  // already failed to post (then there is nothing to wait for: ReceivePacket reports it).
  HANDLE head_event() const { return reads_[head_].overlapped.hEvent; }
  bool head_failed() const { return reads_[head_].post_error != 0; }
  const TapWin32Api& api() const { return api_; }

 private:
  struct Operation {
    OVERLAPPED overlapped{};
    BYTE* buffer = nullptr;
    DWORD length = 0;         // writes: the packet's length
    uint32_t post_error = 0;  // reads: ReadFile failed at once with this code
    enum class State : uint8_t { kIdle, kAllocated, kPending } state = State::kIdle;
  };

  void PostRead(Operation& read);
  // A posted operation's outcome once it has completed: 0, or its Win32 code.
  uint32_t Outcome(Operation& operation, DWORD& bytes);
  // Writes only, under send_lock_: frees a completed write; false while it is still in flight.
  bool ReapWrite(Operation& write);
  // Under send_lock_: a write the driver failed. The send path counted it as sent; it is a drop.
  // ERROR_OPERATION_ABORTED (current drivers) or ERROR_GEN_FAILURE (older ones) after the adapter
  // went away ends the send side (B.5, B.7); anything else is this packet's fault alone.
  void WriteFailed(const Operation& write, uint32_t error);

  std::shared_ptr<const void> library_;
  const TapWin32Api& api_;
  HANDLE device_;
  const uint32_t read_size_;
  const uint32_t write_size_;
  std::vector<BYTE> storage_;
  std::vector<Operation> reads_;
  size_t head_ = 0;  // receiving thread only
  uint32_t start_error_ = 0;
  bool ended_ = false;
  wintun::SessionStatistics* stats_ = nullptr;

  std::mutex send_lock_;  // guards writes_, next_write_ and send_ended_
  std::vector<Operation> writes_;
  size_t next_write_ = 0;
  bool send_ended_ = false;
};

}  // namespace magma::tap
