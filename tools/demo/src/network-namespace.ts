import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { MagmaError } from "@magma/transport";

/** Set in the environment of the demo's own re-run inside the namespace it made. */
export const NAMESPACE_MARK = "MAGMA_DEMO_NETNS";

export function insideDemoNamespace(): boolean {
  return process.env[NAMESPACE_MARK] === "1";
}

/** Why this Linux machine cannot give the demo a network namespace and a TUN device, if it cannot. */
export function namespaceBlocker(): string | undefined {
  if (process.getuid?.() !== 0) {
    return "the demo needs root on Linux, to create a network namespace and a TUN interface (try sudo)";
  }
  if (!existsSync("/dev/net/tun")) {
    return "the demo needs /dev/net/tun (load the tun module: modprobe tun)";
  }
  const probe = spawnSync("unshare", ["--net", "true"], { stdio: "ignore" });
  if (probe.error !== undefined) return "the demo needs `unshare` (Debian: util-linux)";
  if (probe.status !== 0) return "`unshare --net` failed: network namespaces are not allowed here";
  return undefined;
}

/**
 * Runs this same script again under `unshare --net`, marked so it does not recurse, and returns
 * its exit status. The namespace, its interfaces and addresses disappear when that process ends;
 * `timeoutMs` bounds it (it is killed, by its own pid, if it runs longer).
 */
export function rerunInNetworkNamespace(timeoutMs: number): number {
  const script = process.argv[1];
  if (script === undefined) throw new MagmaError("NO_SCRIPT", "cannot tell which script to re-run");
  const result = spawnSync(
    "unshare",
    ["--net", "--", process.execPath, ...process.execArgv, script, ...process.argv.slice(2)],
    {
      stdio: "inherit",
      env: { ...process.env, [NAMESPACE_MARK]: "1" },
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    },
  );
  if (result.error !== undefined) {
    console.error(`magma demo: the run in the namespace failed: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

/** A new namespace's loopback is down; bring it up so local traffic behaves as usual. */
export function bringUpLoopback(): void {
  try {
    execFileSync("ip", ["link", "set", "lo", "up"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    throw new MagmaError("LOOPBACK_DOWN", "cannot bring up lo in the demo's namespace", {
      hint: "install iproute2 (bash tools/setup/install-deps.sh installs it)",
      cause: error,
    });
  }
}
