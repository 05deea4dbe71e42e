import { Command, CommanderError, Option } from "commander";
import { adaptersCommand } from "./commands/adapters.js";
import { captureCommand } from "./commands/capture.js";
import { collect } from "./commands/configuration-options.js";
import { configureCommand } from "./commands/configure.js";
import { createCommand } from "./commands/create.js";
import { deleteCommand } from "./commands/delete.js";
import { doctorCommand } from "./commands/doctor.js";
import { statsCommand } from "./commands/stats.js";
import { reportError } from "./error-report.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { type CommandIo, processIo, toJson } from "./output.js";

const EXIT_CODES_HELP = `
Exit codes:
  0  success (doctor: no check failed)    5  not allowed: root/CAP_NET_ADMIN, Administrator
  1  unexpected failure                   6  wintun library missing or of another architecture
  2  wrong command line                   7  configuration refused or not applied
  3  doctor: a check failed               8  not supported here (DNS without its service)
  4  no adapter of that name              9  delete: adapter owned by another program
                                         10  stats, capture: no port with a control endpoint`;

const JSON_HELP = "print JSON for scripts instead of text";

function configurationOptions(command: Command): Command {
  return command
    .option(
      "--address <prefix>",
      "an address with its prefix length, e.g. 198.18.0.1/24 (repeatable)",
      collect,
    )
    .option(
      "--route <destination[,nexthop]>",
      "a route through the adapter, e.g. 198.19.0.0/16 (repeatable)",
      collect,
    )
    .option("--mtu <bytes>", "the interface MTU (576 to 65535; 1280 or more with IPv6)")
    .addOption(
      new Option(
        "--dns <server>",
        "a DNS resolver for the adapter (repeatable; Windows 10 2004 or later, Linux with systemd-resolved, else exit code 8)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--search <domain>",
        "a DNS search domain for the adapter (repeatable; where --dns works)",
      ).argParser(collect),
    );
}

/** The `magma` program; each action stores its exit code in `result`. */
function buildProgram(io: CommandIo, result: { code: ExitCodeValue }): Command {
  const program = new Command("magma")
    .description(
      "Check, create and configure Magma's wintun adapters; watch and capture the ports on them.",
    )
    .addHelpText("after", EXIT_CODES_HELP)
    .showHelpAfterError("(magma --help lists the commands)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const done = (code: ExitCodeValue) => {
    result.code = code;
  };
  program
    .command("doctor")
    .description(
      "check the wintun library, driver, rights and adapters, and say how to fix what fails",
    )
    .option("--adapter <name>", "also check that this adapter exists")
    .option("--json", JSON_HELP)
    .addHelpText(
      "after",
      "\nEach check prints ✓ (passed), ✗ (failed, with the fix), ! (a warning) or - (not checked here).\nExits with 3 when a check failed.",
    )
    .action(async (options) => done(await doctorCommand(options, io)));
  program
    .command("adapters")
    .description(
      "list the adapters: name, interface, index, LUID, GUID, backend, state (Linux: of this network namespace)",
    )
    .option("--json", JSON_HELP)
    .action(async (options) => done(await adaptersCommand(options, io)));
  configurationOptions(
    program
      .command("create")
      .description(
        "create an adapter and keep it until Ctrl+C, SIGTERM or `magma delete` (wintun removes an adapter when its creator ends)",
      )
      .argument("<name>", "the adapter's name")
      .option("--guid <guid>", "a fixed GUID, which keeps the network identity across runs")
      .option("--tunnel-type <type>", "shown as '<type> Tunnel' in the device description", "Magma")
      .option("--json", "print one JSON line when created and one when removed"),
  ).action(async (name: string, options) => done(await createCommand(name, options, io)));
  program
    .command("delete")
    .description(
      "remove an adapter: asks the `magma create` that holds it to remove it (Linux: also a leftover, or with --force another program's)",
    )
    .argument("<name>", "the adapter's name")
    .option("--force", "Linux: also end another program that created the adapter (SIGTERM)")
    .option("--json", JSON_HELP)
    .action(async (name: string, options) => done(await deleteCommand(name, options, io)));
  configurationOptions(
    program
      .command("configure")
      .description("give an existing adapter addresses, routes, an MTU and DNS settings")
      .argument("<name>", "the adapter's name")
      .option("--json", JSON_HELP),
  ).action(async (name: string, options) => done(await configureCommand(name, options, io)));
  program
    .command("stats")
    .description(
      "show the counters of the port running on an adapter (the program must run it with control: true)",
    )
    .argument("<name>", "the adapter's name")
    .option("--watch", "show them again every interval, with rates, until Ctrl+C")
    .option("--interval <seconds>", "seconds between samples with --watch", "1")
    .option("--count <samples>", "with --watch: stop after this many samples")
    .option("--json", "print JSON (with --watch: one line per sample)")
    .action(async (name: string, options) => done(await statsCommand(name, options, io)));
  program
    .command("capture")
    .description(
      "capture the packets of the port running on an adapter, both directions, into a pcapng file (the program must run it with control: true)",
    )
    .argument("<name>", "the adapter's name")
    .requiredOption("-w, --write <file>", 'the pcapng file to write, "-" for standard output')
    .option("--count <packets>", "stop after this many packets")
    .option("--duration <seconds>", "stop after this many seconds")
    .option("--snaplen <bytes>", "keep at most this many bytes of each packet (1 to 65535)")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nStops at --count, --duration, Ctrl+C or the port's end; the file is whole either way.\nRead it with Wireshark, tshark -r FILE or capinfos FILE.",
    )
    .action(async (name: string, options) => done(await captureCommand(name, options, io)));
  return program;
}

/**
 * Runs `magma` with `argv` (process.argv: node, script, then the arguments) and returns the exit
 * code (ExitCode). Errors are printed, to stderr for people, as `{ "error": … }` on stdout with
 * --json, and decide the code; nothing is thrown.
 */
export async function runMagma(
  argv: readonly string[],
  io: CommandIo = processIo,
): Promise<ExitCodeValue> {
  const result: { code: ExitCodeValue } = { code: ExitCode.OK };
  try {
    await buildProgram(io, result).parseAsync([...argv]);
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end the parse with an "error" whose exit code is 0.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const report = reportError(error);
    if (argv.includes("--json")) {
      io.stdout(toJson({ error: report }));
    } else {
      io.stderr(
        `magma: ${report.message}\n${report.hint === undefined ? "" : `  hint: ${report.hint}\n`}`,
      );
    }
    return report.exitCode;
  }
}
