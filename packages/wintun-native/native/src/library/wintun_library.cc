#include "wintun_library.h"

#include <map>
#include <mutex>

#include "../platform/dynamic_library.h"

namespace magma::wintun {
namespace {

template <typename Function>
void Resolve(void* library, const char* name, Function*& target, std::string& missing) {
  target = reinterpret_cast<Function*>(FindLibrarySymbol(library, name));
  if (target == nullptr) missing += missing.empty() ? name : std::string(", ") + name;
}

std::mutex cache_lock;
std::map<std::string, std::shared_ptr<const WintunApi>> cache;

}  // namespace

LibraryLoadResult LoadWintunLibrary(const std::string& path) {
  std::lock_guard<std::mutex> guard(cache_lock);
  LibraryLoadResult result;
  auto cached = cache.find(path);
  if (cached != cache.end()) {
    result.api = cached->second;
    return result;
  }
  LoadFailure failure;
  void* library = OpenDynamicLibrary(path, failure);
  if (library == nullptr) {
    result.win32_code = failure.win32_code;
    result.call = kOpenLibraryCall;
    result.detail = failure.detail;
    return result;
  }
  auto api = std::make_shared<WintunApi>();
  std::string missing;
  Resolve(library, "WintunCreateAdapter", api->CreateAdapter, missing);
  Resolve(library, "WintunOpenAdapter", api->OpenAdapter, missing);
  Resolve(library, "WintunCloseAdapter", api->CloseAdapter, missing);
  Resolve(library, "WintunDeleteDriver", api->DeleteDriver, missing);
  Resolve(library, "WintunGetAdapterLUID", api->GetAdapterLUID, missing);
  Resolve(library, "WintunGetRunningDriverVersion", api->GetRunningDriverVersion, missing);
  Resolve(library, "WintunSetLogger", api->SetLogger, missing);
  Resolve(library, "WintunStartSession", api->StartSession, missing);
  Resolve(library, "WintunEndSession", api->EndSession, missing);
  Resolve(library, "WintunGetReadWaitEvent", api->GetReadWaitEvent, missing);
  Resolve(library, "WintunReceivePacket", api->ReceivePacket, missing);
  Resolve(library, "WintunReleaseReceivePacket", api->ReleaseReceivePacket, missing);
  Resolve(library, "WintunAllocateSendPacket", api->AllocateSendPacket, missing);
  Resolve(library, "WintunSendPacket", api->SendPacket, missing);
  if (!missing.empty()) {
    // Left loaded on purpose: unloading a DLL whose DllMain ran is not worth the risk.
    result.win32_code = WINTUN_ERROR_PROC_NOT_FOUND;
    result.call = kFindSymbolCall;
    result.detail = "missing exports: " + missing;
    return result;
  }
  cache.emplace(path, api);
  result.api = api;
  return result;
}

}  // namespace magma::wintun
