export type { ListedAdapter } from "./adapters/listed-adapter.js";
export { CommandError, type CommandErrorCode } from "./command-error.js";
export { type BinaryArchitecture, binaryArchitecture } from "./doctor/binary-architecture.js";
export type { CheckResult, CheckStatus } from "./doctor/check-result.js";
export { linuxChecks, windowsChecks } from "./doctor/checks.js";
export type { LinuxFacts, WindowsFacts } from "./doctor/facts.js";
export { ExitCode, type ExitCodeName, type ExitCodeValue } from "./exit-codes.js";
export type { CommandIo } from "./output.js";
export { runMagma } from "./program.js";
