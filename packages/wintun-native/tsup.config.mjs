import { defineConfig } from "tsup";
import { dualPackage } from "../../tools/package-check/dual-package.mjs";

export default defineConfig(
  dualPackage(
    {
      index: "src/index.ts",
      // Not exported by the package: the tests load the addon through it, as index does.
      "native-addon": "src/native-addon.ts",
    },
    // The program of a port's worker threads, which the port starts by its path.
    { "port-worker": "src/workers/port-worker.ts" },
  ),
);
