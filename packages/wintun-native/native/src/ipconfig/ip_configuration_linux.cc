// rtnetlink behind the IP Helper calls, for the emulator's TUN interfaces. The emulator builds
// LUIDs as (53 << 48) | (ifindex << 24), so the LUID leads straight to the kernel interface.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ip_configuration.h"

namespace magma::ipconfig {
namespace {

constexpr uint32_t kNoError = 0;
constexpr uint32_t kFileNotFound = 2;
constexpr uint32_t kAccessDenied = 5;
constexpr uint32_t kNotEnoughMemory = 8;
constexpr uint32_t kGenFailure = 31;
constexpr uint32_t kNotSupported = 50;
constexpr uint32_t kInvalidParameter = 87;
constexpr uint32_t kNotFound = 1168;
constexpr uint32_t kObjectAlreadyExists = 5010;

int InterfaceIndexOf(uint64_t luid) { return static_cast<int>((luid >> 24) & 0xFFFFFF); }

// The same mapping IP Helper's callers see: "already there" and "not there" are distinct codes
// the decisions above rely on.
uint32_t StatusFromErrno(int error) {
  switch (error) {
    case 0: return kNoError;
    case EEXIST: return kObjectAlreadyExists;
    case ENODEV: return kFileNotFound;
    case ESRCH:
    case EADDRNOTAVAIL:
    case ENOENT: return kNotFound;
    case EPERM:
    case EACCES: return kAccessDenied;
    case EINVAL:
    case ERANGE: return kInvalidParameter;
    case EAFNOSUPPORT: return kNotSupported;
    case ENOMEM:
    case ENOBUFS: return kNotEnoughMemory;
    default: return kGenFailure;
  }
}

class NetlinkRequest {
 public:
  NetlinkRequest(uint16_t type, uint16_t flags) {
    header()->nlmsg_len = NLMSG_LENGTH(0);
    header()->nlmsg_type = type;
    header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    header()->nlmsg_seq = 1;
  }

  template <typename Body>
  Body* AppendBody() {
    auto* body = reinterpret_cast<Body*>(buffer_ + header()->nlmsg_len);
    std::memset(body, 0, sizeof(Body));
    header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + NLMSG_ALIGN(sizeof(Body));
    return body;
  }

  void AppendAttribute(uint16_t type, const void* data, size_t length) {
    auto* attribute = reinterpret_cast<rtattr*>(buffer_ + NLMSG_ALIGN(header()->nlmsg_len));
    attribute->rta_type = type;
    attribute->rta_len = static_cast<uint16_t>(RTA_LENGTH(length));
    std::memcpy(RTA_DATA(attribute), data, length);
    header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + RTA_ALIGN(attribute->rta_len);
  }

  // Sends the request and waits for the kernel's acknowledgement; returns 0 or an errno.
  int Execute() {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return errno;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    int result = EIO;
    if (sendto(fd, buffer_, header()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
      result = errno;
    } else {
      alignas(nlmsghdr) char reply[4096];
      ssize_t length = recv(fd, reply, sizeof reply, 0);
      if (length < 0) {
        result = errno;
      } else {
        auto* message = reinterpret_cast<nlmsghdr*>(reply);
        if (NLMSG_OK(message, static_cast<unsigned>(length)) && message->nlmsg_type == NLMSG_ERROR &&
            message->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
          result = -static_cast<nlmsgerr*>(NLMSG_DATA(message))->error;
        }
      }
    }
    close(fd);
    return result;
  }

 private:
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_); }
  alignas(nlmsghdr) char buffer_[512] = {};
};

size_t AddressLength(const IpPrefix& prefix) { return prefix.family == 6 ? 16 : 4; }
uint8_t AddressFamily(int family) { return family == 6 ? AF_INET6 : AF_INET; }

uint32_t ChangeAddress(uint16_t type, uint16_t flags, uint64_t luid, const IpPrefix& address) {
  NetlinkRequest request(type, flags);
  auto* message = request.AppendBody<ifaddrmsg>();
  message->ifa_family = AddressFamily(address.family);
  message->ifa_prefixlen = address.prefix_length;
  message->ifa_index = static_cast<uint32_t>(InterfaceIndexOf(luid));
  // IFA_ADDRESS alone is the peer on a point-to-point link; IFA_LOCAL is the address itself.
  request.AppendAttribute(IFA_LOCAL, address.bytes, AddressLength(address));
  request.AppendAttribute(IFA_ADDRESS, address.bytes, AddressLength(address));
  if (address.family == 6) {
    // Like wireguard's DadState = Preferred: usable at once, no duplicate detection on a tunnel.
    uint32_t flags_attribute = IFA_F_NODAD;
    request.AppendAttribute(IFA_FLAGS, &flags_attribute, sizeof flags_attribute);
  }
  int error = request.Execute();
  // Deleting an absent address answers EADDRNOTAVAIL; IP Helper answers ERROR_NOT_FOUND.
  return StatusFromErrno(error);
}

uint32_t ChangeRoute(uint16_t type, uint16_t flags, uint64_t luid, const IpPrefix& destination,
                     const IpPrefix* next_hop, uint32_t metric, bool with_metric) {
  NetlinkRequest request(type, flags);
  auto* message = request.AppendBody<rtmsg>();
  message->rtm_family = AddressFamily(destination.family);
  message->rtm_dst_len = destination.prefix_length;
  message->rtm_table = RT_TABLE_MAIN;
  message->rtm_protocol = RTPROT_STATIC;
  message->rtm_type = RTN_UNICAST;
  message->rtm_scope = next_hop == nullptr ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  if (type == RTM_DELROUTE) message->rtm_scope = RT_SCOPE_NOWHERE;
  request.AppendAttribute(RTA_DST, destination.bytes, AddressLength(destination));
  uint32_t index = static_cast<uint32_t>(InterfaceIndexOf(luid));
  request.AppendAttribute(RTA_OIF, &index, sizeof index);
  if (next_hop != nullptr) request.AppendAttribute(RTA_GATEWAY, next_hop->bytes, AddressLength(*next_hop));
  if (with_metric) request.AppendAttribute(RTA_PRIORITY, &metric, sizeof metric);
  return StatusFromErrno(request.Execute());
}

bool InterfaceExists(uint64_t luid) {
  char name[IF_NAMESIZE];
  return if_indextoname(static_cast<unsigned>(InterfaceIndexOf(luid)), name) != nullptr;
}

}  // namespace

uint32_t AddUnicastAddress(uint64_t luid, const IpPrefix& address) {
  if (!InterfaceExists(luid)) return kNotFound;
  return ChangeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, luid, address);
}

uint32_t DeleteUnicastAddress(uint64_t luid, const IpPrefix& address) {
  if (!InterfaceExists(luid)) return kNotFound;
  return ChangeAddress(RTM_DELADDR, 0, luid, address);
}

uint32_t AddRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop,
                  uint32_t metric) {
  if (!InterfaceExists(luid)) return kNotFound;
  return ChangeRoute(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, luid, destination, next_hop, metric,
                     true);
}

uint32_t DeleteRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop) {
  if (!InterfaceExists(luid)) return kNotFound;
  return ChangeRoute(RTM_DELROUTE, 0, luid, destination, next_hop, 0, false);
}

uint32_t SetInterfaceMtu(uint64_t luid, int /*family: Linux keeps one MTU per link*/, uint32_t mtu) {
  // Windows answers ERROR_FILE_NOT_FOUND for an unknown LUID here.
  if (!InterfaceExists(luid)) return kFileNotFound;
  NetlinkRequest request(RTM_NEWLINK, 0);
  auto* message = request.AppendBody<ifinfomsg>();
  message->ifi_family = AF_UNSPEC;
  message->ifi_index = InterfaceIndexOf(luid);
  request.AppendAttribute(IFLA_MTU, &mtu, sizeof mtu);
  return StatusFromErrno(request.Execute());
}

uint32_t SetDnsSettings(uint64_t /*luid*/, int /*family*/, const std::string& /*servers*/,
                        const std::string& /*search_list*/) {
  return kNotSupported;
}

}  // namespace magma::ipconfig
