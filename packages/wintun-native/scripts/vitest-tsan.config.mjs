// The package's vitest configuration plus the setup file that turns ThreadSanitizer reports into
// failed tests (scripts/tsan-report-check.mjs). Used by scripts/run-tsan-tests.sh only.
import { mergeConfig } from "vitest/config";
import base from "../vitest.config.ts";

export default mergeConfig(base, { test: { setupFiles: ["./scripts/tsan-report-check.mjs"] } });
