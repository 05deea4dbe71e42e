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

async function main(): Promise<number> {
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
      "Magma demo, in a network namespace of its own (unshare --net): WinTun API over the emulator (/dev/net/tun)",
    );
  } else {
    console.log("Magma demo: WinTun adapter through wintun.dll");
  }

  const report = await runEchoDemo();
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
