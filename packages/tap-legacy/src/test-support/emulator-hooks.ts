// Test-only reach into the emulator through the same loaded table the package uses: adapters
// with any ComponentId (a vendor fork the listing must leave out), a second handle holding an
// adapter's device as another program would (reference B.2), an older driver version, and reads
// that come back ERROR_MORE_DATA (B.5).
import { loadTapLibrary } from "../tap-library.js";

/** Makes an adapter whose class key says `componentId`; returns its GUID. */
export function createAdapterWithComponentId(name: string, componentId: string): string {
  return loadTapLibrary(undefined).createAdapter(name, componentId);
}

/** Opens the adapter's device and keeps it open until the returned release is called. */
export function holdAdapter(guid: string): () => void {
  const library = loadTapLibrary(undefined);
  const id = library.holdDevice(guid);
  return () => library.releaseDevice(id);
}

/** GET_VERSION reports this from now on, for every adapter (the emulator's default is 9.27.0). */
export function emulateDriverVersion(major: number, minor: number, debug = 0): void {
  loadTapLibrary(undefined).emulateDriverVersion(major, minor, debug);
}

/** Reads on the adapter behave as if their buffers held `bytes` (0: as posted), B.5. */
export function limitReadBuffers(guid: string, bytes: number): void {
  loadTapLibrary(undefined).limitReadBuffers(guid, bytes);
}
