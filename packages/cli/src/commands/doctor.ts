import { CommandError } from "../command-error.js";
import type { CheckResult } from "../doctor/check-result.js";
import { formatChecks, linuxChecks, windowsChecks } from "../doctor/checks.js";
import { gatherLinuxFacts } from "../doctor/gather-linux.js";
import { gatherWindowsFacts } from "../doctor/gather-windows.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";

export interface DoctorOptions {
  readonly adapter?: string;
  readonly json?: boolean;
}

async function runChecks(options: DoctorOptions): Promise<CheckResult[]> {
  if (process.platform === "linux") return linuxChecks(await gatherLinuxFacts(options.adapter));
  if (process.platform === "win32") return windowsChecks(await gatherWindowsFacts(options.adapter));
  throw new CommandError("UNSUPPORTED", `magma does not run on ${process.platform}`, {
    hint: "wintun exists for Windows; Magma emulates it on Linux",
  });
}

/** Prints the checks' report; CHECKS_FAILED when any check failed (warnings do not fail). */
export function printDoctorReport(
  results: readonly CheckResult[],
  json: boolean,
  io: CommandIo,
): ExitCodeValue {
  const failed = results.filter((result) => result.status === "fail").length;
  const warnings = results.filter((result) => result.status === "warn").length;
  io.stdout(
    json ? toJson({ ok: failed === 0, failed, warnings, checks: results }) : formatChecks(results),
  );
  return failed === 0 ? ExitCode.OK : ExitCode.CHECKS_FAILED;
}

export async function doctorCommand(options: DoctorOptions, io: CommandIo): Promise<ExitCodeValue> {
  return printDoctorReport(await runChecks(options), options.json === true, io);
}
