// A wintun session as a PacketRing: each call goes straight to the library's export of the same
// name. It holds the library (a loaded library is never unloaded, but its table is shared) and
// ends the session in End().
#pragma once

#include <memory>

#include "../library/wintun_library.h"
#include "packet_ring.h"

namespace magma::wintun {

class WintunPacketRing final : public PacketRing {
 public:
  WintunPacketRing(std::shared_ptr<const WintunApi> api, WINTUN_SESSION_HANDLE session)
      : api_(std::move(api)), session_(session) {}
  ~WintunPacketRing() override { End(); }
  WintunPacketRing(const WintunPacketRing&) = delete;
  WintunPacketRing& operator=(const WintunPacketRing&) = delete;

  BYTE* ReceivePacket(DWORD* size) override { return api_->ReceivePacket(session_, size); }
  void ReleaseReceivePacket(const BYTE* packet) override { api_->ReleaseReceivePacket(session_, packet); }
  BYTE* AllocateSendPacket(DWORD size) override { return api_->AllocateSendPacket(session_, size); }
  void SendPacket(const BYTE* packet) override { api_->SendPacket(session_, packet); }
  // The DLL does not check the size; above 0xFFFF the driver would declare the ring corrupt.
  uint32_t max_send_size() const override { return WINTUN_MAX_IP_PACKET_SIZE; }
  uint32_t min_send_size() const override { return 1; }
  std::unique_ptr<ReadWaiter> NewReadWaiter() override {
    return NewWintunReadWaiter(api_->GetReadWaitEvent(session_));
  }
  HANDLE loop_read_event() override { return api_->GetReadWaitEvent(session_); }
  void End() override {
    if (session_ == nullptr) return;
    api_->EndSession(session_);
    session_ = nullptr;
  }

 private:
  std::shared_ptr<const WintunApi> api_;
  WINTUN_SESSION_HANDLE session_;
};

}  // namespace magma::wintun
