import { OptionError } from "@magma/transport";
import { DEMO_USAGE, type DemoArguments, parseDemoArguments } from "./demo-arguments.js";
import type { DemoBackend } from "./demo-port.js";
import { demoSucceeded, formatDemoReport } from "./demo-report.js";
import { runEchoDemo } from "./echo-demo.js";
import {
  bringUpLoopback,
  insideDemoNamespace,
  namespaceBlocker,
  rerunInNetworkNamespace,
} from "./network-namespace.js";

// The whole demo normally takes a few seconds; these bound it when something hangs.
const NAMESPACE_RUN_LIMIT_MS = 90_000;
const DEMO_LIMIT_MS = 75_000;
// As the magma CLI's: 2 is a wrong command line.
const WRONG_COMMAND_LINE = 2;

/** What the demo runs on, as its first line says. */
const BACKEND_TEXT: Readonly<Record<DemoBackend, { linux: string; windows: string }>> = {
  wintun: {
    linux: "WinTun API over the emulator (/dev/net/tun)",
    windows: "WinTun adapter through wintun.dll",
  },
  tap: {
    linux: "TAP-Windows API over the emulator (tools/tap-windows-emu, /dev/net/tun)",
    windows: "TAP-Windows adapter through the tap0901 driver",
  },
};

async function main(): Promise<number> {
  let args: DemoArguments;
  try {
    args = parseDemoArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    console.error(`${error.message}\n${DEMO_USAGE}`);
    return WRONG_COMMAND_LINE;
  }
  const linux = process.platform === "linux";
  if (linux && !insideDemoNamespace()) {
    const blocker = namespaceBlocker();
    if (blocker !== undefined) {
      console.error(`magma demo: ${blocker}`);
      return 1;
    }
    return rerunInNetworkNamespace(NAMESPACE_RUN_LIMIT_MS);
  }

  setTimeout(() => {
    console.error(`magma demo: still running after ${DEMO_LIMIT_MS / 1000} s; giving up`);
    process.exit(2);
  }, DEMO_LIMIT_MS).unref();
  if (linux) {
    bringUpLoopback();
    console.log(
      `Magma demo, in a network namespace of its own (unshare --net): ${BACKEND_TEXT[args.backend].linux}`,
    );
  } else {
    console.log(`Magma demo: ${BACKEND_TEXT[args.backend].windows}`);
  }

  const report = await runEchoDemo({ backend: args.backend });
  console.log(formatDemoReport(report));
  return demoSucceeded(report) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`magma demo: ${text}`);
    process.exitCode = 1;
  },
);
