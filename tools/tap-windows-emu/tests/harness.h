/* The conformance tests' helpers, over the namespace harness shared with tools/wintun-emu (one
 * process and one fresh network namespace per case, IPv6 off unless a case turns it on for its
 * interface, a watchdog). They drive the emulator only through TapWin32Api, as the backend will.
 * The adapter is 198.18.0.1/24; its TUN-mode peer ("remote") is 198.18.0.2. */
#ifndef TAP_EMU_TEST_HARNESS_H
#define TAP_EMU_TEST_HARNESS_H

#include "namespace_harness.h" /* tools/wintun-emu/tests: main, CHECK, kernel-side helpers */
#include "tap_windows_emu.h"

#define READ_BUFFER 2048 /* above MTU + 18 */

/* The table under test, set before each case runs. */
extern const TapWin32Api *api;

typedef struct {
  char guid[TAP_EMU_GUID_STRING_LENGTH];
  char ifname[16];
} TestAdapter;

/* Creates a tap0901 adapter called `name` and gives its interface 198.18.0.1/24. */
TestAdapter createTestAdapter(const char16_t *name);
/* "\\.\Global\{GUID}.tap" as UTF-16. */
void devicePath(const char *guid, WCHAR path[64]);
/* CreateFileW as OpenVPN calls it (B.2); the handle, or INVALID_HANDLE_VALUE with the error in
 * *error. */
HANDLE openDevice(const char *guid, DWORD *error);
/* Opens or fails the test. */
HANDLE openDeviceOrFail(const char *guid);
/* DeviceIoControl with the same buffer for input and output, as OpenVPN does; 0 or the error. */
DWORD deviceControl(HANDLE device, DWORD code, void *buffer, DWORD inLength, DWORD outLength,
                    DWORD *returned);
/* CONFIG_TUN 198.18.0.1, 198.18.0.0/24 and SET_MEDIA_STATUS(1), the backend's order (B.2). */
void enterTunMode(HANDLE device);
void setMediaStatus(HANDLE device, uint32_t status);

/* An overlapped read in flight with its own manual-reset event. */
typedef struct {
  OVERLAPPED overlapped;
  uint8_t buffer[READ_BUFFER];
  DWORD length;
} PostedRead;
/* ReadFile; the test fails unless it returns FALSE with ERROR_IO_PENDING (reads are always
 * pended, B.5). */
void postRead(HANDLE device, PostedRead *read, DWORD length);
/* Waits up to timeoutMs on the read's event: then GetOverlappedResult's error (0 on success,
 * *bytes set), or -1 if it has not completed. */
long finishRead(HANDLE device, PostedRead *read, int timeoutMs, DWORD *bytes);
void closeEvent(PostedRead *read);
/* Posts a read and waits for a packet: its length, or -1 on timeout (the read is cancelled). */
long readPacket(HANDLE device, uint8_t *packet, int timeoutMs);
/* WriteFile, then GetOverlappedResult(bWait); 0 or the error. */
DWORD writePacket(HANDLE device, const void *packet, DWORD length);

/* Kernel side. */
/* An AF_PACKET socket on the interface: every frame written to the kernel, as it arrives. */
int packetSocket(const char *ifname);
/* The neighbour entry's link-layer address and state ("REACHABLE", ...), or false when none. */
bool neighbourEntry(const char *ifname, const char *address, uint8_t mac[6], char state[16]);
TapEmuCounters countersOf(const char *guid);


#endif

/* Registry paths of reference B.1, as UTF-16. */
#define CLASS_KEY u"SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define NETWORK_KEY \
  u"SYSTEM\\CurrentControlSet\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}"
/* Walks the class key as OpenVPN's get_tap_reg does (B.1): true if an instance whose ComponentId
 * is exactly tap0901 or root\tap0901 (ignoring case) has NetCfgInstanceId `guid`. */
bool registryListsTapAdapter(const char *guid);
/* Sends one datagram from the kernel to the peer and reads it, so the driver's ARP answer has
 * resolved the peer before a case counts packets. */
void primePeer(HANDLE device, int socketFd);

/* What most traffic cases start from: a new adapter, its device open in TUN mode, and a kernel UDP
 * socket on port 4000 whose peer the driver has already resolved (primePeer). */
typedef struct {
  TestAdapter adapter;
  HANDLE device;
  int socketFd;
} PrimedLink;
PrimedLink openPrimedLink(const char16_t *name);
/* Closes the socket and the device (the adapter goes with the test's namespace). */
void closePrimedLink(PrimedLink *link);
