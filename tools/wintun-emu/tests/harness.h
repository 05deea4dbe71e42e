/* The emulator's test harness: one ctest test per case, each run as its own process inside a
 * fresh network namespace (unshare(CLONE_NEWNET)), with IPv6 off so the kernel's router
 * solicitations and MLD reports do not add packets, a watchdog, and helpers for kernel traffic
 * over 198.18.0.0/24 (the adapter is 198.18.0.1, its peer behind the ring 198.18.0.2). */
#ifndef WINTUN_EMU_TEST_HARNESS_H
#define WINTUN_EMU_TEST_HARNESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wintun_emu.h"

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

#define W(literal) ((const WINTUN_WCHAR *)u##literal)

#define TEST_CAPACITY 0x20000u
#define ADAPTER_ADDRESS "198.18.0.1"
#define PEER_ADDRESS "198.18.0.2"

/* An adapter made for the test: created, given 198.18.0.1/24, its Linux name known. */
typedef struct {
  WINTUN_ADAPTER_HANDLE adapter;
  char ifname[16];
} TestAdapter;

TestAdapter createTestAdapter(const WINTUN_WCHAR *name);
/* A session on the adapter with TEST_CAPACITY (or `capacity`); the test fails if it cannot start. */
WINTUN_SESSION_HANDLE startTestSession(WINTUN_ADAPTER_HANDLE adapter);
WINTUN_SESSION_HANDLE startTestSessionWith(WINTUN_ADAPTER_HANDLE adapter, DWORD capacity);
/* The session's emulator counters; the test fails if they cannot be read. */
WINTUN_EMU_COUNTERS sessionCounters(WINTUN_SESSION_HANDLE session);
/* A datagram from a kernel socket on `localPort` still reaches the receive ring (after the send
 * ring died, say): the test fails otherwise. */
void expectReceivingWorks(WINTUN_SESSION_HANDLE session, uint16_t localPort);
void interfaceNameOf(WINTUN_ADAPTER_HANDLE adapter, char ifname[16]);
unsigned interfaceIndex(const char *ifname);
bool interfaceHasCarrier(const char *ifname);
void runCommand(const char *format, ...);

/* Kernel side: UDP sockets on the adapter's address. */
int udpSocket(uint16_t port);
void udpSendToPeer(int fd, uint16_t peerPort, const void *payload, size_t length);
/* Sends `text` to the peer up to `count` times, resting 1 ms every 64, until *stop; send errors
 * are ignored (the interface may be gone by design). For load threads. */
void udpFloodPeer(int fd, uint16_t peerPort, const char *text, int count, const atomic_bool *stop);
/* Waits up to timeoutMs; returns the datagram length or -1. */
long udpReceive(int fd, void *buffer, size_t capacity, int timeoutMs);

/* App side. */
size_t buildUdp4(uint8_t *out, const char *source, const char *destination, uint16_t sourcePort,
                 uint16_t destinationPort, const void *payload, size_t length);
/* Waits on the read event (poll + read) up to timeoutMs; true if it was signalled. */
bool waitReadEvent(WINTUN_SESSION_HANDLE session, int timeoutMs);
/* Receives one packet, waiting on the read event up to timeoutMs; NULL on timeout or error. */
BYTE *receiveWithin(WINTUN_SESSION_HANDLE session, DWORD *size, int timeoutMs);
/* Copies a packet into the send ring and sends it; false when allocation failed. */
bool sendToKernel(WINTUN_SESSION_HANDLE session, const uint8_t *packet, size_t length);
/* Both directions report ERROR_HANDLE_EOF (within 3 s) after the driver ended the session. */
void expectEndOfSession(WINTUN_SESSION_HANDLE session);

/* Numbered probes through a session, each a uint32_t counting from 0 as the UDP payload. */
/* Sends `packets` probes from the kernel socket to the peer, then records the numbers the ring
 * delivers, in order, until 300 ms pass without one; returns how many (at most `capacity`). */
int kernelToAppSequence(WINTUN_SESSION_HANDLE session, int socketFd, int packets, uint32_t *seen,
                        int capacity);
/* Sends `packets` probes from the app to the kernel socket on `port`, then records the numbers
 * the socket receives, in order, until 300 ms pass without one. */
int appToKernelSequence(WINTUN_SESSION_HANDLE session, int socketFd, uint16_t port, int packets,
                        uint32_t *seen, int capacity);
/* How many numbers are smaller than the one before them. */
int inversions(const uint32_t *seen, int count);

/* Retries fn-style waits: sleeps 1 ms between tries. */
void sleepMs(int milliseconds);
uint64_t nowMs(void);
uint64_t nowUs(void);

/* The ring header in front of the first packet's Size word (TUN_RING: Head, Tail, Alertable). */
typedef struct {
  volatile uint32_t head;
  volatile uint32_t tail;
  volatile int32_t alertable;
} RingHeader;

/* Runs `body` in a forked child with stderr captured; returns true if the child died of SIGABRT
 * and its stderr contains `expected`. */
bool abortsWithMessage(void (*body)(void), const char *expected);

#endif
