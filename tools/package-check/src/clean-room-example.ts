// The README's ping responder (packages/wintun-native/examples/ping-responder.ts), made runnable in
// the clean room as a user would write it in plain JavaScript: once as an ES module, once as
// CommonJS. Only the types are erased (TypeScript's transpileModule); the CommonJS form wraps the
// top-level code in an async function, which CommonJS needs for its `await`s.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { workspaceRoot } from "./published-packages.js";

export const exampleSource = join(
  workspaceRoot,
  "packages",
  "wintun-native",
  "examples",
  "ping-responder.ts",
);

/** The address the example gives the adapter, and one inside its /24 that it answers for. */
export const exampleAdapterAddress = "198.18.131.1";
export const examplePeerAddress = "198.18.131.2";

const compilerOptions = { target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false };

export function exampleAsModule(): string {
  const { outputText } = ts.transpileModule(readFileSync(exampleSource, "utf8"), {
    compilerOptions: { ...compilerOptions, module: ts.ModuleKind.ESNext },
  });
  return outputText;
}

export function exampleAsCommonJs(): string {
  const source = readFileSync(exampleSource, "utf8");
  const lines = source.split("\n");
  const firstCode = lines.findIndex(
    (line, index) =>
      index > 0 && !line.startsWith("import") && lines[index - 1]?.startsWith("import"),
  );
  const imports = lines.slice(0, firstCode).join("\n");
  const body = lines.slice(firstCode).join("\n");
  const wrapped = `${imports}\nasync function main() {\n${body}\n}\nmain().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
  const { outputText } = ts.transpileModule(wrapped, {
    compilerOptions: { ...compilerOptions, module: ts.ModuleKind.CommonJS },
  });
  return outputText;
}
