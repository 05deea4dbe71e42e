#include "rtnetlink.h"

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wintun_emu {

namespace {

constexpr size_t kRequestBytes = 1024;
constexpr size_t kReceiveBytes = 32768;

class RouteSocket {
 public:
  RouteSocket() : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {}
  ~RouteSocket() {
    if (fd_ >= 0) close(fd_);
  }
  RouteSocket(const RouteSocket &) = delete;
  RouteSocket &operator=(const RouteSocket &) = delete;

  bool open() const { return fd_ >= 0; }

  int send(const nlmsghdr *request) const {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent = sendto(fd_, request, request->nlmsg_len, 0,
                          reinterpret_cast<const sockaddr *>(&kernel), sizeof kernel);
    return sent == static_cast<ssize_t>(request->nlmsg_len) ? 0 : (sent < 0 ? errno : EIO);
  }

  // Receives one datagram into `buffer`; its length, or -errno.
  ssize_t receive(void *buffer, size_t capacity) const {
    ssize_t got;
    do {
      got = recv(fd_, buffer, capacity, 0);
    } while (got < 0 && errno == EINTR);
    return got < 0 ? -errno : got;
  }

 private:
  int fd_;
};

struct LinkRequest {
  alignas(NLMSG_ALIGNTO) char bytes[kRequestBytes];

  LinkRequest(uint16_t type, uint16_t flags, uint32_t ifIndex) {
    std::memset(bytes, 0, sizeof bytes);
    header()->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    header()->nlmsg_type = type;
    header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    header()->nlmsg_seq = 1;
    auto *link = static_cast<ifinfomsg *>(NLMSG_DATA(header()));
    link->ifi_family = AF_UNSPEC;
    link->ifi_index = static_cast<int>(ifIndex);
  }

  nlmsghdr *header() { return reinterpret_cast<nlmsghdr *>(bytes); }

  // Without a NUL: the kernel counts one in an alias's 255 bytes.
  void appendString(uint16_t type, const std::string &value) {
    auto *attribute = reinterpret_cast<rtattr *>(bytes + NLMSG_ALIGN(header()->nlmsg_len));
    attribute->rta_type = type;
    attribute->rta_len = static_cast<uint16_t>(RTA_LENGTH(value.size()));
    std::memcpy(RTA_DATA(attribute), value.data(), value.size());
    header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + RTA_ALIGN(attribute->rta_len);
  }
};

// Sends a request with NLM_F_ACK and returns the kernel's answer: 0 or an errno.
int execute(LinkRequest &request) {
  request.header()->nlmsg_flags |= NLM_F_ACK;
  RouteSocket route;
  if (!route.open()) return errno;
  int sent = route.send(request.header());
  if (sent != 0) return sent;
  alignas(NLMSG_ALIGNTO) char answer[4096];
  while (true) {
    ssize_t got = route.receive(answer, sizeof answer);
    if (got < 0) return static_cast<int>(-got);
    int length = static_cast<int>(got);
    for (auto *message = reinterpret_cast<nlmsghdr *>(answer); NLMSG_OK(message, length);
         message = NLMSG_NEXT(message, length)) {
      if (message->nlmsg_type == NLMSG_ERROR) {
        return -static_cast<const nlmsgerr *>(NLMSG_DATA(message))->error;
      }
    }
  }
}

std::string stringAttribute(const rtattr *attribute) {
  const char *text = static_cast<const char *>(RTA_DATA(attribute));
  return std::string(text, strnlen(text, RTA_PAYLOAD(attribute)));
}

uint8_t byteAttribute(const rtattr *attribute) {
  return RTA_PAYLOAD(attribute) >= 1 ? *static_cast<const uint8_t *>(RTA_DATA(attribute)) : 0;
}

// Whether IFLA_LINKINFO describes a TUN in IFF_TUN mode, multi-queue and not persistent: how the
// emulator makes its interfaces (`ip tuntap add` makes persistent ones).
bool isEmulatorTun(const rtattr *linkInfo) {
  bool tun = false;
  bool tunMode = false;
  bool multiQueue = false;
  bool persistent = true;
  int remaining = static_cast<int>(RTA_PAYLOAD(linkInfo));
  for (auto *info = static_cast<const rtattr *>(RTA_DATA(linkInfo)); RTA_OK(info, remaining);
       info = RTA_NEXT(info, remaining)) {
    if (info->rta_type == IFLA_INFO_KIND) {
      tun = stringAttribute(info) == "tun";
    } else if (info->rta_type == IFLA_INFO_DATA) {
      int dataRemaining = static_cast<int>(RTA_PAYLOAD(info));
      for (auto *data = static_cast<const rtattr *>(RTA_DATA(info)); RTA_OK(data, dataRemaining);
           data = RTA_NEXT(data, dataRemaining)) {
        if (data->rta_type == IFLA_TUN_TYPE) tunMode = byteAttribute(data) == IFF_TUN;
        if (data->rta_type == IFLA_TUN_MULTI_QUEUE) multiQueue = byteAttribute(data) != 0;
        if (data->rta_type == IFLA_TUN_PERSIST) persistent = byteAttribute(data) != 0;
      }
    }
  }
  return tun && tunMode && multiQueue && !persistent;
}

void collect(const nlmsghdr *message, std::vector<AdapterInterface> &out) {
  if (message->nlmsg_type != RTM_NEWLINK) return;
  const auto *link = static_cast<const ifinfomsg *>(NLMSG_DATA(message));
  AdapterInterface found;
  found.ifIndex = static_cast<uint32_t>(link->ifi_index);
  bool emulatorTun = false;
  int remaining = static_cast<int>(IFLA_PAYLOAD(message));
  for (auto *attribute = IFLA_RTA(link); RTA_OK(attribute, remaining);
       attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type == IFLA_IFNAME) found.name = stringAttribute(attribute);
    if (attribute->rta_type == IFLA_IFALIAS) found.alias = stringAttribute(attribute);
    if (attribute->rta_type == IFLA_LINKINFO) emulatorTun = isEmulatorTun(attribute);
  }
  found.adapterShaped = emulatorTun && !found.alias.empty();
  out.push_back(std::move(found));
}

}  // namespace

std::vector<AdapterInterface> listInterfaces() {
  std::vector<AdapterInterface> found;
  RouteSocket route;
  if (!route.open()) return found;
  LinkRequest request(RTM_GETLINK, NLM_F_DUMP, 0);
  if (route.send(request.header()) != 0) return found;
  std::vector<char> answer(kReceiveBytes);
  while (true) {
    ssize_t got = route.receive(answer.data(), answer.size());
    if (got <= 0) return {};
    int length = static_cast<int>(got);
    for (auto *message = reinterpret_cast<nlmsghdr *>(answer.data()); NLMSG_OK(message, length);
         message = NLMSG_NEXT(message, length)) {
      if (message->nlmsg_type == NLMSG_DONE) return found;
      if (message->nlmsg_type == NLMSG_ERROR) return {};
      collect(message, found);
    }
  }
}

int setInterfaceAlias(uint32_t ifIndex, const std::string &alias) {
  LinkRequest request(RTM_SETLINK, 0, ifIndex);
  request.appendString(IFLA_IFALIAS, alias);
  return execute(request);
}

int deleteInterface(uint32_t ifIndex) {
  LinkRequest request(RTM_DELLINK, 0, ifIndex);
  return execute(request);
}

}  // namespace wintun_emu
