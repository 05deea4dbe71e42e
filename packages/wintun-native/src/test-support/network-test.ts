import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe } from "vitest";

/**
 * True inside the network namespace scripts/run-tests.mjs makes for the suite (root,
 * /dev/net/tun). Outside it the network tests skip, which the runner turns into a failure when
 * MAGMA_REQUIRE_TUN=1.
 */
export const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";

/** `describe` for tests that create adapters and move kernel traffic; skipped outside the namespace. */
export const describeNetwork: ReturnType<typeof describe.skipIf> = describe.skipIf(
  !inTestNamespace,
);

/**
 * The environment for the system's tools (ip, tshark, capinfos, ...): without the sanitizer runtime
 * the AddressSanitizer and ThreadSanitizer runs preload into the test processes, which is for our
 * code only (capinfos, for one, deadlocks in its start-up under a preloaded libasan).
 */
export function toolEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  return env;
}

/** Runs a system tool and returns its standard output; a failure throws with its stderr. */
export function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: toolEnvironment(),
    // A tool that never ends fails its test instead of holding the run until CI's limit.
    timeout: 60_000,
  });
}

/** Gives the adapter's interface an IPv4 /24 (the kernel's side is .1) with IPv6 off, and brings it up. */
export function configureLink(name: string, subnet: number, mtu?: number): void {
  run("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
  run("ip", ["addr", "add", `198.18.${subnet}.1/24`, "dev", name]);
  if (mtu !== undefined) run("ip", ["link", "set", name, "mtu", String(mtu)]);
  run("ip", ["link", "set", name, "up"]);
}

export function linkExists(name: string): boolean {
  try {
    run("ip", ["link", "show", name]);
    return true;
  } catch {
    return false;
  }
}

/** Threads of this process right now (the receive thread and the emulator's threads show here). */
export function threadCount(): number {
  return Number(
    /^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN,
  );
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
