import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "wintun-native", include: ["src/**/*.test.ts"] } });
