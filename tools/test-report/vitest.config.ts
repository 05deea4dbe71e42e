import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "test-report",
    include: ["*.test.mjs"],
    // Each test runs a test tool (vitest, node:test, cmake and ctest) on a sample project.
    testTimeout: 60_000,
  },
});
