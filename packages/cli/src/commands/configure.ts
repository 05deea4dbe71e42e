import { WinTunAdapter } from "@magma/wintun-native";
import { CommandError } from "../command-error.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import {
  type ConfigurationOptions,
  configurationFrom,
  describeConfiguration,
} from "./configuration-options.js";

export interface ConfigureCommandOptions extends ConfigurationOptions {
  readonly json?: boolean;
}

/**
 * Configures an adapter that exists (another process created it). The addresses, routes and MTU
 * belong to the interface, so they stay after this command closes its handle; an opened handle
 * does not remove the adapter.
 */
export async function configureCommand(
  name: string,
  options: ConfigureCommandOptions,
  io: CommandIo,
): Promise<ExitCodeValue> {
  const configuration = configurationFrom(options);
  if (configuration === undefined) {
    throw new CommandError("INVALID_ARGUMENT", "nothing to configure", {
      hint: "give --address, --route or --mtu",
    });
  }
  const adapter = await WinTunAdapter.open(name);
  try {
    await adapter.configure(configuration);
    const applied = {
      adapter: adapter.name,
      interfaceName: adapter.interfaceName,
      ...configuration,
    };
    io.stdout(
      options.json === true
        ? toJson(applied)
        : `Configured ${adapter.name} (${adapter.interfaceName}):\n${describeConfiguration(
            configuration,
          )
            .map((line) => `  ${line}\n`)
            .join("")}`,
    );
  } finally {
    adapter.close();
  }
  return ExitCode.OK;
}
