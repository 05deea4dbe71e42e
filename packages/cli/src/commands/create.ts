import { type CreateAdapterOptions, WinTunAdapter } from "@magma/wintun-native";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import {
  type ConfigurationOptions,
  configurationFrom,
  describeConfiguration,
} from "./configuration-options.js";
import { untilStopped } from "./stop-signals.js";

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
 * it on Ctrl+C, SIGTERM or `magma delete`. Other processes open and use it meanwhile.
 */
export async function createCommand(
  name: string,
  options: CreateCommandOptions,
  io: CommandIo,
  stopped: () => Promise<unknown> = untilStopped,
): Promise<ExitCodeValue> {
  const configuration = configurationFrom(options);
  const createOptions: CreateAdapterOptions = {
    name,
    ...(options.guid === undefined ? {} : { guid: options.guid }),
    ...(options.tunnelType === undefined ? {} : { tunnelType: options.tunnelType }),
  };
  const adapter = await WinTunAdapter.create(createOptions);
  try {
    if (configuration !== undefined) await adapter.configure(configuration);
    // Listening from here: a signal before this ends the process, which removes the adapter too.
    const stop = stopped();
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
    adapter.close();
  }
  io.stdout(
    options.json === true ? toJson({ event: "removed", name }, "one line") : `Removed ${name}.\n`,
  );
  return ExitCode.OK;
}
