// Control endpoints of a test file's ports go into a temporary directory of their own
// (MAGMA_CONTROL_DIR), restored and removed after the file; the ports it lists are closed after
// each test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";

/** Registers the hooks; returns the directory and the list to push each opened port to. */
export function useControlDirectory<TPort extends { close(): Promise<void> }>(
  prefix: string,
): { directory: string; ports: TPort[] } {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const ports: TPort[] = [];
  let previousDirectory: string | undefined;
  beforeAll(() => {
    previousDirectory = process.env.MAGMA_CONTROL_DIR;
    process.env.MAGMA_CONTROL_DIR = directory;
  });
  afterEach(async () => {
    for (const port of ports.splice(0)) await port.close();
  });
  afterAll(() => {
    if (previousDirectory === undefined) delete process.env.MAGMA_CONTROL_DIR;
    else process.env.MAGMA_CONTROL_DIR = previousDirectory;
    rmSync(directory, { recursive: true, force: true });
  });
  return { directory, ports };
}
