// As tapctl does (OpenVPN src/tapctl/tap.c, tap_set_adapter_name): netsh renames the
// connection through the system's own interface, which keeps the interface alias IP Helper
// reports and the Connection\Name value in step; this file only reads the registry.
#include "tap_connection_name_windows.h"

#include <string>

namespace magma::tap {
namespace {

// A new adapter's Connection key is written by the network setup shortly after its
// NetCfgInstanceId; the same bound as that wait (tap_setupapi_windows.cc), 30 s.
constexpr DWORD kNamePollMilliseconds = 250;
constexpr int kNamePolls = 120;

// netsh renames in well under a second; a netsh that has not ended after this is stuck.
constexpr DWORD kNetshMilliseconds = 30000;

// An interface alias is at most IF_MAX_STRING_SIZE (256) WCHARs with its NUL (ifdef.h).
constexpr DWORD kMaxNameUnits = 257;

TapSetupResult Failed(DWORD code, const char* call, std::string detail) {
  TapSetupResult result;
  result.code = code;
  result.call = call;
  result.detail = std::move(detail);
  return result;
}

std::wstring WideOfAscii(const std::string& text) { return std::wstring(text.begin(), text.end()); }

// Connection\Name under HKLM\...\Control\Network\{4D36E972-...}\{GUID} (B.1.4).
LSTATUS ReadConnectionName(const std::string& guid, std::wstring& name) {
  std::wstring path =
      L"SYSTEM\\CurrentControlSet\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\" +
      WideOfAscii(guid) + L"\\Connection";
  wchar_t text[kMaxNameUnits] = {};
  DWORD bytes = sizeof text;
  LSTATUS status =
      RegGetValueW(HKEY_LOCAL_MACHINE, path.c_str(), L"Name", RRF_RT_REG_SZ, nullptr, text, &bytes);
  if (status == ERROR_SUCCESS) name.assign(text);
  return status;
}

// The system's netsh.exe by its full path, so that no netsh.exe in the application's folder or
// the current directory runs in its place.
bool NetshPath(std::wstring& path) {
  wchar_t system[MAX_PATH] = {};
  UINT length = GetSystemDirectoryW(system, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return false;
  path.assign(system, length);
  path += L"\\netsh.exe";
  return true;
}

// Runs `command` with `program` and waits for it, bounded; `exit_code` is its status.
TapSetupResult RunProgram(const std::wstring& program, std::wstring command, DWORD& exit_code) {
  STARTUPINFOW startup = {};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION process = {};
  // CreateProcessW may write to the command line, so it gets the string's own buffer.
  if (!CreateProcessW(program.c_str(), &command[0], nullptr, nullptr, FALSE, CREATE_NO_WINDOW,
                      nullptr, nullptr, &startup, &process)) {
    return Failed(GetLastError(), "CreateProcessW(netsh.exe)", std::string());
  }
  CloseHandle(process.hThread);
  TapSetupResult result;
  DWORD waited = WaitForSingleObject(process.hProcess, kNetshMilliseconds);
  if (waited == WAIT_TIMEOUT) {
    TerminateProcess(process.hProcess, 1);
    result = Failed(WAIT_TIMEOUT, "WaitForSingleObject(netsh.exe)", "netsh ran for 30 s");
  } else if (waited != WAIT_OBJECT_0) {
    result = Failed(GetLastError(), "WaitForSingleObject(netsh.exe)", std::string());
  } else if (!GetExitCodeProcess(process.hProcess, &exit_code)) {
    result = Failed(GetLastError(), "GetExitCodeProcess(netsh.exe)", std::string());
  }
  CloseHandle(process.hProcess);
  return result;
}

}  // namespace

TapSetupResult SetTapConnectionName(const std::string& guid, const wchar_t* name) {
  std::wstring current;
  LSTATUS status = ERROR_FILE_NOT_FOUND;
  for (int poll = 0; poll < kNamePolls; ++poll) {
    status = ReadConnectionName(guid, current);
    if (status != ERROR_FILE_NOT_FOUND) break;
    Sleep(kNamePollMilliseconds);
  }
  if (status != ERROR_SUCCESS) {
    return Failed(static_cast<DWORD>(status), "RegGetValueW(Connection\\Name)",
                  guid + ": the network setup named no connection");
  }
  if (current == name) return TapSetupResult();
  // Both names go between double quotes, which no connection name may contain (Network
  // Connections refuses \ / : * ? " < > |; tap-arguments.ts checks the new one).
  if (current.find(L'"') != std::wstring::npos || std::wstring(name).find(L'"') != std::wstring::npos) {
    return Failed(ERROR_INVALID_NAME, "netsh interface set interface",
                  guid + ": a connection name with a double quote");
  }
  std::wstring program;
  if (!NetshPath(program)) {
    return Failed(GetLastError(), "GetSystemDirectoryW", std::string());
  }
  std::wstring command = L"netsh.exe interface set interface name=\"" + current +
                         L"\" newname=\"" + name + L"\"";
  DWORD exit_code = 0;
  TapSetupResult result = RunProgram(program, command, exit_code);
  if (result.code != ERROR_SUCCESS) return result;
  if (exit_code != 0) {
    // netsh's status says only that it failed (1), no Win32 code: the name is taken or refused.
    return Failed(ERROR_CAN_NOT_COMPLETE, "netsh interface set interface",
                  guid + ": netsh exited with status " + std::to_string(exit_code));
  }
  return TapSetupResult();
}

}  // namespace magma::tap
