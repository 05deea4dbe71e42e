/*
 * tools/tap-windows-emu: what tapctl and SetupAPI do on Windows (make, remove, disable adapters),
 * plus the emulator's own counters, strict-mode record and test hooks. Linux only; the Win32
 * calls themselves are in tap_windows_api.h (TapEmuWin32Api()).
 *
 * Adapters live in the calling process, each a Linux IFF_TAP interface in the caller's network
 * namespace, listed in the emulated registry (reference B.1) while it exists.
 */
#ifndef MAGMA_TAP_WINDOWS_EMU_H
#define MAGMA_TAP_WINDOWS_EMU_H

#include <stdbool.h>
#include <stdint.h>

#include "tap_windows_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" plus NUL. */
#define TAP_EMU_GUID_STRING_LENGTH 39u

/* Makes an adapter named `name` (Connection\Name) with `componentId` in its class key (NULL means
 * "tap0901"; "root\\tap0901" as tapctl makes them; anything else is a foreign driver, e.g. a
 * vendor fork, which the backend must not pick). Writes its NetCfgInstanceId to `guidOut`.
 * The Linux interface is named after the adapter when the name is a valid interface name, else
 * "tapN". Returns ERROR_SUCCESS or a Win32 code (ERROR_ACCESS_DENIED without CAP_NET_ADMIN). */
DWORD TapEmuCreateAdapter(const WCHAR *name, const char *componentId,
                          char guidOut[TAP_EMU_GUID_STRING_LENGTH]);
/* Removes the adapter: I/O pending on an open handle completes with ERROR_OPERATION_ABORTED, later
 * I/O on that handle fails with it, and the registry entries go. ERROR_NOT_FOUND if unknown. */
DWORD TapEmuDeleteAdapter(const char *guid);
/* Disabled = a phantom adapter (B.1): still in the registry, no interface, CreateFileW fails with
 * ERROR_FILE_NOT_FOUND; an open handle loses its device as on deletion. */
DWORD TapEmuSetAdapterEnabled(const char *guid, bool enabled);
/* The Linux interface behind the adapter (16 bytes with NUL); false if none (deleted, disabled). */
bool TapEmuGetInterfaceName(const char *guid, char ifname[16]);
/* The version GET_VERSION reports from now on (default 9.27.0), to test the version gate. */
void TapEmuSetDriverVersion(uint32_t major, uint32_t minor, uint32_t debug);
/* The MTU GET_MTU reports for adapters created from now on (default 1500; the driver clamps its
 * registry value to 576..65536, B.5). */
void TapEmuSetDriverMtu(uint32_t mtu);

/* What the emulated driver did with traffic, per adapter, since it was created. */
typedef struct {
  uint64_t framesFromStack;      /* frames the kernel transmitted on the interface */
  uint64_t packetsToReader;      /* completed reads that carried a packet */
  uint64_t queueOverflowDrops;   /* arrived with 64 packets queued and no read posted (B.5) */
  uint64_t filteredDrops;        /* TUN mode: not for the remote MAC, not IP/ARP (B.4); or
                                    shorter than Ethernet + IPv4 headers (either mode) */
  uint64_t oversizeDrops;        /* larger than MTU + 18 (B.5) */
  uint64_t moreDataDiscards;     /* read buffer too small: ERROR_MORE_DATA, packet gone (B.5) */
  uint64_t arpReplies;           /* TUN mode ARP replies made by the driver (B.4, B.7) */
  uint64_t neighborAdvertisements; /* TUN mode NAs for fe80::8 (B.4) */
  uint64_t writesToStack;        /* frames WriteFile handed to the kernel */
  uint64_t closedWithPendingIo;  /* handles closed while reads were pending */
} TapEmuCounters;
bool TapEmuGetCounters(const char *guid, TapEmuCounters *counters);

/* Strict mode (TAP_EMU_STRICT=1, or this call): sequences the real driver or I/O manager rejects
 * or leaves undefined abort with a "tap-windows-emu strict mode:" line on stderr; those that are
 * only suspicious (a read buffer below MTU + 18, closing with I/O pending) print the line and are
 * recorded here. */
void TapEmuSetStrictMode(bool enabled);
uint32_t TapEmuStrictViolationCount(void);
/* The last recorded violation's text ("" if none), copied with a NUL into `buffer`. */
void TapEmuLastStrictViolation(char *buffer, uint32_t capacity);

/* Test hooks: present only when built with TAP_EMU_TEST_HOOKS (the default for the test suite);
 * otherwise they return false and change nothing. */
/* The next frame the kernel transmits removes the adapter instead of reaching the reader (a
 * surprise removal with a packet in flight). */
bool TapEmuFaultRemoveOnNextFrame(const char *guid);
/* Every read posted from now on behaves as if its buffer held at most `bytes` (0 turns it off),
 * forcing ERROR_MORE_DATA with ordinary buffers. */
bool TapEmuFaultLimitReadBuffers(const char *guid, uint32_t bytes);
/* While held, arriving packets go to the 64-packet queue even when reads are posted, so the
 * queue overflows; releasing hands queued packets to posted reads. */
bool TapEmuFaultHoldCompletions(const char *guid, bool hold);

#ifdef __cplusplus
}
#endif

#endif /* MAGMA_TAP_WINDOWS_EMU_H */
