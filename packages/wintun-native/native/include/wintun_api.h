/*
 * The wintun.dll 0.14 API, as Magma consumes it: types, constants and the 14 export signatures.
 * Written for Magma from the published contract; on Windows it describes the real wintun.dll, on
 * Linux the emulator in tools/wintun-emu (libwintun.so), which implements the same exports.
 *
 * Every function type is a function type (0.14 style), so a consumer declares `WINTUN_X_FUNC *p`.
 * Strings are NUL-terminated UTF-16, BOOL is 32 bits, DWORD is uint32_t, handles are pointers.
 */
#ifndef MAGMA_WINTUN_API_H
#define MAGMA_WINTUN_API_H

#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#include <ifdef.h> /* NET_LUID */
#define WINTUN_API WINAPI
#define WINTUN_CALLBACK CALLBACK
typedef WCHAR WINTUN_WCHAR;
typedef NET_LUID WINTUN_NET_LUID;
#else
#define WINTUN_API
#define WINTUN_CALLBACK
typedef int32_t BOOL;
typedef uint32_t DWORD;
typedef uint64_t DWORD64;
typedef uint8_t BYTE;
typedef void *HANDLE;
typedef uint16_t WINTUN_WCHAR; /* UTF-16 code unit, never wchar_t (which is 32 bits here) */
typedef struct {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;
/* NET_LUID_LH: Reserved:24 | NetLuidIndex:24 | IfType:16, low bits to high. */
typedef union {
  uint64_t Value;
} WINTUN_NET_LUID;
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _WINTUN_ADAPTER *WINTUN_ADAPTER_HANDLE;
typedef struct _TUN_SESSION *WINTUN_SESSION_HANDLE;

typedef enum {
  WINTUN_LOG_INFO = 0,
  WINTUN_LOG_WARN = 1,
  WINTUN_LOG_ERR = 2
} WINTUN_LOGGER_LEVEL;

/* Timestamp: 100 ns ticks since 1601-01-01 UTC (a FILETIME). Message: at most 1023 code units. */
typedef void(WINTUN_CALLBACK *WINTUN_LOGGER_CALLBACK)(WINTUN_LOGGER_LEVEL Level, DWORD64 Timestamp,
                                                      const WINTUN_WCHAR *Message);

#define WINTUN_MIN_RING_CAPACITY 0x20000u  /* 128 KiB, inclusive */
#define WINTUN_MAX_RING_CAPACITY 0x4000000u /* 64 MiB, inclusive; capacity is a power of two */
#define WINTUN_MAX_IP_PACKET_SIZE 0xFFFFu
#define WINTUN_MAX_ADAPTER_NAME 128u /* name: 127 code units plus NUL */

typedef WINTUN_ADAPTER_HANDLE(WINTUN_API WINTUN_CREATE_ADAPTER_FUNC)(const WINTUN_WCHAR *Name,
                                                                     const WINTUN_WCHAR *TunnelType,
                                                                     const GUID *RequestedGUID);
typedef WINTUN_ADAPTER_HANDLE(WINTUN_API WINTUN_OPEN_ADAPTER_FUNC)(const WINTUN_WCHAR *Name);
typedef void(WINTUN_API WINTUN_CLOSE_ADAPTER_FUNC)(WINTUN_ADAPTER_HANDLE Adapter);
typedef BOOL(WINTUN_API WINTUN_DELETE_DRIVER_FUNC)(void);
typedef void(WINTUN_API WINTUN_GET_ADAPTER_LUID_FUNC)(WINTUN_ADAPTER_HANDLE Adapter,
                                                      WINTUN_NET_LUID *Luid);
typedef DWORD(WINTUN_API WINTUN_GET_RUNNING_DRIVER_VERSION_FUNC)(void);
typedef void(WINTUN_API WINTUN_SET_LOGGER_FUNC)(WINTUN_LOGGER_CALLBACK NewLogger);
typedef WINTUN_SESSION_HANDLE(WINTUN_API WINTUN_START_SESSION_FUNC)(WINTUN_ADAPTER_HANDLE Adapter,
                                                                    DWORD Capacity);
typedef void(WINTUN_API WINTUN_END_SESSION_FUNC)(WINTUN_SESSION_HANDLE Session);
typedef HANDLE(WINTUN_API WINTUN_GET_READ_WAIT_EVENT_FUNC)(WINTUN_SESSION_HANDLE Session);
typedef BYTE *(WINTUN_API WINTUN_RECEIVE_PACKET_FUNC)(WINTUN_SESSION_HANDLE Session,
                                                      DWORD *PacketSize);
typedef void(WINTUN_API WINTUN_RELEASE_RECEIVE_PACKET_FUNC)(WINTUN_SESSION_HANDLE Session,
                                                            const BYTE *Packet);
typedef BYTE *(WINTUN_API WINTUN_ALLOCATE_SEND_PACKET_FUNC)(WINTUN_SESSION_HANDLE Session,
                                                            DWORD PacketSize);
typedef void(WINTUN_API WINTUN_SEND_PACKET_FUNC)(WINTUN_SESSION_HANDLE Session, const BYTE *Packet);

/* Win32 error codes the API and Magma use (values from winerror.h). */
#define WINTUN_ERROR_SUCCESS 0u
#define WINTUN_ERROR_FILE_NOT_FOUND 2u
#define WINTUN_ERROR_ACCESS_DENIED 5u
#define WINTUN_ERROR_INVALID_HANDLE 6u
#define WINTUN_ERROR_NOT_ENOUGH_MEMORY 8u
#define WINTUN_ERROR_INVALID_DATA 13u
#define WINTUN_ERROR_GEN_FAILURE 31u
#define WINTUN_ERROR_HANDLE_EOF 38u
#define WINTUN_ERROR_INVALID_PARAMETER 87u
#define WINTUN_ERROR_BUFFER_OVERFLOW 111u
#define WINTUN_ERROR_MOD_NOT_FOUND 126u
#define WINTUN_ERROR_PROC_NOT_FOUND 127u
#define WINTUN_ERROR_ALREADY_EXISTS 183u
#define WINTUN_ERROR_BAD_EXE_FORMAT 193u
#define WINTUN_ERROR_NO_MORE_ITEMS 259u
#define WINTUN_ERROR_NOT_FOUND 1168u
#define WINTUN_ERROR_ALREADY_INITIALIZED 1247u
#define WINTUN_ERROR_DEVICE_NOT_AVAILABLE 4319u

#ifdef __cplusplus
}
#endif

#endif /* MAGMA_WINTUN_API_H */
