import {
  type AppliedConfiguration,
  WinTunPort,
  type WinTunTransmitter,
} from "@magma/wintun-native";
import type { DemoPortRequest, OpenedDemoPort } from "./demo-port.js";
import { EchoResponder } from "./echo-responder.js";

/**
 * The demo's port on a WinTun adapter: `WinTunPort` opens the adapter of that name or creates it,
 * and the kernel's side gets its addresses through the port's adapter. Releasing takes those
 * addresses back from an adapter that existed before and closes the port, which removes an adapter
 * it created.
 */
export async function openWinTunDemoPort(request: DemoPortRequest): Promise<OpenedDemoPort> {
  const port = await WinTunPort.create<EchoResponder<WinTunTransmitter>>({
    adapterName: request.adapterName,
    ...(request.libraryPath === undefined ? {} : { libraryPath: request.libraryPath }),
    packetReceiverFactory: (transmitter) => new EchoResponder(transmitter, request.responder),
  });
  let applied: AppliedConfiguration | undefined;
  const release = async (): Promise<void> => {
    try {
      // An adapter that existed before the demo stays, so take back the addresses we gave it.
      if (applied !== undefined && !port.adapter.created) port.adapter.removeConfiguration(applied);
    } finally {
      await port.close();
    }
  };
  try {
    applied = await port.adapter.configure({ addresses: request.kernelAddresses });
  } catch (error) {
    await release();
    throw error;
  }
  return { port, release };
}
