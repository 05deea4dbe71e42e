// Types of network-vitest.mjs for the TypeScript tests that ask whether this machine can run
// network tests.

/** Why this machine cannot run network tests, or undefined when it can. */
export function networkTestProblem(): string | undefined;

/** Exits failing when MAGMA_REQUIRE_TUN=1 and network tests cannot run; else returns the problem. */
export function requireNetworkTests(label: string): string | undefined;

/** Runs `vitest run` in `packageDir` inside a fresh network namespace when it can; its exit status. */
export function runVitestInNamespace(options: {
  packageDir: string;
  reportName: string;
  env?: Record<string, string>;
  args?: string[];
}): number;
