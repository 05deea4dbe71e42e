// The addon's entry point: wintun libraries, adapters and sessions, the logger bridge, the
// adapter IP configuration calls, the listing of the network adapters Windows has, the flow
// classifier and the shared send ring of the multi-queue path, and the DACL of the control
// endpoint's named pipe; and the TAP-Windows function table @magma/tap-legacy lists and makes
// adapters through.
#include <napi.h>

#include "binding/adapter_binding.h"
#include "binding/addon_data.h"
#include "binding/library_binding.h"
#include "binding/live_resources.h"
#include "binding/session_binding.h"
#include "binding/session_sender_binding.h"
#include "binding/steered_worker_binding.h"
#include "control/pipe_security_binding.h"
#include "flow/flow_hash_binding.h"
#include "ipconfig/ip_configuration_binding.h"
#include "logger/logger_bridge.h"
#include "netadapters/network_adapter_list_binding.h"
#ifdef MAGMA_WITH_TAP
#include "tap/tap_device_binding.h"
#include "tap/tap_library_binding.h"
#endif

namespace {

Napi::Object Initialize(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new magma::wintun::AddonData());
  magma::wintun::LibraryBinding::Register(env, exports);
  magma::wintun::AdapterBinding::Register(env, exports);
  magma::wintun::SessionBinding::Register(env, exports);
  magma::wintun::SessionSenderBinding::Register(env, exports);
  magma::wintun::SteeredWorkerBinding::Register(env, exports);
  magma::wintun::RegisterLoggerBridge(env, exports);
  magma::wintun::RegisterLiveResources(env, exports);
  magma::ipconfig::RegisterIpConfiguration(env, exports);
  magma::netadapters::RegisterNetworkAdapterList(env, exports);
  magma::flow::RegisterFlowHash(env, exports);
  magma::control::RegisterPipeSecurity(env, exports);
#ifdef MAGMA_WITH_TAP
  magma::tap::TapLibraryBinding::Register(env, exports);
  magma::tap::TapDeviceBinding::Register(env);
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(magma_wintun, Initialize)
