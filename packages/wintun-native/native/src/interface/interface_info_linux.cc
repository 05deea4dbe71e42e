// The interface behind an emulator adapter. The emulator builds LUIDs as
// (53 << 48) | (ifindex << 24), so the LUID leads straight to the kernel interface.
#include <dlfcn.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../platform/last_error.h"
#include "interface_info.h"

namespace magma::wintun {
namespace {

// IF_TYPE_PROP_VIRTUAL (53) in the type bits, as a virtual adapter's LUID has on Windows.
constexpr uint64_t kVirtualInterfaceType = 53;

unsigned IndexFromLuid(uint64_t luid) { return static_cast<unsigned>((luid >> 24) & 0xFFFFFF); }

bool Fail(InterfaceFailure& failure, int error, const char* call) {
  failure.win32_code = Win32FromErrno(error);
  failure.call = call;
  return false;
}

// rtnl_link_stats64 of one interface: one RTM_GETLINK request, one answer. 0 or an errno.
int ReadLinkStats(unsigned index, rtnl_link_stats64& stats) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  struct {
    nlmsghdr header;
    ifinfomsg link;
  } request{};
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = 1;
  request.link.ifi_family = AF_UNSPEC;
  request.link.ifi_index = static_cast<int>(index);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof kernel) < 0) {
    int error = errno;
    close(fd);
    return error;
  }
  alignas(NLMSG_ALIGNTO) char answer[16384];
  ssize_t got;
  do {
    got = recv(fd, answer, sizeof answer, 0);
  } while (got < 0 && errno == EINTR);
  int error = got < 0 ? errno : EPROTO;
  close(fd);
  if (got < 0) return error;
  int length = static_cast<int>(got);
  for (auto* message = reinterpret_cast<nlmsghdr*>(answer); NLMSG_OK(message, length);
       message = NLMSG_NEXT(message, length)) {
    if (message->nlmsg_type == NLMSG_ERROR) {
      return -static_cast<const nlmsgerr*>(NLMSG_DATA(message))->error;
    }
    if (message->nlmsg_type != RTM_NEWLINK) continue;
    const auto* link = static_cast<const ifinfomsg*>(NLMSG_DATA(message));
    int remaining = static_cast<int>(IFLA_PAYLOAD(message));
    for (auto* attribute = IFLA_RTA(link); RTA_OK(attribute, remaining);
         attribute = RTA_NEXT(attribute, remaining)) {
      if (attribute->rta_type == IFLA_STATS64 && RTA_PAYLOAD(attribute) >= sizeof stats) {
        std::memcpy(&stats, RTA_DATA(attribute), sizeof stats);
        return 0;
      }
    }
  }
  return EPROTO;
}

// The emulated driver's discards: what it read from the TUN queue and then dropped because the
// ring had no room (wintun.sys counts those in ifOutDiscards). The kernel counted them as sent,
// so they move from tx to tx dropped. Only the emulator has the export, and only the process
// that ran the session knows them; wintun.dll, or an older emulator, has none.
struct DriverDiscards {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

DriverDiscards ReadDriverDiscards(const WintunApi& api, WINTUN_ADAPTER_HANDLE adapter) {
  // WINTUN_EMU_COUNTERS of tools/wintun-emu/include/wintun_emu.h: 13 uint64 fields, of which
  // PacketsDroppedRingFull is the 6th and BytesDroppedRingFull the 13th. Room is left for fields
  // appended later.
  constexpr size_t kPacketsDroppedRingFull = 5;
  constexpr size_t kBytesDroppedRingFull = 12;
  using GetAdapterCounters = BOOL(WINTUN_ADAPTER_HANDLE, uint64_t*);
  DriverDiscards discards;
  Dl_info library{};
  if (dladdr(reinterpret_cast<void*>(api.GetAdapterLUID), &library) == 0) return discards;
  void* handle = dlopen(library.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return discards;
  auto* get = reinterpret_cast<GetAdapterCounters*>(dlsym(handle, "WintunEmuGetAdapterCounters"));
  uint64_t counters[32] = {};
  if (get != nullptr && get(adapter, counters)) {
    discards.packets = counters[kPacketsDroppedRingFull];
    discards.bytes = counters[kBytesDroppedRingFull];
  }
  dlclose(handle);  // balances the RTLD_NOLOAD reference; the library stays loaded
  return discards;
}

uint64_t Less(uint64_t value, uint64_t amount) { return value > amount ? value - amount : 0; }

}  // namespace

uint64_t LuidOfInterfaceIndex(uint32_t index) {
  return (kVirtualInterfaceType << 48) | (static_cast<uint64_t>(index & 0xFFFFFF) << 24);
}

bool InterfaceIndexOf(uint64_t luid, uint32_t& index, InterfaceFailure& failure) {
  char name[IF_NAMESIZE];
  if (if_indextoname(IndexFromLuid(luid), name) == nullptr) {
    return Fail(failure, errno, "if_indextoname");
  }
  index = IndexFromLuid(luid);
  return true;
}

bool InterfaceNameOf(uint64_t luid, std::string& name, InterfaceFailure& failure) {
  char found[IF_NAMESIZE];
  if (if_indextoname(IndexFromLuid(luid), found) == nullptr) {
    return Fail(failure, errno, "if_indextoname");
  }
  name = found;
  return true;
}

bool ReadInterfaceStatistics(const WintunApi& api, WINTUN_ADAPTER_HANDLE adapter, uint64_t luid,
                             InterfaceStatistics& statistics, InterfaceFailure& failure) {
  rtnl_link_stats64 stats{};
  int error = ReadLinkStats(IndexFromLuid(luid), stats);
  if (error != 0) return Fail(failure, error, "RTM_GETLINK");
  DriverDiscards discards = ReadDriverDiscards(api, adapter);
  statistics.rx_packets = stats.rx_packets;
  statistics.rx_bytes = stats.rx_bytes;
  statistics.rx_dropped = stats.rx_dropped;
  statistics.rx_errors = stats.rx_errors;
  statistics.tx_packets = Less(stats.tx_packets, discards.packets);
  statistics.tx_bytes = Less(stats.tx_bytes, discards.bytes);
  statistics.tx_dropped = stats.tx_dropped + discards.packets;
  statistics.tx_errors = stats.tx_errors;
  return true;
}

}  // namespace magma::wintun
