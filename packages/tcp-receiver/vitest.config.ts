import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "tcp-receiver",
    include: ["src/**/*.test.ts"],
    // Network tests move real traffic through the kernel; each bounds its own loops as well.
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});
