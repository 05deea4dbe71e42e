import { defineConfig } from "tsup";
import { dualPackage } from "../../tools/package-check/dual-package.mjs";

export default defineConfig(dualPackage({ index: "src/index.ts" }));
