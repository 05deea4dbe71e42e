// Test-only reach into the emulator through the same loaded table the package uses: adapters
// with any ComponentId (a vendor fork the listing must leave out), and a second handle holding an
// adapter's device as another program would (reference B.2).
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
