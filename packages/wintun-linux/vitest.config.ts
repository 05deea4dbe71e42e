import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "wintun-linux", include: ["src/**/*.test.ts"] } });
