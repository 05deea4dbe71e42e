import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "package-check",
    include: ["src/**/*.test.ts"],
    // Packs every published package once for all test files (see src/pack-packages.ts).
    globalSetup: ["src/pack-packages.ts"],
    // Packing, installing from tarballs and type analysis take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
