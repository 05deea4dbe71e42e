// The interface behind a wintun adapter, through IP Helper by its NET_LUID. GetIfEntry2 reads
// the counters wintun.sys keeps (NDIS_STATISTICS_INFO): a batch it cannot fit into the ring
// counts in OutDiscards, a packet above 0xFFFF in OutErrors, a non-IP packet from the app in
// InDiscards.
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <cstddef>

#include "../platform/net_luid_windows.h"
#include "interface_info.h"

// The layout GetIfEntry2 fills, pinned for x64 (the only Windows target we build).
static_assert(sizeof(MIB_IF_ROW2) == 1352, "MIB_IF_ROW2");
static_assert(offsetof(MIB_IF_ROW2, InterfaceLuid) == 0, "row.InterfaceLuid");
static_assert(offsetof(MIB_IF_ROW2, InterfaceIndex) == 8, "row.InterfaceIndex");
static_assert(offsetof(MIB_IF_ROW2, InOctets) == 1208, "row.InOctets");
static_assert(offsetof(MIB_IF_ROW2, OutDiscards) == 1304, "row.OutDiscards");
static_assert(offsetof(MIB_IF_ROW2, OutQLen) == 1344, "row.OutQLen");

namespace magma::wintun {
namespace {

bool Fail(InterfaceFailure& failure, DWORD status, const char* call) {
  failure.win32_code = status;
  failure.call = call;
  return false;
}

}  // namespace

bool InterfaceIndexOf(uint64_t luid, uint32_t& index, InterfaceFailure& failure) {
  NET_LUID key = NetLuidOf(luid);
  NET_IFINDEX found = 0;
  DWORD status = ConvertInterfaceLuidToIndex(&key, &found);
  if (status != NO_ERROR) return Fail(failure, status, "ConvertInterfaceLuidToIndex");
  index = found;
  return true;
}

bool InterfaceNameOf(uint64_t luid, std::string& name, InterfaceFailure& failure) {
  NET_LUID key = NetLuidOf(luid);
  WCHAR alias[NDIS_IF_MAX_STRING_SIZE + 1] = {};
  DWORD status = ConvertInterfaceLuidToAlias(&key, alias, NDIS_IF_MAX_STRING_SIZE + 1);
  if (status != NO_ERROR) return Fail(failure, status, "ConvertInterfaceLuidToAlias");
  int bytes = WideCharToMultiByte(CP_UTF8, 0, alias, -1, nullptr, 0, nullptr, nullptr);
  if (bytes <= 0) return Fail(failure, GetLastError(), "WideCharToMultiByte");
  name.resize(static_cast<size_t>(bytes));
  WideCharToMultiByte(CP_UTF8, 0, alias, -1, &name[0], bytes, nullptr, nullptr);
  name.resize(static_cast<size_t>(bytes) - 1);  // the NUL
  return true;
}

bool ReadInterfaceStatistics(const WintunApi&, WINTUN_ADAPTER_HANDLE, uint64_t luid,
                             InterfaceStatistics& statistics, InterfaceFailure& failure) {
  MIB_IF_ROW2 row = {};
  row.InterfaceLuid = NetLuidOf(luid);
  DWORD status = GetIfEntry2(&row);
  if (status != NO_ERROR) return Fail(failure, status, "GetIfEntry2");
  statistics.rx_packets = row.InUcastPkts + row.InNUcastPkts;
  statistics.rx_bytes = row.InOctets;
  statistics.rx_dropped = row.InDiscards;
  statistics.rx_errors = row.InErrors;
  statistics.tx_packets = row.OutUcastPkts + row.OutNUcastPkts;
  statistics.tx_bytes = row.OutOctets;
  statistics.tx_dropped = row.OutDiscards;
  statistics.tx_errors = row.OutErrors;
  return true;
}

}  // namespace magma::wintun
