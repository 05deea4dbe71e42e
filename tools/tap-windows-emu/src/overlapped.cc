#include "overlapped.h"

namespace tap_emu {

DWORD win32FromNtStatus(uint32_t status) {
  switch (status) {
    case kStatusSuccess:
      return ERROR_SUCCESS;
    case kStatusBufferOverflow:
      return ERROR_MORE_DATA;
    case kStatusInvalidParameter:
      return ERROR_INVALID_PARAMETER;
    case kStatusInvalidDeviceRequest:
      return ERROR_INVALID_FUNCTION;
    case kStatusBufferTooSmall:
      return ERROR_INSUFFICIENT_BUFFER;
    case kStatusNotSupported:
      return ERROR_NOT_SUPPORTED;
    case kStatusCancelled:
      return ERROR_OPERATION_ABORTED;
    case kStatusPending:
      return ERROR_IO_PENDING;
    default:
      return ERROR_GEN_FAILURE;
  }
}

void markPending(OVERLAPPED *overlapped) {
  __atomic_store_n(&overlapped->InternalHigh, ULONG_PTR{0}, __ATOMIC_RELAXED);
  __atomic_store_n(&overlapped->Internal, ULONG_PTR{kStatusPending}, __ATOMIC_RELEASE);
}

void completeRequest(const OverlappedRequest &request, Event &fileEvent, uint32_t status,
                     uint64_t bytes) {
  __atomic_store_n(&request.overlapped->InternalHigh, static_cast<ULONG_PTR>(bytes),
                   __ATOMIC_RELAXED);
  __atomic_store_n(&request.overlapped->Internal, static_cast<ULONG_PTR>(status), __ATOMIC_RELEASE);
  fileEvent.set();
  if (request.event != nullptr) request.event->set();
}

uint32_t overlappedStatus(const OVERLAPPED *overlapped) {
  return static_cast<uint32_t>(__atomic_load_n(&overlapped->Internal, __ATOMIC_ACQUIRE));
}

uint64_t overlappedBytes(const OVERLAPPED *overlapped) {
  return __atomic_load_n(&overlapped->InternalHigh, __ATOMIC_ACQUIRE);
}

}  // namespace tap_emu
