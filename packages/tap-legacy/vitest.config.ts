import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "tap-legacy",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    server: {
      deps: {
        // The workspace packages' builds load as Node loads them, so a class the test imports
        // (PacketMemoryPool) is the one @magma/wintun-native's CommonJS code checks against.
        external: [/\/packages\/[^/]+\/dist\//],
      },
    },
  },
});
