import {
  createTapAdapter,
  deleteTapAdapter,
  type TapAdapterInfo,
  TapError,
  TapErrorCode,
  TapPort,
  type TapTransmitter,
} from "@magma/tap-legacy";
import type { DemoPortRequest, OpenedDemoPort } from "./demo-port.js";
import { EchoResponder } from "./echo-responder.js";

/**
 * The demo's port on a TAP-Windows adapter. `TapPort` opens adapters but never makes them, so
 * this makes one of that name first (`createTapAdapter`: Linux's emulator; on Windows, tapctl
 * makes it beforehand) unless one exists, which is then used and left in place. The port gives the
 * kernel's side its addresses (`network`) and takes them back when it closes; releasing closes the
 * port, then removes the adapter made here.
 */
export async function openTapDemoPort(request: DemoPortRequest): Promise<OpenedDemoPort> {
  const library = request.libraryPath === undefined ? {} : { libraryPath: request.libraryPath };
  const made = await createUnlessNamed(request.adapterName, library);
  const removeMade = async (): Promise<void> => {
    if (made !== undefined) await deleteTapAdapter(made.guid, library);
  };
  let port: TapPort<EchoResponder<TapTransmitter>>;
  try {
    port = await TapPort.create<EchoResponder<TapTransmitter>>({
      adapterName: request.adapterName,
      network: { addresses: request.kernelAddresses },
      ...library,
      packetReceiverFactory: (transmitter) => new EchoResponder(transmitter, request.responder),
    });
  } catch (error) {
    await removeMade();
    throw error;
  }
  const opened = port;
  const release = async (): Promise<void> => {
    try {
      await opened.close();
    } finally {
      await removeMade();
    }
  };
  return { port: opened, release };
}

/** The adapter made, or undefined when one of that name exists already (DUP_NAME). */
async function createUnlessNamed(
  name: string,
  library: { libraryPath?: string },
): Promise<TapAdapterInfo | undefined> {
  try {
    return await createTapAdapter(name, library);
  } catch (error) {
    if (error instanceof TapError && error.code === TapErrorCode.DUP_NAME) return undefined;
    throw error;
  }
}
