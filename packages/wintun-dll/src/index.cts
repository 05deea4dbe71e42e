export { WintunDllError, type WintunDllErrorCode } from "./wintun-dll-error.cjs";
export { wintunDllFile, wintunDllPath } from "./wintun-dll-path.cjs";
export {
  isWintunDllArch,
  WINTUN_DLL_PINS,
  WINTUN_VERSION,
  type WintunDllArch,
  type WintunDllPin,
} from "./wintun-dll-pins.cjs";
