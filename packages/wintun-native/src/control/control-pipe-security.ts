import { nativeAddon } from "../native-addon.js";
import { Win32Error } from "../win32-error-names.js";
import { isNativeWin32Failure, translateNativeError } from "../wintun-error.js";
import { ControlError } from "./control-protocol.js";

/**
 * Makes the control endpoint's named pipe (Windows) reachable only by Administrators and SYSTEM,
 * as its Unix socket is only by its user. libuv creates the pipe with the default security
 * descriptor, which also lets Everyone and Anonymous connect for reading, and takes no other; so
 * once the server listens, the addon replaces the pipe's DACL, which all its instances share
 * (native/src/control/pipe_security.h). Until then a non-administrator may connect read-only, and
 * keeps that connection, but learns nothing on it: the port writes nothing before a hello, which
 * such a client cannot send. Doing so connects to the pipe for a moment: the server sees one
 * connection that ends without a word. Throws `ControlError` ACCESS_DENIED in a process that is
 * neither an elevated Administrator nor SYSTEM (the pipe would shut it out), else ENDPOINT_PATH.
 */
export function restrictControlPipe(path: string): void {
  try {
    nativeAddon().restrictPipeToAdministrators(path);
  } catch (error) {
    const cause = translateNativeError(error);
    if (isNativeWin32Failure(error) && error.win32Code === Win32Error.ACCESS_DENIED) {
      throw new ControlError(
        "ACCESS_DENIED",
        `cannot keep the control pipe ${path} to Administrators and SYSTEM`,
        {
          hint: "run as Administrator (elevated), or open the port without control",
          cause,
        },
      );
    }
    throw new ControlError("ENDPOINT_PATH", `cannot set the security of the control pipe ${path}`, {
      cause,
    });
  }
}
