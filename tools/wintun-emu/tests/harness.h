/* The wintun emulator's test helpers, over the shared namespace harness (namespace_harness.h:
 * one process and one network namespace per case, kernel traffic over 198.18.0.0/24). */
#ifndef WINTUN_EMU_TEST_HARNESS_H
#define WINTUN_EMU_TEST_HARNESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "namespace_harness.h"
#include "wintun_emu.h"

#define W(literal) ((const WINTUN_WCHAR *)u##literal)

#define TEST_CAPACITY 0x20000u

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

/* App side. */
/* Waits on the read event (poll + read) up to timeoutMs; true if it was signalled. */
bool waitReadEvent(WINTUN_SESSION_HANDLE session, int timeoutMs);
/* Receives one packet, waiting on the read event up to timeoutMs; NULL on timeout or error. */
BYTE *receiveWithin(WINTUN_SESSION_HANDLE session, DWORD *size, int timeoutMs);
/* Copies a packet into the send ring and sends it; false when allocation failed. */
bool sendToKernel(WINTUN_SESSION_HANDLE session, const uint8_t *packet, size_t length);
/* Both directions report ERROR_HANDLE_EOF (within 3 s) after the driver ended the session. */
void expectEndOfSession(WINTUN_SESSION_HANDLE session);

/* Sends datagrams numbered 0 .. count-1 (each its int as the payload) from the kernel socket to
 * the peer, one every spacingUs, paced by the clock rather than by sleeping; returns how many
 * microseconds that took. */
uint64_t udpSendPacedToPeer(int fd, uint16_t peerPort, int count, uint64_t spacingUs);

/* The emulated driver's threads, as /proc shows them. */
/* This process's thread whose name (comm) is `name`, waiting up to timeoutMs for it to name
 * itself; -1 when there is none by then. */
int threadNamed(const char *name, int timeoutMs);
/* A thread of this process's context switches so far: voluntary (it slept: its wake-ups) or
 * involuntary (it was preempted); -1 when the thread is gone. */
long threadContextSwitches(int thread, bool voluntary);

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

/* The ring header in front of the first packet's Size word (TUN_RING: Head, Tail, Alertable). */
typedef struct {
  volatile uint32_t head;
  volatile uint32_t tail;
  volatile int32_t alertable;
} RingHeader;

#endif
