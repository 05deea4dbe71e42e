/* The IOCTLs of reference B.3, and the per-handle state they set (B.2, B.7). */
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

/* SIOCGIFHWADDR: sysfs still shows the namespace it was mounted in, not ours. */
static void interfaceMac(const char *ifname, uint8_t mac[6]) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(control >= 0, "socket failed");
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "%s", ifname);
  CHECK(ioctl(control, SIOCGIFHWADDR, &request) == 0, "SIOCGIFHWADDR %s failed", ifname);
  memcpy(mac, request.ifr_hwaddr.sa_data, 6);
  close(control);
}

/* B.3: GET_VERSION {9, 27, 0} in 12 bytes, GET_MTU the driver MTU, GET_MAC 00:FF:... (the
 * interface's MAC); outputs too small give ERROR_INSUFFICIENT_BUFFER; GET_INFO always fails with
 * ERROR_INVALID_FUNCTION, GET_LOG_LINE too in release drivers (B.7), unknown codes likewise. */
void versionMtuAndMacIoctls(void) {
  TestAdapter adapter = createTestAdapter(u"Ioctls");
  HANDLE device = openDeviceOrFail(adapter.guid);
  uint8_t buffer[64];
  DWORD returned = 0;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_VERSION, buffer, 0, sizeof buffer, &returned), 0);
  CHECK_EQ_U(returned, sizeof(TapWinVersion));
  TapWinVersion version;
  memcpy(&version, buffer, sizeof version);
  CHECK(version.major == 9 && version.minor == 27 && version.debug == 0, "version %u.%u.%u",
        version.major, version.minor, version.debug);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_VERSION, buffer, 0, 11, &returned),
             ERROR_INSUFFICIENT_BUFFER);
  TapEmuSetDriverVersion(9, 8, 0); /* OpenVPN's fatal version, for the backend's gate */
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_VERSION, buffer, 0, sizeof buffer, &returned), 0);
  memcpy(&version, buffer, sizeof version);
  CHECK(version.major == 9 && version.minor == 8, "override not reported");
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MTU, buffer, 0, sizeof buffer, &returned), 0);
  uint32_t mtu;
  memcpy(&mtu, buffer, sizeof mtu);
  CHECK_EQ_U(mtu, 1500);
  CHECK_EQ_U(returned, 4);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MAC, buffer, 0, sizeof buffer, &returned), 0);
  CHECK_EQ_U(returned, 6);
  uint8_t linuxMac[6];
  interfaceMac(adapter.ifname, linuxMac);
  CHECK(memcmp(buffer, linuxMac, 6) == 0, "GET_MAC differs from the interface MAC");
  CHECK(buffer[0] == 0x00 && buffer[1] == 0xFF, "MAC %02x:%02x:..., expected 00:ff:...", buffer[0],
        buffer[1]);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MAC, buffer, 0, 5, &returned),
             ERROR_INSUFFICIENT_BUFFER);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_INFO, buffer, 0, sizeof buffer, &returned),
             ERROR_INVALID_FUNCTION);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_LOG_LINE, buffer, 0, sizeof buffer, &returned),
             ERROR_INVALID_FUNCTION);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_CONTROL_CODE(40, METHOD_BUFFERED), buffer, 0,
                           sizeof buffer, &returned), ERROR_INVALID_FUNCTION);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.3/B.7: CONFIG_TUN refuses network & mask != network (and short input) with
 * ERROR_INVALID_PARAMETER and leaves the adapter in TAP mode; accepted, it returns 1 byte. */
void configTunChecksNetworkAgainstMask(void) {
  TestAdapter adapter = createTestAdapter(u"ConfigTun");
  HANDLE device = openDeviceOrFail(adapter.guid);
  TapWinConfigTun config;
  inet_pton(AF_INET, ADAPTER_ADDRESS, config.local);
  inet_pton(AF_INET, "198.18.0.1", config.network); /* host bits set */
  inet_pton(AF_INET, "255.255.255.0", config.netmask);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_TUN, &config, sizeof config, sizeof config,
                           NULL), ERROR_INVALID_PARAMETER);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_TUN, &config, 8, sizeof config, NULL),
             ERROR_INVALID_PARAMETER);
  setMediaStatus(device, 1);
  /* Still TAP mode: the kernel's ARP request reaches the reader as a whole Ethernet frame. */
  int socketFd = udpSocket(4000);
  udpSendToPeer(socketFd, 5353, "x", 1);
  uint8_t frame[READ_BUFFER];
  long length = readPacket(device, frame, 2000);
  CHECK(length == 42 && frame[12] == 0x08 && frame[13] == 0x06,
        "expected a 42-byte ARP frame, got %ld bytes of type %02x%02x", length, frame[12], frame[13]);
  inet_pton(AF_INET, "198.18.0.0", config.network);
  DWORD returned = 0;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_TUN, &config, sizeof config, sizeof config,
                           &returned), 0);
  CHECK_EQ_U(returned, 1);
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.2, B.6.2, B.7: media is disconnected on open, SET_MEDIA_STATUS keeps only the low byte, and
 * closing resets media, TUN mode and the queue, so the next open starts over. */
void mediaStatusAndModeResetOnReopen(void) {
  TestAdapter adapter = createTestAdapter(u"Media");
  HANDLE device = openDeviceOrFail(adapter.guid);
  CHECK(!interfaceHasCarrier(adapter.ifname), "media connected right after open");
  setMediaStatus(device, 0x100); /* low byte zero: disconnected */
  CHECK(!interfaceHasCarrier(adapter.ifname), "0x100 connected the media");
  enterTunMode(device); /* CONFIG_TUN, then SET_MEDIA_STATUS(1) */
  CHECK(interfaceHasCarrier(adapter.ifname), "SET_MEDIA_STATUS(1) did not connect");
  uint8_t nineteen[19] = {0x45};
  CHECK_EQ_U(writePacket(device, nineteen, sizeof nineteen), ERROR_INSUFFICIENT_BUFFER);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
  CHECK(!interfaceHasCarrier(adapter.ifname), "media still connected after close");
  device = openDeviceOrFail(adapter.guid);
  CHECK(!interfaceHasCarrier(adapter.ifname), "media connected after reopen");
  /* TAP mode again: 19 bytes are a (short) Ethernet frame, fine; 13 bytes are not. */
  uint8_t frame[19] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
  CHECK_EQ_U(writePacket(device, frame, sizeof frame), 0);
  CHECK_EQ_U(writePacket(device, frame, 13), ERROR_INSUFFICIENT_BUFFER);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.3: DHCP options need CONFIG_DHCP_MASQ first and at most 256 bytes; PRIORITY_BEHAVIOR 0 is
 * the default (tags on TAP-mode reads are not emulated and refused, README). */
void dhcpAndPriorityIoctls(void) {
  TestAdapter adapter = createTestAdapter(u"Dhcp");
  HANDLE device = openDeviceOrFail(adapter.guid);
  uint8_t options[300] = {1, 4, 255, 255, 255, 0};
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT, options, 6, 6, NULL),
             ERROR_INVALID_PARAMETER);
  TapWinConfigDhcpMasq masq;
  inet_pton(AF_INET, ADAPTER_ADDRESS, masq.address);
  inet_pton(AF_INET, "255.255.255.0", masq.netmask);
  inet_pton(AF_INET, "198.18.0.254", masq.server);
  masq.leaseSeconds = 3600;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_DHCP_MASQ, &masq, sizeof masq, sizeof masq,
                           NULL), 0);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT, options, 6, 6, NULL), 0);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT, options, 257, 257, NULL),
             ERROR_INVALID_PARAMETER);
  uint32_t behavior = 0;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_PRIORITY_BEHAVIOR, &behavior, 4, 4, NULL), 0);
  behavior = 1;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_PRIORITY_BEHAVIOR, &behavior, 4, 4, NULL),
             ERROR_NOT_SUPPORTED);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}
