// The addon's Node-API imports name NODE.EXE (the import library is made from node-api-headers'
// node_api.def), but the process hosting the addon may be a renamed node.exe or Electron, whose
// executable exports the same functions under another file name. The imports are therefore
// delay-loaded (scripts/build-windows.sh makes a delay-import library), and this hook answers the
// loader's request for NODE.EXE with the executable of the current process, before any search:
// neither a missing node.exe nor another node.exe on the search path is ever loaded.
#include <windows.h>
#include <delayimp.h>

namespace {

FARPROC WINAPI LoadHostInsteadOfNodeExe(unsigned notification, PDelayLoadInfo info) {
  if (notification != dliNotePreLoadLibrary) return nullptr;
  if (lstrcmpiA(info->szDll, "node.exe") != 0) return nullptr;
  return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
}

}  // namespace

// The delay-load helper (mingw-w64's libmingwex, MSVC's delayimp.lib) calls this hook first for
// every delay-loaded DLL; defining it here replaces the library's empty default.
extern "C" {
PfnDliHook __pfnDliNotifyHook2 = LoadHostInsteadOfNodeExe;
}
