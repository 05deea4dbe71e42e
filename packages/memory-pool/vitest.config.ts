import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "memory-pool", include: ["src/**/*.test.ts"] } });
