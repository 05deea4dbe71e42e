// What a session's pump and send path need from the thing that moves packets: wintun's ring pair
// (WintunPacketRing), or a TAP-Windows device's overlapped reads and writes (tap/tap_packet_ring.h).
// The calls keep wintun's contract (wintun-api.md §3), so the receive pump, the batching send path
// and the workers' shared send ring are written once for both backends:
//
// - ReceivePacket: one caller at a time. Returns the next packet and its size, or nullptr with the
//   Win32 code in LastWin32Error(): ERROR_NO_MORE_ITEMS (empty: wait), ERROR_HANDLE_EOF (the
//   adapter is going away), anything else fatal.
// - ReleaseReceivePacket: gives a received packet's memory back, in the order received.
// - AllocateSendPacket / SendPacket: safe from several threads at once. Allocate fails with
//   ERROR_BUFFER_OVERFLOW when the ring is full (a counted drop), ERROR_HANDLE_EOF when the
//   adapter is going away.
// - End: stops everything; afterwards no call may be made. Not safe against concurrent calls: the
//   session joins its thread and closes its shared send ring first.
#pragma once

#include <cstdint>
#include <memory>

#include "../platform/read_wait.h"
#include "session_statistics.h"
#include "wintun_api.h"

namespace magma::wintun {

class PacketRing {
 public:
  virtual ~PacketRing() = default;

  virtual BYTE* ReceivePacket(DWORD* size) = 0;
  virtual void ReleaseReceivePacket(const BYTE* packet) = 0;
  virtual BYTE* AllocateSendPacket(DWORD size) = 0;
  virtual void SendPacket(const BYTE* packet) = 0;
  // The longest packet AllocateSendPacket takes; a longer one is the caller's error (counted as an
  // invalid packet, never sent): 65535 for wintun, the MTU for TAP.
  virtual uint32_t max_send_size() const = 0;
  // The shortest: 1 for wintun; 20 for TAP, whose driver fails a shorter write in TUN mode with
  // ERROR_INSUFFICIENT_BUFFER (reference B.7).
  virtual uint32_t min_send_size() const = 0;
  // A waiter the receive thread sleeps on until ReceivePacket may have something.
  virtual std::unique_ptr<ReadWaiter> NewReadWaiter() = 0;
  // An event the JavaScript thread's event loop can watch instead (read_event_watch.h), or nullptr
  // when it cannot: the ring then goes back to the receive thread whenever it is empty.
  virtual HANDLE loop_read_event() = 0;
  // Whether a port's worker threads may receive from it (receive_pump.h, PullForWorkers) as well
  // as the session's own threads. A worker thread can end at any time (restart, close).
  virtual bool workers_may_receive() const { return true; }
  virtual void End() = 0;
  // The session's counters, for a ring that learns only later that a packet SendPacket took was
  // lost (TAP: an overlapped write that fails): it moves the packet from tx to its drop.
  virtual void CountInto(SessionStatistics& /*stats*/) {}
};

}  // namespace magma::wintun
