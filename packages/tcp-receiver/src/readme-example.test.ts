import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { curl, describeKernelPeer } from "./test-support/kernel-peer.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const example = join(packageDir, "examples", "http-server.mjs");

describeKernelPeer("the README's example", () => {
  it("is the file the README shows", () => {
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    expect(readme).toContain(readFileSync(example, "utf8").trim());
  });

  it("serves curl over the adapter, and Ctrl-C closes it cleanly", async () => {
    const child = spawn(process.execPath, [example], {
      cwd: packageDir,
      env: { ...process.env, MAGMA_ADAPTER: "mgt-example" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 15_000;
      while (!output.includes("serving") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(output).toContain("serving http://198.18.0.2/");
      const answer = await curl(["http://198.18.0.2/"], 10);
      expect(answer).toEqual({ code: 0, out: "hello 198.18.0.1, this is 198.18.0.2" });
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
