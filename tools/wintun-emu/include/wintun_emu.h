/*
 * Extra exports of the wintun.dll emulator (tools/wintun-emu, libwintun.so) that Windows does not
 * have: counters, fault injection, strict-mode and rights switches, the last error. Tests look
 * them up with dlsym (or link libwintun.so); a consumer that must also run against the real
 * wintun.dll treats them as optional. The fault exports and WintunEmuSetAccessDenied exist only
 * in a build with the CMake option WINTUN_EMU_TEST_HOOKS on (the default); the library that
 * @magma/wintun-linux ships is built without them.
 */
#ifndef MAGMA_WINTUN_EMU_H
#define MAGMA_WINTUN_EMU_H

#include <stdint.h>

#include "wintun_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef WINTUN_EMU_BUILDING
#define WINTUN_EMU_EXPORT __attribute__((visibility("default")))
#else
#define WINTUN_EMU_EXPORT
#endif

/* The 14 wintun.dll exports, for programs that link libwintun.so instead of loading it. */
WINTUN_EMU_EXPORT WINTUN_CREATE_ADAPTER_FUNC WintunCreateAdapter;
WINTUN_EMU_EXPORT WINTUN_OPEN_ADAPTER_FUNC WintunOpenAdapter;
WINTUN_EMU_EXPORT WINTUN_CLOSE_ADAPTER_FUNC WintunCloseAdapter;
WINTUN_EMU_EXPORT WINTUN_DELETE_DRIVER_FUNC WintunDeleteDriver;
WINTUN_EMU_EXPORT WINTUN_GET_ADAPTER_LUID_FUNC WintunGetAdapterLUID;
WINTUN_EMU_EXPORT WINTUN_GET_RUNNING_DRIVER_VERSION_FUNC WintunGetRunningDriverVersion;
WINTUN_EMU_EXPORT WINTUN_SET_LOGGER_FUNC WintunSetLogger;
WINTUN_EMU_EXPORT WINTUN_START_SESSION_FUNC WintunStartSession;
WINTUN_EMU_EXPORT WINTUN_END_SESSION_FUNC WintunEndSession;
WINTUN_EMU_EXPORT WINTUN_GET_READ_WAIT_EVENT_FUNC WintunGetReadWaitEvent;
WINTUN_EMU_EXPORT WINTUN_RECEIVE_PACKET_FUNC WintunReceivePacket;
WINTUN_EMU_EXPORT WINTUN_RELEASE_RECEIVE_PACKET_FUNC WintunReleaseReceivePacket;
WINTUN_EMU_EXPORT WINTUN_ALLOCATE_SEND_PACKET_FUNC WintunAllocateSendPacket;
WINTUN_EMU_EXPORT WINTUN_SEND_PACKET_FUNC WintunSendPacket;

/* "ToApp": kernel -> emulated driver -> ring -> WintunReceivePacket.
 * "FromApp": WintunAllocateSendPacket/WintunSendPacket -> ring -> emulated driver -> kernel. */
typedef struct {
  uint64_t PacketsToApp;           /* published into the app's receive ring */
  uint64_t BytesToApp;             /* payload bytes of those packets */
  uint64_t PacketsFromApp;         /* consumed from the app's send ring and written to the kernel */
  uint64_t BytesFromApp;           /* payload bytes of those packets */
  uint64_t BatchesDroppedRingFull; /* kernel batches dropped whole: not enough free ring space */
  uint64_t PacketsDroppedRingFull; /* packets in those batches */
  uint64_t PacketsDiscardedFromApp;  /* sent by the app but not IPv4/IPv6 or too short (dropped) */
  uint64_t PacketsLostByFault;       /* both directions, WINTUN_EMU_FAULTS loss */
  uint64_t PacketsDuplicatedByFault; /* both directions */
  uint64_t PacketsReorderedByFault;  /* both directions: held back behind the next packet */
  /* Appended fields: the ones above keep their offsets. */
  uint64_t PacketsDelayedByFault;       /* both directions: entered a delay line */
  uint64_t PacketsDroppedDelayLineFull; /* both directions: dropped, their delay line was full */
  uint64_t BytesDroppedRingFull;        /* payload bytes of the packets in PacketsDroppedRingFull */
} WINTUN_EMU_COUNTERS;

/* Probabilities in parts per million (0 .. 1000000) for one direction. */
typedef struct {
  uint32_t LossPerMillion;
  uint32_t DuplicatePerMillion;
  uint32_t ReorderPerMillion;
} WINTUN_EMU_DIRECTION_FAULTS;

typedef struct {
  uint64_t Seed; /* same seed and same traffic give the same decisions */
  WINTUN_EMU_DIRECTION_FAULTS ToApp;
  WINTUN_EMU_DIRECTION_FAULTS FromApp;
  /* Appended fields: the ones above keep their offsets. Each direction passes through a delay
   * line: every packet reaches the other side this many microseconds later than it would have
   * without it, in order. 0 = off. */
  uint32_t ToAppDelayMicroseconds;
  uint32_t FromAppDelayMicroseconds;
} WINTUN_EMU_FAULTS;

typedef enum {
  WINTUN_EMU_RING_TO_APP = 0,  /* the ring WintunReceivePacket reads (the driver's "Send" ring) */
  WINTUN_EMU_RING_FROM_APP = 1 /* the ring WintunAllocateSendPacket fills ("Receive" ring) */
} WINTUN_EMU_RING;

/* The calling thread's last Win32 error (also left in errno by the failing call). */
WINTUN_EMU_EXPORT DWORD WintunEmuGetLastError(void);

/* Counters of one session, alive or ended by the driver; FALSE for a NULL handle. */
WINTUN_EMU_EXPORT BOOL WintunEmuGetSessionCounters(WINTUN_SESSION_HANDLE Session,
                                                   WINTUN_EMU_COUNTERS *Counters);
/* Totals over every session this process has started. */
WINTUN_EMU_EXPORT void WintunEmuGetGlobalCounters(WINTUN_EMU_COUNTERS *Counters);
/* Totals over every session this process has run on the adapter, through any handle. The kernel
 * never sees what the emulated driver drops (its counters stop at the TUN queue), so this is
 * where the adapter's own discards are: PacketsDroppedRingFull and BytesDroppedRingFull are
 * what wintun.sys counts in ifOutDiscards. FALSE for a NULL handle. */
WINTUN_EMU_EXPORT BOOL WintunEmuGetAdapterCounters(WINTUN_ADAPTER_HANDLE Adapter,
                                                   WINTUN_EMU_COUNTERS *Counters);

/* Faults for sessions started from now on (initially from the WINTUN_EMU_* environment). */
WINTUN_EMU_EXPORT void WintunEmuSetDefaultFaults(const WINTUN_EMU_FAULTS *Faults);
/* Faults of a running session, effective for the next packet. */
WINTUN_EMU_EXPORT BOOL WintunEmuSetSessionFaults(WINTUN_SESSION_HANDLE Session,
                                                 const WINTUN_EMU_FAULTS *Faults);

/* The emulated driver ends the session as if the adapter had gone: ReceivePacket and
 * AllocateSendPacket then fail with ERROR_HANDLE_EOF (38) and the read event is signalled. */
WINTUN_EMU_EXPORT BOOL WintunEmuForceEndOfSession(WINTUN_SESSION_HANDLE Session);
/* Corrupts a ring as a faulty peer would. TO_APP: the driver publishes a size above 0xFFFF, so
 * ReceivePacket fails with ERROR_INVALID_DATA (13) from then on. FROM_APP: the driver's consumer
 * finds the ring corrupt and stops, so AllocateSendPacket fails with ERROR_HANDLE_EOF (38). */
WINTUN_EMU_EXPORT BOOL WintunEmuCorruptRing(WINTUN_SESSION_HANDLE Session, WINTUN_EMU_RING Ring);

/* Pauses (TRUE) or resumes (FALSE) the emulated driver's consumption of the app's send ring (also
 * WINTUN_EMU_PAUSE_FROM_APP=1 for sessions started afterwards). While paused, WintunSendPacket
 * publishes without consuming and the driver thread does not consume, so Head stays put and
 * AllocateSendPacket fails with ERROR_BUFFER_OVERFLOW (111) once the ring is full, as when
 * wintun.sys lags behind a fast producer. Resuming consumes everything that accumulated, in ring
 * order, before returning. Ending the session while paused loses the pending packets. */
WINTUN_EMU_EXPORT BOOL WintunEmuPauseFromApp(WINTUN_SESSION_HANDLE Session, BOOL Paused);

/* Strict mode: misuse aborts with a message naming the call (also WINTUN_EMU_STRICT=1). */
WINTUN_EMU_EXPORT void WintunEmuSetStrictMode(BOOL Enabled);
WINTUN_EMU_EXPORT BOOL WintunEmuGetStrictMode(void);
/* Act as a process without the right to create TUN interfaces: Create, Open, StartSession and
 * DeleteDriver fail with ERROR_ACCESS_DENIED (5) (also WINTUN_EMU_ACCESS_DENIED=1). */
WINTUN_EMU_EXPORT void WintunEmuSetAccessDenied(BOOL Denied);

/* The adapter's GUID: the requested one, or the one generated at creation. Only the creating
 * process knows it: FALSE with ERROR_NOT_FOUND (1168) through a handle opened in another. */
WINTUN_EMU_EXPORT BOOL WintunEmuGetAdapterGuid(WINTUN_ADAPTER_HANDLE Adapter, GUID *Guid);

/* The Linux interface name of an adapter (at most 15 bytes plus NUL, so pass 16 bytes). */
WINTUN_EMU_EXPORT BOOL WintunEmuGetInterfaceName(WINTUN_ADAPTER_HANDLE Adapter, char *Name,
                                                 DWORD NameBytes);

#ifdef __cplusplus
}
#endif

#endif /* MAGMA_WINTUN_EMU_H */
