/* A peer nobody here wrote: the kernel's own ping, answered through the emulated driver with
 * OpenVPN's open sequence (B.2) and nothing but TapWin32Api calls. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

static uint16_t checksum(const uint8_t *data, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += (uint32_t)(data[i] << 8 | data[i + 1]);
  if (length % 2 != 0) sum += (uint32_t)data[length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Turns an IPv4 ICMP echo request into its reply in place (RFC 792); false for anything else. */
static bool echoReply(uint8_t *packet, long length) {
  size_t header = (size_t)(packet[0] & 0x0F) * 4;
  if (length < (long)header + 8 || packet[0] >> 4 != 4 || packet[9] != 1 || packet[header] != 8) {
    return false;
  }
  uint8_t address[4];
  memcpy(address, packet + 12, 4);
  memcpy(packet + 12, packet + 16, 4);
  memcpy(packet + 16, address, 4);
  packet[10] = packet[11] = 0;
  uint16_t ipSum = checksum(packet, header);
  packet[10] = (uint8_t)(ipSum >> 8);
  packet[11] = (uint8_t)ipSum;
  uint8_t *icmp = packet + header;
  icmp[0] = 0; /* echo reply */
  icmp[2] = icmp[3] = 0;
  uint16_t icmpSum = checksum(icmp, (size_t)length - header);
  icmp[2] = (uint8_t)(icmpSum >> 8);
  icmp[3] = (uint8_t)icmpSum;
  return true;
}

/* B.2's order after open: GET_VERSION (gate at 9.9), GET_MTU, CONFIG_TUN, SET_MEDIA_STATUS(1);
 * then `ping -c 3 198.18.0.2` in the namespace gets its three replies from this responder. */
void kernelPingIsAnsweredThroughTunMode(void) {
  TestAdapter adapter = createTestAdapter(u"Ping");
  HANDLE device = openDeviceOrFail(adapter.guid);
  TapWinVersion version;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_VERSION, &version, 0, sizeof version, NULL), 0);
  CHECK(version.major > TAP_WIN_MIN_VERSION_MAJOR ||
            (version.major == TAP_WIN_MIN_VERSION_MAJOR && version.minor >= TAP_WIN_MIN_VERSION_MINOR),
        "driver %u.%u is below the gate", version.major, version.minor);
  uint32_t mtu = 0;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MTU, &mtu, 0, sizeof mtu, NULL), 0);
  CHECK_EQ_U(mtu, 1500);
  enterTunMode(device);
  fflush(NULL);
  pid_t ping = fork();
  CHECK(ping >= 0, "fork failed");
  if (ping == 0) {
    execlp("ping", "ping", "-c", "3", "-i", "0.2", "-W", "2", "-q", PEER_ADDRESS, (char *)NULL);
    _exit(127);
  }
  int status = -1;
  int answered = 0;
  uint64_t deadline = nowMs() + 10000;
  uint8_t packet[READ_BUFFER];
  while (nowMs() < deadline) {
    if (waitpid(ping, &status, WNOHANG) == ping) break;
    long length = readPacket(device, packet, 100);
    if (length > 0 && echoReply(packet, length)) {
      CHECK_EQ_U(writePacket(device, packet, (DWORD)length), 0);
      ++answered;
    }
  }
  if (!WIFEXITED(status) && waitpid(ping, &status, WNOHANG) != ping) {
    kill(ping, SIGKILL);
    waitpid(ping, &status, 0);
  }
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ping failed (status %d) after %d replies",
        status, answered);
  CHECK_EQ_U(answered, 3);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}
