/* Frame formats (B.4, with B.7): Ethernet in TAP mode, bare IP in TUN mode with the driver's own
 * ARP and fe80::8 Neighbor Discovery answers. */
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

static void macOf(HANDLE device, uint8_t mac[6]) {
  uint8_t buffer[6];
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MAC, buffer, 0, sizeof buffer, NULL), 0);
  memcpy(mac, buffer, 6);
}

static void remoteMacOf(HANDLE device, uint8_t remote[6]) {
  macOf(device, remote);
  remote[2] = (uint8_t)(remote[2] + 1); /* B.4: adapter MAC with byte 2 plus one */
}

/* Waits for a frame on the packet socket with the given ethertype; its length or -1. */
static long captureFrame(int socketFd, uint16_t type, uint8_t *frame, size_t capacity) {
  uint64_t deadline = nowMs() + 2000;
  while (nowMs() < deadline) {
    struct pollfd wait = {socketFd, POLLIN, 0};
    if (poll(&wait, 1, 200) <= 0) continue;
    long length = (long)recv(socketFd, frame, capacity, 0);
    if (length >= 14 && frame[12] == (uint8_t)(type >> 8) && frame[13] == (uint8_t)type) {
      return length;
    }
  }
  return -1;
}

/* B.4 TAP mode: reads are whole Ethernet frames (the kernel's broadcast ARP request), writes
 * are too (our ARP reply resolves the peer), and the queued datagram then arrives framed. */
void tapModeCarriesEthernetFrames(void) {
  TestAdapter adapter = createTestAdapter(u"TapMode");
  HANDLE device = openDeviceOrFail(adapter.guid);
  setMediaStatus(device, 1);
  uint8_t mac[6];
  macOf(device, mac);
  int socketFd = udpSocket(4000);
  udpSendToPeer(socketFd, 5353, "framed", 6);
  uint8_t frame[READ_BUFFER];
  long length = readPacket(device, frame, 2000);
  CHECK_EQ_U(length, 42);
  static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  CHECK(memcmp(frame, broadcast, 6) == 0 && memcmp(frame + 6, mac, 6) == 0, "ARP not from us");
  CHECK(frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 1, "not an ARP request");
  /* Answer as a peer on the wire would: 02:00:00:00:00:02 has 198.18.0.2. */
  static const uint8_t peerMac[6] = {0x02, 0, 0, 0, 0, 0x02};
  uint8_t reply[42];
  memcpy(reply, mac, 6);
  memcpy(reply + 6, peerMac, 6);
  reply[12] = 0x08;
  reply[13] = 0x06;
  memcpy(reply + 14, frame + 14, 6); /* hardware/protocol types and sizes */
  reply[20] = 0;
  reply[21] = 2;
  memcpy(reply + 22, peerMac, 6);
  memcpy(reply + 28, frame + 38, 4); /* sender IP = the address asked for */
  memcpy(reply + 32, frame + 22, 10); /* target = the asker's MAC and IP */
  CHECK_EQ_U(writePacket(device, reply, sizeof reply), 0);
  length = readPacket(device, frame, 2000);
  CHECK_EQ_U(length, 14 + 28 + 6);
  CHECK(memcmp(frame, peerMac, 6) == 0 && frame[12] == 0x08 && frame[13] == 0x00,
        "datagram not framed for the peer");
  CHECK(memcmp(frame + 14 + 28, "framed", 6) == 0, "wrong payload");
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.4/B.7 TUN mode: the kernel's datagram to the peer arrives as a bare IPv4 packet; the ARP
 * request before it was answered by the driver (never read) with the remote MAC, which the
 * kernel's neighbour entry now holds. */
void tunModeDeliversIpv4WithoutEthernetHeader(void) {
  TestAdapter adapter = createTestAdapter(u"TunRead");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  int socketFd = udpSocket(4000);
  udpSendToPeer(socketFd, 5353, "bare", 4);
  uint8_t packet[READ_BUFFER];
  long length = readPacket(device, packet, 2000);
  CHECK_EQ_U(length, 20 + 8 + 4);
  CHECK(packet[0] == 0x45 && packet[9] == 17, "not IPv4/UDP: %02x %02x", packet[0], packet[9]);
  struct in_addr destination;
  memcpy(&destination, packet + 16, 4);
  CHECK(strcmp(inet_ntoa(destination), PEER_ADDRESS) == 0, "to %s", inet_ntoa(destination));
  CHECK(memcmp(packet + 28, "bare", 4) == 0, "wrong payload");
  TapEmuCounters counters = countersOf(adapter.guid);
  CHECK(counters.arpReplies >= 1, "the driver answered no ARP");
  CHECK_EQ_U(counters.packetsToReader, 1); /* the ARP request never reached the reader */
  uint8_t remote[6], neighbour[6];
  remoteMacOf(device, remote);
  char state[16];
  CHECK(neighbourEntry(adapter.ifname, PEER_ADDRESS, neighbour, state), "no neighbour entry");
  CHECK(memcmp(neighbour, remote, 6) == 0, "neighbour MAC is not the remote MAC");
  CHECK(strcmp(state, "REACHABLE") == 0, "neighbour state %s", state);
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.4 TUN mode: a written IPv4 packet reaches the kernel behind a synthetic header (from the
 * remote MAC to the adapter, type 0x0800), and the kernel's UDP socket receives it. */
void tunModeWriteReachesKernel(void) {
  TestAdapter adapter = createTestAdapter(u"TunWrite");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  int capture = packetSocket(adapter.ifname);
  int socketFd = udpSocket(4001);
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 5353, 4001, "hello", 5);
  CHECK_EQ_U(writePacket(device, packet, (DWORD)length), 0);
  char received[16];
  CHECK_EQ_U(udpReceive(socketFd, received, sizeof received, 2000), 5);
  CHECK(memcmp(received, "hello", 5) == 0, "wrong payload");
  uint8_t frame[256], mac[6], remote[6];
  CHECK_EQ_U(captureFrame(capture, 0x0800, frame, sizeof frame), 14 + length);
  macOf(device, mac);
  remoteMacOf(device, remote);
  CHECK(memcmp(frame, mac, 6) == 0 && memcmp(frame + 6, remote, 6) == 0, "wrong Ethernet header");
  CHECK_EQ_U(countersOf(adapter.guid).writesToStack, 1);
  close(socketFd);
  close(capture);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.4: the ethertype of a TUN-mode write comes from the version nibble of its first byte. */
void tunModeWriteTypeFollowsVersionNibble(void) {
  TestAdapter adapter = createTestAdapter(u"TunNibble");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  int capture = packetSocket(adapter.ifname);
  uint8_t ipv6[40] = {0x60, 0, 0, 0, 0, 0, 59, 64}; /* no next header, empty payload */
  CHECK_EQ_U(writePacket(device, ipv6, sizeof ipv6), 0);
  uint8_t frame[256];
  CHECK_EQ_U(captureFrame(capture, 0x86DD, frame, sizeof frame), 14 + sizeof ipv6);
  CHECK(frame[14] == 0x60, "payload changed");
  close(capture);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

static bool isUdp6(const uint8_t *packet, long length) {
  return length >= 48 && (packet[0] >> 4) == 6 && packet[6] == 17;
}

static bool isNeighborSolicitationForFe80Eight(const uint8_t *packet, long length) {
  static const uint8_t fe80Eight[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8};
  return length >= 64 && (packet[0] >> 4) == 6 && packet[6] == 58 && packet[40] == 135 &&
         memcmp(packet + 48, fe80Eight, 16) == 0;
}

/* B.4: with OpenVPN's IPv6 set-up (address /128, subnet via fe80::8) the kernel asks for
 * fe80::8; the driver answers with the remote MAC (never handing the NS to the reader), and the
 * datagram then arrives as a bare IPv6 packet. Multicast IPv6 reaches the reader too (B.7). */
void tunModeAnswersNeighborSolicitationForFe80Eight(void) {
  TestAdapter adapter = createTestAdapter(u"TunNd");
  HANDLE device = openDeviceOrFail(adapter.guid);
  char path[128];
  snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_dad", adapter.ifname);
  writeProcFile(path, "0");
  snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", adapter.ifname);
  writeProcFile(path, "0");
  enterTunMode(device);
  runCommand("ip -6 addr add fd6d:6167:6d61::1/128 dev %s nodad", adapter.ifname);
  runCommand("ip -6 route add fd6d:6167:6d61::/64 via fe80::8 dev %s", adapter.ifname);
  /* The link-local address the NS needs as its source appears with the carrier. */
  uint64_t deadline = nowMs() + 3000;
  int socketFd = -1;
  while (socketFd < 0 && nowMs() < deadline) {
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 peer = {.sin6_family = AF_INET6, .sin6_port = htons(5353)};
    inet_pton(AF_INET6, "fd6d:6167:6d61::2", &peer.sin6_addr);
    if (sendto(fd, "six", 3, 0, (struct sockaddr *)&peer, sizeof peer) == 3) {
      socketFd = fd;
    } else {
      close(fd);
      sleepMs(20);
    }
  }
  CHECK(socketFd >= 0, "could not send over IPv6");
  uint8_t packet[READ_BUFFER];
  long length = -1;
  bool sawSolicitation = false;
  for (int i = 0; i < 64 && nowMs() < deadline + 3000; ++i) {
    long got = readPacket(device, packet, 1000);
    if (got < 0) continue;
    sawSolicitation = sawSolicitation || isNeighborSolicitationForFe80Eight(packet, got);
    if (isUdp6(packet, got)) {
      length = got;
      break;
    }
  }
  CHECK_EQ_U(length, 40 + 8 + 3);
  CHECK(memcmp(packet + 48, "six", 3) == 0, "wrong payload");
  CHECK(!sawSolicitation, "the NS for fe80::8 reached the reader");
  CHECK(countersOf(adapter.guid).neighborAdvertisements >= 1, "the driver sent no NA");
  uint8_t remote[6], neighbour[6];
  remoteMacOf(device, remote);
  char state[16];
  CHECK(neighbourEntry(adapter.ifname, "fe80::8", neighbour, state), "no neighbour entry for fe80::8");
  CHECK(memcmp(neighbour, remote, 6) == 0, "fe80::8 is not at the remote MAC");
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.7: a TUN-mode write shorter than 20 bytes fails with ERROR_INSUFFICIENT_BUFFER (the caller's
 * error; the device works on); 20 bytes are accepted. */
void tunModeRefusesShortWrite(void) {
  TestAdapter adapter = createTestAdapter(u"TunShort");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 5353, 4002, "", 0);
  CHECK_EQ_U(writePacket(device, packet, 19), ERROR_INSUFFICIENT_BUFFER);
  CHECK_EQ_U(writePacket(device, packet, 20), 0);
  CHECK_EQ_U(writePacket(device, packet, (DWORD)length), 0);
  CHECK_EQ_U(countersOf(adapter.guid).writesToStack, 2);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.4: in TUN mode only unicast IPv4 to the remote MAC is passed up; a broadcast is dropped. */
void tunModeDropsBroadcastIpv4(void) {
  TestAdapter adapter = createTestAdapter(u"TunBcast");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
  struct sockaddr_in all = {.sin_family = AF_INET, .sin_port = htons(5353)};
  inet_pton(AF_INET, "198.18.0.255", &all.sin_addr);
  CHECK(sendto(fd, "all", 3, 0, (struct sockaddr *)&all, sizeof all) == 3, "broadcast send failed");
  uint8_t packet[READ_BUFFER];
  CHECK(readPacket(device, packet, 300) < 0, "a broadcast reached the reader");
  uint64_t deadline = nowMs() + 2000;
  while (countersOf(adapter.guid).filteredDrops < 1 && nowMs() < deadline) sleepMs(5);
  CHECK_EQ_U(countersOf(adapter.guid).filteredDrops, 1);
  close(fd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.3: CONFIG_POINT_TO_POINT is TUN mode with a /32 "network" of the remote address: the driver
 * answers ARP for that address only. */
void pointToPointAnswersArpForRemoteOnly(void) {
  TestAdapter adapter = createTestAdapter(u"PointToPoint");
  HANDLE device = openDeviceOrFail(adapter.guid);
  TapWinConfigPointToPoint config;
  inet_pton(AF_INET, ADAPTER_ADDRESS, config.local);
  inet_pton(AF_INET, PEER_ADDRESS, config.remote);
  DWORD returned = 0;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT, &config, sizeof config,
                           sizeof config, &returned), 0);
  CHECK_EQ_U(returned, 1);
  setMediaStatus(device, 1);
  int socketFd = udpSocket(4000);
  udpSendToPeer(socketFd, 5353, "p2p", 3);
  uint8_t packet[READ_BUFFER];
  CHECK_EQ_U(readPacket(device, packet, 2000), 31); /* bare IPv4: TUN mode */
  struct sockaddr_in other = {.sin_family = AF_INET, .sin_port = htons(5353)};
  inet_pton(AF_INET, "198.18.0.3", &other.sin_addr);
  CHECK(sendto(socketFd, "x", 1, 0, (struct sockaddr *)&other, sizeof other) == 1, "sendto failed");
  CHECK(readPacket(device, packet, 500) < 0, "198.18.0.3 was resolved");
  CHECK_EQ_U(countersOf(adapter.guid).arpReplies, 1);
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.5: the driver drops frames from the stack larger than MTU + 18 (counted here). */
void framesAboveMtuPlus18AreDropped(void) {
  TestAdapter adapter = createTestAdapter(u"Oversize");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  runCommand("ip link set dev %s mtu 3000", adapter.ifname); /* the stack may now send more */
  int socketFd = udpSocket(4000);
  primePeer(device, socketFd);
  static uint8_t big[2000];
  udpSendToPeer(socketFd, 5353, big, sizeof big); /* 2042-byte frame > 1500 + 18 */
  uint8_t packet[READ_BUFFER];
  CHECK(readPacket(device, packet, 300) < 0, "an oversize frame reached the reader");
  CHECK_EQ_U(countersOf(adapter.guid).oversizeDrops, 1);
  udpSendToPeer(socketFd, 5353, big, 1400);
  CHECK_EQ_U(readPacket(device, packet, 2000), 1428);
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}
