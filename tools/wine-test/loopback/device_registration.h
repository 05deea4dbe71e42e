// The device a wintun adapter is to Windows, registered by the stand-in as wintun.dll's
// WintunCreateAdapter leaves it (wintun api/adapter.c), so that what lists adapters the way
// Windows lists them (the network class's devices and their class keys) finds the stand-in's.
#pragma once

#include <windows.h>

#include <cstdint>
#include <string>

namespace loopback {

// Registers "SWD\Wintun\{instance}" in the network class: hardware ID "Wintun", wintun's name
// property `name`, the description "<tunnel_type> Tunnel", and a class key whose
// NetCfgInstanceId is `interface_guid` and whose NetLuidIndex and *IfType are `luid`'s. Returns
// the instance ID, or "" when a step failed (the adapter then works unlisted, as the stand-in
// did before, and the step's failure is in the log).
std::wstring RegisterWintunDevice(const std::wstring& name, const std::wstring& tunnel_type,
                                  const GUID& instance, const GUID& interface_guid, uint64_t luid);

// Removes the device, as WintunCloseAdapter removes an adapter its handle created.
void RemoveWintunDevice(const std::wstring& instance_id);

// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", the registry's form of a GUID.
std::wstring GuidText(const GUID& guid);

}  // namespace loopback
