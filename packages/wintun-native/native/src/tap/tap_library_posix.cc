// libtapwindowsemu.so: its Win32 table (TapEmuWin32Api) and adapter controls (TapEmu*Adapter*).
#include <map>
#include <mutex>

#include "../platform/dynamic_library.h"
#include "tap_library.h"
#include "wintun_api.h"  // WINTUN_ERROR_PROC_NOT_FOUND, as the wintun loader reports it

namespace magma::tap {
namespace {

template <typename Function>
bool Find(void* handle, const char* name, Function& function, TapLibraryLoad& load) {
  function = reinterpret_cast<Function>(wintun::FindLibrarySymbol(handle, name));
  if (function != nullptr) return true;
  load.win32_code = WINTUN_ERROR_PROC_NOT_FOUND;
  load.call = wintun::kFindSymbolCall;
  load.detail = std::string(name) + " is not exported: not a tap-windows-emu library";
  return false;
}

}  // namespace

TapLibraryLoad LoadTapLibrary(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TapLibrary>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  TapLibraryLoad load;
  auto cached = loaded.find(path);
  if (cached != loaded.end()) {
    load.library = cached->second;
    return load;
  }
  // An empty path would make OpenDynamicLibrary look for libwintun.so, the other emulator.
  const std::string target = path.empty() ? std::string("libtapwindowsemu.so") : path;
  wintun::LoadFailure failure;
  void* handle = wintun::OpenDynamicLibrary(target, failure);
  if (handle == nullptr) {
    load.win32_code = failure.win32_code;
    load.call = wintun::kOpenLibraryCall;
    load.detail = failure.detail;
    return load;
  }
  auto library = std::make_shared<TapLibrary>();
  const TapWin32Api* (*table)(void) = nullptr;
  if (!Find(handle, "TapEmuWin32Api", table, load) ||
      !Find(handle, "TapEmuCreateAdapter", library->controls.CreateAdapter, load) ||
      !Find(handle, "TapEmuDeleteAdapter", library->controls.DeleteAdapter, load) ||
      !Find(handle, "TapEmuSetAdapterEnabled", library->controls.SetAdapterEnabled, load) ||
      !Find(handle, "TapEmuGetInterfaceName", library->controls.GetInterfaceName, load) ||
      !Find(handle, "TapEmuSetDriverVersion", library->controls.SetDriverVersion, load) ||
      !Find(handle, "TapEmuFaultLimitReadBuffers", library->controls.FaultLimitReadBuffers, load)) {
    return load;
  }
  library->api = table();
  load.library = library;
  loaded[path] = library;
  return load;
}

}  // namespace magma::tap
