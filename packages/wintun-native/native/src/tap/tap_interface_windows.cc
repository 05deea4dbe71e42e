#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "../netadapters/interface_rows_windows.h"
#include "tap_interface.h"

namespace magma::tap {

bool FindTapInterface(const TapLibrary&, const std::string& guid, TapInterface& found) {
  // Without Load(): only the row is wanted, not the address table.
  netadapters::InterfaceRows rows;
  netadapters::InterfaceRow row;
  uint32_t status = 0;
  if (!rows.Find(guid, row, status)) return false;
  found.luid = row.luid;
  found.name = row.alias;
  return true;
}

}  // namespace magma::tap
