import { execFileSync } from "node:child_process";
import { describe } from "vitest";

/**
 * True inside the network namespace scripts/run-tests.mjs makes for the suite (root,
 * /dev/net/tun). Outside it the end-to-end tests skip, which the runner turns into a failure when
 * MAGMA_REQUIRE_TUN=1.
 */
export const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";

/** `describe` for tests that create adapters and move kernel traffic; skipped outside the namespace. */
export const describeNetwork: ReturnType<typeof describe.skipIf> = describe.skipIf(
  !inTestNamespace,
);

export function linkExists(name: string): boolean {
  try {
    execFileSync("ip", ["link", "show", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The interface's addresses with their prefixes, link-local ones left out. */
export function interfaceAddresses(name: string): string[] {
  const output = execFileSync("ip", ["-o", "addr", "show", "dev", name], { encoding: "utf8" });
  return output
    .split("\n")
    .map((line) => /inet6? (\S+)/.exec(line)?.[1])
    .filter((address): address is string => address !== undefined && !address.startsWith("fe80"));
}
