#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <cstring>

#include "interface_rows_windows.h"
#include "wide_text_windows.h"

namespace magma::netadapters {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", the registry's form of NetCfgInstanceId, in GUID's
// layout: Data1..Data3 as numbers, Data4 as the bytes written.
bool ParseGuid(const std::string& text, GUID& guid) {
  static const char kShape[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
  if (text.size() != sizeof kShape - 1) return false;
  uint8_t digits[32];
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (kShape[i] != 'x') {
      if (text[i] != kShape[i]) return false;
      continue;
    }
    int value = HexDigit(text[i]);
    if (value < 0) return false;
    digits[count++] = static_cast<uint8_t>(value);
  }
  auto number = [&](size_t from, size_t length) {
    uint32_t value = 0;
    for (size_t i = from; i < from + length; ++i) value = (value << 4) | digits[i];
    return value;
  };
  guid.Data1 = number(0, 8);
  guid.Data2 = static_cast<uint16_t>(number(8, 4));
  guid.Data3 = static_cast<uint16_t>(number(12, 4));
  for (size_t i = 0; i < 8; ++i) guid.Data4[i] = static_cast<uint8_t>(number(16 + 2 * i, 2));
  return true;
}

void CopyAddress(const MIB_UNICASTIPADDRESS_ROW& source, UnicastAddress& address) {
  address.prefix_length = source.OnLinkPrefixLength;
  if (source.Address.si_family == AF_INET6) {
    address.family = 6;
    std::memcpy(address.bytes, &source.Address.Ipv6.sin6_addr, 16);
  } else {
    address.family = 4;
    std::memcpy(address.bytes, &source.Address.Ipv4.sin_addr, 4);
  }
}

}  // namespace

InterfaceRows::~InterfaceRows() {
  if (addresses_ != nullptr) FreeMibTable(addresses_);
}

bool InterfaceRows::Load(ListFailure& failure) {
  DWORD status = GetUnicastIpAddressTable(AF_UNSPEC, &addresses_);
  // ERROR_NOT_FOUND: no address on any interface, which is an empty table, not a failure.
  if (status == ERROR_NOT_FOUND) {
    addresses_ = nullptr;
    return true;
  }
  if (status != NO_ERROR) {
    addresses_ = nullptr;
    failure.win32_code = status;
    failure.call = "GetUnicastIpAddressTable";
    return false;
  }
  return true;
}

bool InterfaceRows::Find(const std::string& guid_text, InterfaceRow& row, uint32_t& status) const {
  GUID guid;
  if (!ParseGuid(guid_text, guid)) {
    status = ERROR_INVALID_PARAMETER;
    return false;
  }
  NET_LUID luid;
  DWORD result = ConvertInterfaceGuidToLuid(&guid, &luid);
  if (result != NO_ERROR) {
    status = result;
    return false;
  }
  MIB_IF_ROW2 entry;
  std::memset(&entry, 0, sizeof entry);
  entry.InterfaceLuid = luid;
  result = GetIfEntry2(&entry);
  if (result != NO_ERROR) {
    status = result;
    return false;
  }
  row.luid = entry.InterfaceLuid.Value;
  row.index = entry.InterfaceIndex;
  row.alias = Utf8Of(entry.Alias, wcsnlen(entry.Alias, sizeof entry.Alias / sizeof(wchar_t)));
  row.mtu = entry.Mtu;
  row.oper_status = static_cast<uint32_t>(entry.OperStatus);
  row.media_connect_state = static_cast<uint32_t>(entry.MediaConnectState);
  row.addresses.clear();
  if (addresses_ != nullptr) {
    for (ULONG i = 0; i < addresses_->NumEntries; ++i) {
      const MIB_UNICASTIPADDRESS_ROW& address = addresses_->Table[i];
      if (address.InterfaceLuid.Value != row.luid) continue;
      UnicastAddress copy;
      CopyAddress(address, copy);
      row.addresses.push_back(copy);
    }
  }
  status = 0;
  return true;
}

}  // namespace magma::netadapters
