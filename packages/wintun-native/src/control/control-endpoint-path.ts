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
 * Who serves an endpoint: the port running on the adapter (`control: true`), or the process that
 * created the adapter and holds it (`magma create`), which `magma delete` asks to remove it.
 */
export type ControlRole = "port" | "creator";

export interface ControlEndpointPathOptions {
  readonly role?: ControlRole;
  readonly platform?: NodeJS.Platform;
  readonly environment?: NodeJS.ProcessEnv;
}

/**
 * The control endpoint for adapter `adapterName`, as the serving process and its clients both
 * compute it: a Unix socket `<directory>/<name>.sock` (`<name>.creator.sock` for the creator) on
 * Linux (directory `MAGMA_CONTROL_DIR` or /run/magma), a named pipe on Windows. Wintun matches
 * adapter names without regard to case, so the name is lowercased; characters a file name cannot
 * hold safely are percent-encoded, and a name too long for the platform's limit is replaced by
 * its SHA-256.
 */
export function controlEndpointPath(
  adapterName: string,
  options: ControlEndpointPathOptions = {},
): string {
  const { role = "port", platform = process.platform, environment = process.env } = options;
  const suffix = role === "creator" ? ".creator" : "";
  const encoded = `${encodeURIComponent(adapterName.toLowerCase()).replace(/\*/g, "%2A")}${suffix}`;
  const digest = createHash("sha256").update(adapterName.toLowerCase()).digest("hex");
  if (platform === "win32") {
    const pipe = `${WINDOWS_PIPE_PREFIX}${encoded}`;
    return pipe.length <= MAX_PIPE_NAME_LENGTH
      ? pipe
      : `${WINDOWS_PIPE_PREFIX}sha256-${digest}${suffix}`;
  }
  const directory = environment.MAGMA_CONTROL_DIR || DEFAULT_CONTROL_DIRECTORY;
  const socket = join(directory, `${encoded}.sock`);
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH_BYTES) return socket;
  // At most 60 bytes with the prefixes and suffixes: any directory of up to 46 bytes still fits.
  return join(directory, `sha256-${digest.slice(0, 40)}${suffix}.sock`);
}
