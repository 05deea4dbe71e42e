// Injected by esbuild into the CommonJS build in place of `import.meta.url`, which CommonJS lacks.
// pathToFileURL escapes what a bare "file:" + __filename would not (spaces, "#", "%"), so a
// package installed under such a folder still finds its files. The call is marked pure so that
// esbuild leaves it out of the bundles that never read `import.meta.url`.
import { pathToFileURL } from "node:url";

function thisBundleUrl() {
  return pathToFileURL(__filename).href;
}

export const importMetaUrl = /* @__PURE__ */ thisBundleUrl();
