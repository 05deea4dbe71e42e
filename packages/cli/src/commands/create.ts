import {
  ControlServer,
  type CreateAdapterOptions,
  controlEndpointPath,
  WinTunAdapter,
} from "@magma/wintun-native";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import {
  type ConfigurationOptions,
  configurationFrom,
  describeConfiguration,
} from "./configuration-options.js";
import { type StopSignal, untilStopped } from "./stop-signals.js";

export interface CreateCommandOptions extends ConfigurationOptions {
  readonly guid?: string;
  readonly tunnelType?: string;
  readonly json?: boolean;
}

/**
 * Creates an adapter and keeps it until stopped. A wintun adapter lives as long as the handle of
 * the process that created it: wintun removes it when that handle closes or the process exits
 * (on Linux, the kernel removes the TUN interface with its creator's file). So this command
 * cannot leave an adapter behind when it ends; it holds the adapter while it runs, and removes
 * it on Ctrl+C, SIGTERM or `magma delete`, which asks through this command's control endpoint
 * (role "creator"). Other processes open and use the adapter meanwhile.
 */
export async function createCommand(
  name: string,
  options: CreateCommandOptions,
  io: CommandIo,
  stopped: StopSignal = untilStopped,
): Promise<ExitCodeValue> {
  const configuration = configurationFrom(options);
  const createOptions: CreateAdapterOptions = {
    name,
    ...(options.guid === undefined ? {} : { guid: options.guid }),
    ...(options.tunnelType === undefined ? {} : { tunnelType: options.tunnelType }),
  };
  const adapter = await WinTunAdapter.create(createOptions);
  let endpoint: ControlServer | undefined;
  // Ended by `magma delete`, the wait for a signal is called off: nothing keeps the process.
  const done = new AbortController();
  try {
    if (configuration !== undefined) await adapter.configure(configuration);
    // Listening from here: a signal before this ends the process, which removes the adapter too.
    const signalled = stopped(done.signal);
    let asked!: () => void;
    const deleted = new Promise<void>((resolve) => {
      asked = resolve;
    });
    endpoint = await openCreatorEndpoint(adapter.name, asked, io);
    const stop = Promise.race([signalled, deleted]);
    const created = {
      event: "created",
      name: adapter.name,
      interfaceName: adapter.interfaceName,
      interfaceIndex: adapter.interfaceIndex,
      luid: adapter.luid,
      pid: process.pid,
      ...(configuration === undefined ? {} : { configuration }),
    };
    io.stdout(
      options.json === true
        ? toJson(created, "one line")
        : [
            `Created ${adapter.name} (interface ${adapter.interfaceName}, index ${adapter.interfaceIndex}, LUID 0x${adapter.luid.toString(16)}).`,
            ...(configuration === undefined
              ? []
              : describeConfiguration(configuration).map((line) => `  ${line}`)),
            "The adapter exists while this command runs: Ctrl+C or `magma delete` removes it.",
            "",
          ].join("\n"),
    );
    await stop;
  } finally {
    done.abort();
    adapter.close();
    await endpoint?.close();
  }
  io.stdout(
    options.json === true ? toJson({ event: "removed", name }, "one line") : `Removed ${name}.\n`,
  );
  return ExitCode.OK;
}

// The endpoint `magma delete` asks to remove the adapter. Without it (its path is taken, say by a
// `magma create` of the same name in another network namespace) the command still holds the
// adapter: Ctrl+C removes it, and on Linux `magma delete` still finds this process.
async function openCreatorEndpoint(
  adapterName: string,
  onStop: () => void,
  io: CommandIo,
): Promise<ControlServer | undefined> {
  try {
    return await ControlServer.listen(
      { adapterName, backend: "wintun", role: "creator", stop: onStop },
      controlEndpointPath(adapterName, { role: "creator" }),
      (error) => io.stderr(`magma: the control endpoint failed: ${String(error)}\n`),
    );
  } catch (error) {
    io.stderr(
      `magma: warning: no control endpoint for magma delete (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return undefined;
  }
}
