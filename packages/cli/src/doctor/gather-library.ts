import { open } from "node:fs/promises";
import { WinTunLibrary, wintunLibrarySearch } from "@magma/wintun-native";
import { reportError } from "../error-report.js";
import { binaryArchitecture, HEADER_BYTES } from "./binary-architecture.js";
import type { LibraryFacts } from "./facts.js";

/** The first bytes of a file, enough for binaryArchitecture. */
export async function readHeader(path: string): Promise<Uint8Array> {
  const file = await open(path, "r");
  try {
    const buffer = new Uint8Array(HEADER_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Searches for, loads and asks the wintun library, the way WinTunLibrary.load() does. */
export async function gatherLibrary(): Promise<LibraryFacts> {
  const search = wintunLibrarySearch();
  // Windows' own search ("") loads whatever System32 holds: read that file's header.
  // A chosen file that is not there has no header to read: the library check says it is missing.
  const binaryPath =
    search.chosen === ""
      ? search.candidates.find((candidate) => candidate.found)?.path
      : search.candidates.find((candidate) => candidate.found && candidate.path === search.chosen)
          ?.path;
  let binary: LibraryFacts["binary"];
  if (binaryPath !== undefined) {
    try {
      binary = binaryArchitecture(await readHeader(binaryPath));
    } catch (error) {
      binary = { error: message(error) };
    }
  }
  let library: WinTunLibrary;
  try {
    library = WinTunLibrary.load();
  } catch (error) {
    const report = reportError(error);
    return {
      search,
      load: { loaded: false, code: report.code, message: report.message, hint: report.hint },
      binary,
      binaryPath,
      driver: undefined,
    };
  }
  let driver: LibraryFacts["driver"];
  try {
    driver = library.runningDriverVersion();
  } catch (error) {
    driver = { error: message(error) };
  }
  return { search, load: { loaded: true, path: library.path }, binary, binaryPath, driver };
}
