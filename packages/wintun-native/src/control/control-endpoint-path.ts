import { createHash } from "node:crypto";
import { join } from "node:path";

/** Where Linux ports put their control sockets, unless `MAGMA_CONTROL_DIR` names another place. */
export const DEFAULT_CONTROL_DIRECTORY = "/run/magma";

/** Windows: the named pipes' common prefix, `\\.\pipe\magma-control\<adapter>`. */
const WINDOWS_PIPE_PREFIX = "\\\\.\\pipe\\magma-control\\";

/** `sun_path` holds 108 bytes on Linux, the terminating NUL among them. */
const MAX_SOCKET_PATH_BYTES = 107;

/** A pipe name is at most 256 characters (CreateNamedPipeW), `\\.\pipe\` included. */
const MAX_PIPE_NAME_LENGTH = 256;

/**
 * The control endpoint of the port on adapter `adapterName`, as the port and `magma stats` /
 * `magma capture` both compute it: a Unix socket `<directory>/<name>.sock` on Linux (directory
 * `MAGMA_CONTROL_DIR` or /run/magma), a named pipe on Windows. Wintun matches adapter names
 * without regard to case, so the name is lowercased; characters a file name cannot hold safely
 * are percent-encoded, and a name too long for the platform's limit is replaced by its SHA-256.
 */
export function controlEndpointPath(
  adapterName: string,
  platform: NodeJS.Platform = process.platform,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  const encoded = encodeURIComponent(adapterName.toLowerCase()).replace(/\*/g, "%2A");
  const digest = createHash("sha256").update(adapterName.toLowerCase()).digest("hex");
  if (platform === "win32") {
    const pipe = `${WINDOWS_PIPE_PREFIX}${encoded}`;
    return pipe.length <= MAX_PIPE_NAME_LENGTH ? pipe : `${WINDOWS_PIPE_PREFIX}sha256-${digest}`;
  }
  const directory = environment.MAGMA_CONTROL_DIR || DEFAULT_CONTROL_DIRECTORY;
  const socket = join(directory, `${encoded}.sock`);
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH_BYTES) return socket;
  // 52 bytes with the prefix and suffix: any directory of up to 54 bytes still fits.
  return join(directory, `sha256-${digest.slice(0, 40)}.sock`);
}
