// The interfaces IP Helper knows, looked up by the GUID an adapter's class key names
// (NetCfgInstanceId): GUID -> NET_LUID (ConvertInterfaceGuidToLuid) -> its row (GetIfEntry2) and
// its unicast addresses. Windows only; include after <netioapi.h>.
#pragma once

#include <cstdint>
#include <string>

#include "network_adapter_list.h"

namespace magma::netadapters {

class InterfaceRows {
 public:
  InterfaceRows() = default;
  ~InterfaceRows();
  InterfaceRows(const InterfaceRows&) = delete;
  InterfaceRows& operator=(const InterfaceRows&) = delete;

  // Reads the unicast address table once for every lookup that follows. False with the failing
  // call's code: that is a failure of the whole listing.
  bool Load(ListFailure& failure);
  // The interface of `guid_text` ("{xxxxxxxx-...}"). False with the Win32 code of the lookup that
  // found none: ERROR_INVALID_PARAMETER for text that is no GUID, or what IP Helper answered.
  bool Find(const std::string& guid_text, InterfaceRow& row, uint32_t& status) const;

 private:
  PMIB_UNICASTIPADDRESS_TABLE addresses_ = nullptr;
};

}  // namespace magma::netadapters
