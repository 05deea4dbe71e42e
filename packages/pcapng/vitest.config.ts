import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "pcapng", include: ["src/**/*.test.ts"] } });
