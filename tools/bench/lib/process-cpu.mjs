// CPU time of a running process, all its threads included, read from /proc/<pid>/stat; and the
// whole machine's busy time, from /proc/stat.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond;

function clockTicksPerSecond() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** User + system CPU seconds the process has used so far (exited threads included). */
export function readProcessCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]); // field 14, utime
  const systemTicks = Number(fields[12]); // field 15, stime
  return (userTicks + systemTicks) / clockTicksPerSecond();
}

/**
 * Busy CPU seconds of the whole machine so far, all CPUs summed (user, nice, system, irq, softirq,
 * steal): the difference over a window, divided by its length, is in cores (2 = both of 2 busy).
 */
export function readMachineBusySeconds() {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / clockTicksPerSecond();
}
