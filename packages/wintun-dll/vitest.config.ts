import { defineProject } from "vitest/config";

export default defineProject({
  // The package's runtime files are CommonJS TypeScript (.cts), which Vite leaves untransformed by default.
  oxc: { include: /\.[cm]?tsx?$/ },
  test: { name: "wintun-dll", include: ["src/**/*.test.ts"], testTimeout: 60_000 },
});
