// DeviceIoControl on an open TAP handle: the IOCTLs of reference B.3 as tap-windows6 answers
// them. Each completes in the call (METHOD_BUFFERED), so none ever pends.
#include <cstring>

#include "device.h"

namespace tap_emu {

DWORD OpenDevice::control(DWORD code, const uint8_t *in, DWORD inLength, uint8_t *out,
                          DWORD outLength, DWORD *returned) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return ERROR_INVALID_HANDLE;
  if (gone_) return ERROR_OPERATION_ABORTED;
  *returned = 0;
  if (in == nullptr) inLength = 0;
  if (out == nullptr) outLength = 0;
  // The "set" IOCTLs complete with Information = 1: METHOD_BUFFERED copies the first byte of the
  // system buffer (the input's) back to the output (B.3).
  auto setDone = [&]() {
    *returned = 1;
    if (outLength >= 1) out[0] = inLength >= 1 ? in[0] : 0;
    return static_cast<DWORD>(ERROR_SUCCESS);
  };
  switch (code) {
    case TAP_WIN_IOCTL_GET_MAC:
      if (outLength < 6) return ERROR_INSUFFICIENT_BUFFER;
      std::memcpy(out, adapter_->mac, 6);
      *returned = 6;
      return ERROR_SUCCESS;
    case TAP_WIN_IOCTL_GET_VERSION: {
      if (outLength < sizeof(TapWinVersion)) return ERROR_INSUFFICIENT_BUFFER;
      TapWinVersion version = driverVersion();
      std::memcpy(out, &version, sizeof version);
      *returned = sizeof version;
      return ERROR_SUCCESS;
    }
    case TAP_WIN_IOCTL_GET_MTU: {
      if (outLength < sizeof(uint32_t)) return ERROR_INSUFFICIENT_BUFFER;
      uint32_t mtu = adapter_->mtu;
      std::memcpy(out, &mtu, sizeof mtu);
      *returned = sizeof mtu;
      return ERROR_SUCCESS;
    }
    case TAP_WIN_IOCTL_CONFIG_TUN: {
      // tap-windows6 leaves TUN mode first, so a refused configuration means TAP mode (B.7).
      tun_ = false;
      if (inLength < sizeof(TapWinConfigTun)) return ERROR_INVALID_PARAMETER;
      TapWinConfigTun config;
      std::memcpy(&config, in, sizeof config);
      for (int i = 0; i < 4; ++i) {
        if ((config.network[i] & config.netmask[i]) != config.network[i]) {
          return ERROR_INVALID_PARAMETER;  // network & mask != network (B.3)
        }
      }
      std::memcpy(tunConfig_.local, config.local, 4);
      std::memcpy(tunConfig_.network, config.network, 4);
      std::memcpy(tunConfig_.netmask, config.netmask, 4);
      tun_ = true;
      return setDone();
    }
    case TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT: {
      // The legacy form: a /32 "network" holding only the remote address (B.3).
      tun_ = false;
      if (inLength < sizeof(TapWinConfigPointToPoint)) return ERROR_INVALID_PARAMETER;
      TapWinConfigPointToPoint config;
      std::memcpy(&config, in, sizeof config);
      std::memcpy(tunConfig_.local, config.local, 4);
      std::memcpy(tunConfig_.network, config.remote, 4);
      std::memset(tunConfig_.netmask, 0xFF, 4);
      tun_ = true;
      return setDone();
    }
    case TAP_WIN_IOCTL_SET_MEDIA_STATUS: {
      if (inLength < sizeof(TapWinMediaStatus)) return ERROR_INVALID_PARAMETER;
      TapWinMediaStatus status;
      std::memcpy(&status, in, sizeof status);
      // B.7: only the low byte counts.
      if (!setMedia((status & 0xFFu) != 0)) return ERROR_GEN_FAILURE;
      return setDone();
    }
    case TAP_WIN_IOCTL_CONFIG_DHCP_MASQ:
      if (inLength < sizeof(TapWinConfigDhcpMasq)) return ERROR_INVALID_PARAMETER;
      dhcpMasq_ = true;  // the driver's DHCP server itself is not emulated (README)
      return setDone();
    case TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT:
      // B.3: options need DHCP_MASQ first and fit in 256 bytes.
      if (!dhcpMasq_ || inLength > 256) return ERROR_INVALID_PARAMETER;
      return setDone();
    case TAP_WIN_IOCTL_PRIORITY_BEHAVIOR: {
      if (inLength < sizeof(uint32_t)) return ERROR_INVALID_PARAMETER;
      uint32_t behavior;
      std::memcpy(&behavior, in, sizeof behavior);
      if (behavior > 2) return ERROR_INVALID_PARAMETER;
      // 802.1Q tags on TAP-mode reads are not emulated: refuse rather than pretend (README).
      if (behavior != 0) return ERROR_NOT_SUPPORTED;
      return setDone();
    }
    default:
      // GET_INFO completes with STATUS_INVALID_DEVICE_REQUEST (B.3); GET_LOG_LINE exists only
      // in debug drivers (B.7); unknown codes likewise.
      return ERROR_INVALID_FUNCTION;
  }
}

}  // namespace tap_emu
