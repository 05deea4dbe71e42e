/* What every emulator's conformance suite needs (tools/wintun-emu, tools/tap-windows-emu): one
 * ctest test per case, each run as its own process inside a fresh network namespace
 * (unshare(CLONE_NEWNET)) with its loopback up and IPv6 off, so the kernel's router solicitations
 * and MLD reports do not add packets; a 60 s watchdog; exit 77 (skip) without root, /dev/net/tun
 * or namespaces unless MAGMA_REQUIRE_TUN=1; and helpers for kernel traffic over 198.18.0.0/24
 * (the adapter is 198.18.0.1, its peer behind the emulated driver 198.18.0.2). A suite defines
 * `testCases` and `testCaseCount`; main() is here. */
#ifndef MAGMA_NAMESPACE_HARNESS_H
#define MAGMA_NAMESPACE_HARNESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const char *name;
  void (*run)(void);
} TestCase;

#define CHECK(condition, ...)                                              \
  do {                                                                     \
    if (!(condition)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #condition); \
      fprintf(stderr, __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                               \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define CHECK_EQ_U(actual, expected)                                                   \
  CHECK((uint64_t)(actual) == (uint64_t)(expected), "%s = %llu, expected %llu", #actual, \
        (unsigned long long)(actual), (unsigned long long)(expected))

#define ADAPTER_ADDRESS "198.18.0.1"
#define PEER_ADDRESS "198.18.0.2"

void runCommand(const char *format, ...);
/* Writes `text` to a /proc or /sys file; silently nothing when it does not exist (no IPv6). */
void writeProcFile(const char *path, const char *text);
void setInterfaceAddress(const char *ifname, const char *address, const char *netmask);
bool interfaceHasCarrier(const char *ifname);

/* Kernel side: UDP sockets on the adapter's address. */
int udpSocket(uint16_t port);
void udpSendToPeer(int fd, uint16_t peerPort, const void *payload, size_t length);
/* Sends `text` to the peer up to `count` times, resting 1 ms every 64, until *stop; send errors
 * are ignored (the interface may be gone by design). For load threads. */
void udpFloodPeer(int fd, uint16_t peerPort, const char *text, int count, const atomic_bool *stop);
/* Waits up to timeoutMs; returns the datagram length or -1. */
long udpReceive(int fd, void *buffer, size_t capacity, int timeoutMs);
/* An IPv4/UDP packet (UDP checksum 0) into `out`; returns its length. */
size_t buildUdp4(uint8_t *out, const char *source, const char *destination, uint16_t sourcePort,
                 uint16_t destinationPort, const void *payload, size_t length);

void sleepMs(int milliseconds);
uint64_t nowMs(void);
uint64_t nowUs(void);

/* Runs `body` in a forked child with stderr captured; returns true if the child died of SIGABRT
 * and its stderr contains `expected`. */
bool abortsWithMessage(void (*body)(void), const char *expected);

#endif
