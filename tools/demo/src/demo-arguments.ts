import { parseArgs } from "node:util";
import { OptionError } from "@magma/transport";
import { checkDemoBackend, DEMO_BACKENDS, type DemoBackend } from "./demo-port.js";

/** The demo command's one-line usage, printed after a wrong command line. */
export const DEMO_USAGE = `usage: run-demo.js [--backend ${DEMO_BACKENDS.join("|")}]   (from the repository root: pnpm demo -- --backend tap)`;

export interface DemoArguments {
  readonly backend: DemoBackend;
}

const WHERE = "magma demo";

/**
 * The demo's command line: `--backend wintun|tap` (or `--backend=tap`), default wintun. Anything
 * else is an `OptionError` that names what was wrong, thrown before the demo touches the network.
 */
export function parseDemoArguments(args: readonly string[]): DemoArguments {
  let backend: string | undefined;
  try {
    ({
      values: { backend },
    } = parseArgs({
      // pnpm passes the `--` of `pnpm demo -- --backend tap` on to the script.
      args: args[0] === "--" ? args.slice(1) : [...args],
      options: { backend: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // parseArgs' own TypeErrors (ERR_PARSE_ARGS_*), e.g. an unknown option or --backend alone.
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "the command line",
      args.join(" "),
      `--backend ${DEMO_BACKENDS.join("|")} and nothing else`,
      error instanceof Error ? error.message : String(error),
    );
  }
  return { backend: checkDemoBackend(WHERE, "--backend", backend ?? "wintun") };
}
