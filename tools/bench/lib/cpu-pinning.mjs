// MAGMA_BENCH_PIN=1 gives the load generator one CPU and the reflector (all its threads, the
// emulator's included) another, so the two never compete for a core and each reflector is measured
// on exactly one CPU: on a 2-core machine this takes the scheduler's noise out of the comparison.
// The TCP benchmark pins the same way: its kernel-side client (tcp-bulk-client, wrk) as the load
// generator, the endpoint under test as the reflector.
import { availableParallelism } from "node:os";

/** The CPUs to pin to, or undefined when pinning is off (the default). */
export function pinnedCpus() {
  if (process.env.MAGMA_BENCH_PIN !== "1") return undefined;
  if (availableParallelism() < 2) throw new Error("MAGMA_BENCH_PIN=1 needs at least 2 CPUs");
  return { loadGenerator: 0, reflector: 1 };
}
