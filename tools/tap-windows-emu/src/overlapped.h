// How the I/O manager reports an overlapped request: OVERLAPPED.Internal holds the NTSTATUS
// (STATUS_PENDING until completion), InternalHigh the bytes transferred, and completion sets the
// request's event (and the file object's). The fields live in the caller's memory and another
// thread reads them, so they are written with release and read with acquire ordering.
#pragma once

#include <cstdint>
#include <memory>

#include "event.h"

namespace tap_emu {

// ntstatus.h values and the RtlNtStatusToDosError mapping for the ones the driver uses.
constexpr uint32_t kStatusSuccess = 0x00000000u;
constexpr uint32_t kStatusPending = 0x00000103u;
constexpr uint32_t kStatusBufferOverflow = 0x80000005u;  // -> ERROR_MORE_DATA
constexpr uint32_t kStatusUnsuccessful = 0xC0000001u;     // -> ERROR_GEN_FAILURE
constexpr uint32_t kStatusInvalidParameter = 0xC000000Du; // -> ERROR_INVALID_PARAMETER
constexpr uint32_t kStatusInvalidDeviceRequest = 0xC0000010u; // -> ERROR_INVALID_FUNCTION
constexpr uint32_t kStatusBufferTooSmall = 0xC0000023u;   // -> ERROR_INSUFFICIENT_BUFFER
constexpr uint32_t kStatusNotSupported = 0xC00000BBu;     // -> ERROR_NOT_SUPPORTED
constexpr uint32_t kStatusCancelled = 0xC0000120u;        // -> ERROR_OPERATION_ABORTED

DWORD win32FromNtStatus(uint32_t status);
// NT_SUCCESS: success and informational codes; warnings such as STATUS_BUFFER_OVERFLOW fail.
inline bool ntSuccess(uint32_t status) { return static_cast<int32_t>(status) >= 0; }

// A request in flight: where its result goes and whom to wake.
struct OverlappedRequest {
  OVERLAPPED *overlapped = nullptr;
  std::shared_ptr<Event> event;  // the caller's hEvent, referenced at submission as Windows does
};

void markPending(OVERLAPPED *overlapped);
void completeRequest(const OverlappedRequest &request, Event &fileEvent, uint32_t status,
                     uint64_t bytes);
uint32_t overlappedStatus(const OVERLAPPED *overlapped);
uint64_t overlappedBytes(const OVERLAPPED *overlapped);

}  // namespace tap_emu
