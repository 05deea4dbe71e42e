// Per-session counters. Written by the receive thread (rx), the JavaScript thread (tx, and rx while it holds the ring), read by
// either at any time: relaxed atomics, each counter exact on its own.
#pragma once

#include <atomic>
#include <cstdint>

namespace magma::wintun {

struct SessionStatistics {
  std::atomic<uint64_t> rx_packets{0};
  std::atomic<uint64_t> rx_bytes{0};
  std::atomic<uint64_t> rx_batches{0};
  std::atomic<uint64_t> tx_packets{0};
  std::atomic<uint64_t> tx_bytes{0};
  std::atomic<uint64_t> drop_send_ring_full{0};
  std::atomic<uint64_t> drop_pool_exhausted{0};
  std::atomic<uint64_t> drop_invalid_packet{0};
  std::atomic<uint64_t> drop_session_ended{0};
  std::atomic<uint64_t> receive_waits{0};
  std::atomic<uint64_t> rx_inline_batches{0};
  // Packets the driver had put in the receive ring that nobody will receive: the session ended
  // with them still there.
  std::atomic<uint64_t> drop_left_in_ring{0};
  // Of rx_inline_batches, those the JavaScript thread received after the read event woke its
  // event loop directly (Linux), with no receive thread in between.
  std::atomic<uint64_t> rx_woken_batches{0};

  // Every packet taken from the receive ring, however it ended (delivered, dropped, drained): what
  // the driver's own count of packets it put in the ring is compared with when the driver ends the
  // session underneath (src/session/wintun-session.ts).
  std::atomic<uint64_t> rx_ring_packets{0};
  // Received packets no slot may hold: empty or above 65535 bytes. For TAP, a read the driver cut
  // short (ERROR_MORE_DATA: the packet was longer than the read buffer and is lost, B.5).
  std::atomic<uint64_t> drop_rx_invalid{0};

  // Times the JavaScript thread holding the ring went on receiving without letting its event loop
  // turn, the loop having nothing due: its budget ran out, or a packet came while it slept in the
  // loop's stead (Linux; session_binding.cc, OnReadEvent).
  std::atomic<uint64_t> rx_turns_skipped{0};

  // Of rx_batches, those a port worker received from the ring itself, while the ring was lent to
  // the workers (receive_pump.h).
  std::atomic<uint64_t> rx_worker_batches{0};

  static constexpr int kFieldCount = 17;
  // The order JavaScript reads them in (src/session/session-statistics.ts).
  void CopyTo(double* out) const {
    const std::atomic<uint64_t>* fields[kFieldCount] = {
        &rx_packets, &rx_bytes, &rx_batches, &tx_packets, &tx_bytes, &drop_send_ring_full,
        &drop_pool_exhausted, &drop_invalid_packet, &drop_session_ended, &receive_waits,
        &rx_inline_batches, &drop_left_in_ring, &rx_woken_batches, &rx_ring_packets,
        &drop_rx_invalid, &rx_turns_skipped, &rx_worker_batches};
    for (int i = 0; i < kFieldCount; ++i) out[i] = static_cast<double>(fields[i]->load(std::memory_order_relaxed));
  }
};

}  // namespace magma::wintun
