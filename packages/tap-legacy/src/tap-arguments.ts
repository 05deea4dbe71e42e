import { checkOptionNames, OptionError, stringOption } from "@magma/transport";

/** What the TAP calls accept besides their arguments. */
export interface TapLibraryOptions {
  /**
   * Linux: the tools/tap-windows-emu library (libtapwindowsemu.so) to use instead of
   * `MAGMA_TAP_LIBRARY` or the repository's build. Ignored on Windows, where the calls are
   * kernel32's and advapi32's own.
   */
  readonly libraryPath?: string;
}

// A connection name is an interface alias: at most IF_MAX_STRING_SIZE (256) WCHARs with its NUL
// (ifdef.h). \ / : * ? " < > | and control characters Network Connections refuses in a name.
const MAX_NAME_UNITS = 255;
const FORBIDDEN = '\\/:*?"<>|';
const NAME_RULE =
  'a string of 1 to 255 UTF-16 code units without control characters or any of \\ / : * ? " < > |';
const GUID_RULE = 'a GUID such as "{4D36E972-E325-11CE-BFC1-08002BE10318}" (the braces optional)';
const GUID_SHAPE =
  /^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$/;

/** `options` of a TAP call, checked; the library path to use or undefined for the default. */
export function checkLibraryOptions(where: string, options: unknown): string | undefined {
  checkOptionNames(where, options, ["libraryPath"]);
  const path = stringOption(
    where,
    "libraryPath",
    (options as TapLibraryOptions | undefined)?.libraryPath,
    false,
  );
  if (path === "") {
    throw new OptionError("INVALID_OPTION", where, "libraryPath", path, "a non-empty path");
  }
  return path;
}

/** A connection name Windows would take for a TAP adapter. */
export function checkAdapterName(where: string, option: string, value: unknown): string {
  if (typeof value !== "string" || !isAdapterName(value)) {
    throw new OptionError("INVALID_OPTION", where, option, value, NAME_RULE);
  }
  return value;
}

function isAdapterName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_UNITS) return false;
  if (name.trim() !== name) return false; // Windows trims them; a padded name would never match
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f || FORBIDDEN.includes(name.charAt(i))) return false;
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (low) return false;
    if (high) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** The GUID in the registry's form, "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" in upper case. */
export function checkGuid(where: string, option: string, value: unknown): string {
  const guid = typeof value === "string" ? guidOf(value) : undefined;
  if (guid === undefined) throw new OptionError("INVALID_OPTION", where, option, value, GUID_RULE);
  return guid;
}

/** `text` as a registry GUID, or undefined when it is none. */
export function guidOf(text: string): string | undefined {
  const match = GUID_SHAPE.exec(text);
  // Both braces or neither: "{...-...". is a typo, not a GUID.
  if (match === null || text.startsWith("{") !== text.endsWith("}")) return undefined;
  return `{${(match[1] as string).toUpperCase()}}`;
}
