/*
 * The Win32 surface Magma's TAP-Windows (tap0901) backend uses, as one table of function
 * pointers. On Windows the addon fills it from kernel32/advapi32 (every member has the exact type
 * of the real export, so `api.ReadFile = &ReadFile;` compiles); on Linux tools/tap-windows-emu
 * exports `TapEmuWin32Api()`, which returns a table implementing the same calls over a Linux TAP
 * device. The backend holds a `const TapWin32Api *` and calls through it on both platforms, so the
 * code that ships is the code the Linux tests run.
 *
 * Facts: /work/shared/reference/windows-ipconfig-and-tap.md part B (B.7 wins where it differs),
 * tap-windows6 9.27 `src/tap-windows.h`, and Microsoft's winnt.h/winerror.h/winioctl.h.
 */
#ifndef MAGMA_TAP_WINDOWS_API_H
#define MAGMA_TAP_WINDOWS_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define TAP_STATIC_ASSERT(condition, message) static_assert(condition, message)
#else
#define TAP_STATIC_ASSERT(condition, message) _Static_assert(condition, message)
#endif

#ifdef _WIN32
#include <windows.h>
#include <winioctl.h>
#define TAP_WINAPI WINAPI
#else
#ifndef __cplusplus
#include <uchar.h> /* char16_t in C */
#endif
#define TAP_WINAPI
/* Exactly the Win32 types the backend needs, with their Win64 sizes. The typedefs that
 * wintun_api.h also declares are identical, so both headers can be included together. */
typedef int32_t BOOL;
typedef uint32_t DWORD;
typedef uint8_t BYTE;
typedef int32_t LONG; /* 32 bits on Win64 too (LLP64) */
typedef LONG LSTATUS;
typedef void *HANDLE;
typedef char16_t WCHAR; /* a UTF-16 code unit; wchar_t is 32 bits on Linux */
typedef struct TapEmuRegistryKey *HKEY;
typedef uintptr_t ULONG_PTR;
typedef DWORD REGSAM;
typedef HANDLE *PHANDLE;
typedef HKEY *PHKEY;
typedef DWORD *LPDWORD;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef BYTE *LPBYTE;
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
typedef struct _SECURITY_ATTRIBUTES *LPSECURITY_ATTRIBUTES; /* only NULL is passed */
typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME, *PFILETIME;

/* minwinbase.h, Win64 layout (anonymous struct and union, as with Windows' DUMMYUNIONNAME): the
 * kernel writes the NTSTATUS into Internal and the byte count into InternalHigh on completion. */
typedef struct _OVERLAPPED {
  ULONG_PTR Internal;
  ULONG_PTR InternalHigh;
  union {
    struct {
      DWORD Offset;
      DWORD OffsetHigh;
    };
    LPVOID Pointer;
  };
  HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)
#define HKEY_LOCAL_MACHINE ((HKEY)(ULONG_PTR)(LONG)0x80000002)
#define TRUE 1
#define FALSE 0
#define INFINITE 0xFFFFFFFFu
#define WAIT_OBJECT_0 0x00000000u
#define WAIT_TIMEOUT 0x00000102u
#define WAIT_FAILED 0xFFFFFFFFu
#define MAXIMUM_WAIT_OBJECTS 64u
#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define OPEN_EXISTING 3u
#define FILE_ATTRIBUTE_SYSTEM 0x00000004u
#define FILE_FLAG_OVERLAPPED 0x40000000u
#define KEY_QUERY_VALUE 0x0001u
#define KEY_ENUMERATE_SUB_KEYS 0x0008u
#define KEY_READ 0x20019u
#define REG_SZ 1u
#define FILE_DEVICE_UNKNOWN 0x00000022u
#define METHOD_BUFFERED 0u
#define FILE_ANY_ACCESS 0u
#define CTL_CODE(DeviceType, Function, Method, Access) \
  (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))

/* winerror.h */
#define ERROR_SUCCESS 0L
#define ERROR_INVALID_FUNCTION 1L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_GEN_FAILURE 31L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_MORE_DATA 234L
#define ERROR_NO_MORE_ITEMS 259L
#define ERROR_OPERATION_ABORTED 995L
#define ERROR_IO_INCOMPLETE 996L
#define ERROR_IO_PENDING 997L
#define ERROR_NOT_FOUND 1168L
#endif /* _WIN32 */

/* The numbers the backend relies on, checked against the real headers on Windows and against
 * winerror.h's published values here (reference A.10). */
TAP_STATIC_ASSERT(ERROR_INVALID_FUNCTION == 1, "winerror.h");
TAP_STATIC_ASSERT(ERROR_FILE_NOT_FOUND == 2, "winerror.h");
TAP_STATIC_ASSERT(ERROR_ACCESS_DENIED == 5, "winerror.h");
TAP_STATIC_ASSERT(ERROR_INVALID_HANDLE == 6, "winerror.h");
TAP_STATIC_ASSERT(ERROR_GEN_FAILURE == 31, "winerror.h");
TAP_STATIC_ASSERT(ERROR_INVALID_PARAMETER == 87, "winerror.h");
TAP_STATIC_ASSERT(ERROR_INSUFFICIENT_BUFFER == 122, "winerror.h");
TAP_STATIC_ASSERT(ERROR_MORE_DATA == 234, "winerror.h");
TAP_STATIC_ASSERT(ERROR_NO_MORE_ITEMS == 259, "winerror.h");
TAP_STATIC_ASSERT(ERROR_OPERATION_ABORTED == 995, "winerror.h");
TAP_STATIC_ASSERT(ERROR_IO_INCOMPLETE == 996, "winerror.h");
TAP_STATIC_ASSERT(ERROR_IO_PENDING == 997, "winerror.h");
TAP_STATIC_ASSERT(ERROR_NOT_FOUND == 1168, "winerror.h");
TAP_STATIC_ASSERT(WAIT_TIMEOUT == 258, "winbase.h");

#if defined(_WIN64) || defined(__x86_64__) || defined(__aarch64__)
/* OVERLAPPED as Win64 lays it out: 32 bytes, the event handle last. */
TAP_STATIC_ASSERT(sizeof(OVERLAPPED) == 32, "OVERLAPPED is 32 bytes on Win64");
TAP_STATIC_ASSERT(offsetof(OVERLAPPED, Internal) == 0, "OVERLAPPED.Internal");
TAP_STATIC_ASSERT(offsetof(OVERLAPPED, InternalHigh) == 8, "OVERLAPPED.InternalHigh");
TAP_STATIC_ASSERT(offsetof(OVERLAPPED, Pointer) == 16, "OVERLAPPED.Pointer");
TAP_STATIC_ASSERT(offsetof(OVERLAPPED, hEvent) == 24, "OVERLAPPED.hEvent");
#endif
TAP_STATIC_ASSERT(sizeof(DWORD) == 4 && sizeof(BOOL) == 4 && sizeof(LONG) == 4, "LLP64 integers");
TAP_STATIC_ASSERT(sizeof(WCHAR) == 2, "WCHAR is a UTF-16 code unit");

/* ---- tap-windows6 (src/tap-windows.h), reference B.2/B.3 ---- */

/* "\\\\.\\Global\\" + NetCfgInstanceId + ".tap" (USERMODEDEVICEDIR, TAP_WIN_SUFFIX). */
#define TAP_WIN_USERMODE_DEVICE_DIR "\\\\.\\Global\\"
#define TAP_WIN_SUFFIX ".tap"
#define TAP_WIN_COMPONENT_ID "tap0901"
#define TAP_WIN_ROOT_COMPONENT_ID "root\\tap0901"
/* HKLM subkeys (OpenVPN ADAPTER_KEY and NETWORK_CONNECTIONS_KEY), reference B.1. */
#define TAP_WIN_ADAPTER_KEY \
  "SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define TAP_WIN_NETWORK_CONNECTIONS_KEY \
  "SYSTEM\\CurrentControlSet\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}"

#define TAP_WIN_CONTROL_CODE(request, method) CTL_CODE(FILE_DEVICE_UNKNOWN, request, method, FILE_ANY_ACCESS)
#define TAP_WIN_IOCTL_GET_MAC TAP_WIN_CONTROL_CODE(1, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_GET_VERSION TAP_WIN_CONTROL_CODE(2, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_GET_MTU TAP_WIN_CONTROL_CODE(3, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_GET_INFO TAP_WIN_CONTROL_CODE(4, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT TAP_WIN_CONTROL_CODE(5, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_SET_MEDIA_STATUS TAP_WIN_CONTROL_CODE(6, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_CONFIG_DHCP_MASQ TAP_WIN_CONTROL_CODE(7, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_GET_LOG_LINE TAP_WIN_CONTROL_CODE(8, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT TAP_WIN_CONTROL_CODE(9, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_CONFIG_TUN TAP_WIN_CONTROL_CODE(10, METHOD_BUFFERED)
#define TAP_WIN_IOCTL_PRIORITY_BEHAVIOR TAP_WIN_CONTROL_CODE(11, METHOD_BUFFERED)

/* Reference B.3: the values, verified there against winioctl.h. */
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_GET_MAC == 0x220004, "B.3 GET_MAC");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_GET_VERSION == 0x220008, "B.3 GET_VERSION");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_GET_MTU == 0x22000C, "B.3 GET_MTU");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_GET_INFO == 0x220010, "B.3 GET_INFO");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT == 0x220014, "B.3 CONFIG_POINT_TO_POINT");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_SET_MEDIA_STATUS == 0x220018, "B.3 SET_MEDIA_STATUS");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_CONFIG_DHCP_MASQ == 0x22001C, "B.3 CONFIG_DHCP_MASQ");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_GET_LOG_LINE == 0x220020, "B.3 GET_LOG_LINE");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT == 0x220024, "B.3 CONFIG_DHCP_SET_OPT");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_CONFIG_TUN == 0x220028, "B.3 CONFIG_TUN");
TAP_STATIC_ASSERT(TAP_WIN_IOCTL_PRIORITY_BEHAVIOR == 0x22002C, "B.3 PRIORITY_BEHAVIOR");

/* IOCTL payloads; addresses are the raw octets in network order (B.3). */
typedef struct {
  uint32_t major;
  uint32_t minor;
  uint32_t debug;
} TapWinVersion; /* GET_VERSION output */
typedef struct {
  uint8_t local[4];
  uint8_t network[4];
  uint8_t netmask[4];
} TapWinConfigTun; /* CONFIG_TUN input */
typedef struct {
  uint8_t local[4];
  uint8_t remote[4];
} TapWinConfigPointToPoint; /* CONFIG_POINT_TO_POINT input */
typedef struct {
  uint8_t address[4];
  uint8_t netmask[4];
  uint8_t server[4];
  uint32_t leaseSeconds; /* host order */
} TapWinConfigDhcpMasq; /* CONFIG_DHCP_MASQ input */
typedef uint32_t TapWinMediaStatus; /* SET_MEDIA_STATUS input: low byte non-zero = connected (B.7) */

TAP_STATIC_ASSERT(sizeof(TapWinVersion) == 12, "B.3 GET_VERSION: 3 x ULONG");
TAP_STATIC_ASSERT(sizeof(TapWinConfigTun) == 12, "B.3 CONFIG_TUN: 3 x IPADDR");
TAP_STATIC_ASSERT(sizeof(TapWinConfigPointToPoint) == 8, "B.3 CONFIG_POINT_TO_POINT: 2 x IPADDR");
TAP_STATIC_ASSERT(sizeof(TapWinConfigDhcpMasq) == 16, "B.3 CONFIG_DHCP_MASQ: 4 x ULONG");
TAP_STATIC_ASSERT(sizeof(TapWinMediaStatus) == 4, "B.3 SET_MEDIA_STATUS: 1 x ULONG");

/* Driver limits: PACKET_QUEUE_SIZE (B.5), Ethernet header, the smallest TUN-mode write (B.7),
 * the driver's version gate as OpenVPN applies it (B intro). */
#define TAP_WIN_PACKET_QUEUE_SIZE 64u
#define TAP_WIN_ETHERNET_HEADER_SIZE 14u
#define TAP_WIN_MIN_TUN_WRITE 20u
#define TAP_WIN_MIN_VERSION_MAJOR 9u
#define TAP_WIN_MIN_VERSION_MINOR 9u

/* ---- the function table ---- */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TapWin32Api {
  /* kernel32 */
  HANDLE(TAP_WINAPI *CreateFileW)(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                  LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                  DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                  HANDLE hTemplateFile);
  BOOL(TAP_WINAPI *DeviceIoControl)(HANDLE hDevice, DWORD dwIoControlCode, LPVOID lpInBuffer,
                                    DWORD nInBufferSize, LPVOID lpOutBuffer,
                                    DWORD nOutBufferSize, LPDWORD lpBytesReturned,
                                    LPOVERLAPPED lpOverlapped);
  BOOL(TAP_WINAPI *ReadFile)(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
                             LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped);
  BOOL(TAP_WINAPI *WriteFile)(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
                              LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped);
  BOOL(TAP_WINAPI *GetOverlappedResult)(HANDLE hFile, LPOVERLAPPED lpOverlapped,
                                        LPDWORD lpNumberOfBytesTransferred, BOOL bWait);
  BOOL(TAP_WINAPI *CancelIoEx)(HANDLE hFile, LPOVERLAPPED lpOverlapped);
  BOOL(TAP_WINAPI *CloseHandle)(HANDLE hObject);
  HANDLE(TAP_WINAPI *CreateEventW)(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                   BOOL bInitialState, LPCWSTR lpName);
  BOOL(TAP_WINAPI *SetEvent)(HANDLE hEvent);
  BOOL(TAP_WINAPI *ResetEvent)(HANDLE hEvent);
  DWORD(TAP_WINAPI *WaitForSingleObject)(HANDLE hHandle, DWORD dwMilliseconds);
  DWORD(TAP_WINAPI *WaitForMultipleObjects)(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll,
                                            DWORD dwMilliseconds);
  DWORD(TAP_WINAPI *GetLastError)(void);
  /* advapi32: these return the error code instead of setting the last error. */
  LSTATUS(TAP_WINAPI *RegOpenKeyExW)(HKEY hKey, LPCWSTR lpSubKey, DWORD ulOptions,
                                     REGSAM samDesired, PHKEY phkResult);
  LSTATUS(TAP_WINAPI *RegEnumKeyExW)(HKEY hKey, DWORD dwIndex, LPWSTR lpName, LPDWORD lpcchName,
                                     LPDWORD lpReserved, LPWSTR lpClass, LPDWORD lpcchClass,
                                     PFILETIME lpftLastWriteTime);
  LSTATUS(TAP_WINAPI *RegQueryValueExW)(HKEY hKey, LPCWSTR lpValueName, LPDWORD lpReserved,
                                        LPDWORD lpType, LPBYTE lpData, LPDWORD lpcbData);
  LSTATUS(TAP_WINAPI *RegCloseKey)(HKEY hKey);
} TapWin32Api;

#ifdef _WIN32
/* The real table: kernel32 and advapi32 (link with -ladvapi32). Returned by value, since the
 * address of an imported function is no constant initializer in C; in C++ keep it in a
 * `static const TapWin32Api` and hand out its address, as TapEmuWin32Api() does on Linux. */
static inline TapWin32Api TapWin32SystemApi(void) {
  TapWin32Api api = {
      CreateFileW,         DeviceIoControl, ReadFile,            WriteFile,
      GetOverlappedResult, CancelIoEx,      CloseHandle,         CreateEventW,
      SetEvent,            ResetEvent,      WaitForSingleObject, WaitForMultipleObjects,
      GetLastError,        RegOpenKeyExW,   RegEnumKeyExW,       RegQueryValueExW,
      RegCloseKey,
  };
  return api;
}
#else
/* The emulator's table (libtapwindowsemu.so); never NULL, valid for the life of the process. */
const TapWin32Api *TapEmuWin32Api(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MAGMA_TAP_WINDOWS_API_H */
