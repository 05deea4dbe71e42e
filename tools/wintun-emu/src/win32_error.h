// Win32 error codes the emulator reports, beyond those the consumer header names.
#pragma once

#include <cstdint>

#include "wintun_api.h"

namespace wintun_emu {

constexpr uint32_t kErrorInvalidHandle = 6;
// SetupAPI's ERROR_INF_IN_USE_BY_DEVICES: what SetupUninstallOEMInfW reports to
// WintunDeleteDriver while adapters still use the driver.
constexpr uint32_t kErrorInfInUseByDevices = 0xE000023Du;

}  // namespace wintun_emu
