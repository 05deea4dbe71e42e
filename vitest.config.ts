import { defineConfig } from "vitest/config";

// One command from the root runs every package's suite; each package also runs its own through turbo.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "tools/*/vitest.config.ts"],
  },
});
