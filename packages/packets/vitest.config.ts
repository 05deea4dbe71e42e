import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "packets", include: ["src/**/*.test.ts"] } });
