import { describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runMagma } from "./program.js";

async function magma(...args: string[]) {
  const written = { stdout: "", stderr: "" };
  const code = await runMagma(["node", "magma", ...args], {
    stdout: (text) => {
      written.stdout += text;
    },
    stderr: (text) => {
      written.stderr += text;
    },
  });
  return { code, ...written };
}

describe("magma --help", () => {
  it("lists every command and the exit codes", async () => {
    const { code, stdout } = await magma("--help");
    expect(code).toBe(ExitCode.OK);
    for (const command of [
      "doctor",
      "adapters",
      "create",
      "delete",
      "configure",
      "stats",
      "capture",
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(stdout).toContain("3  doctor: a check failed");
    expect(stdout).toContain("8  not supported here");
    expect(stdout).toContain("10  stats, capture: no port with a control endpoint");
  });

  it.each(["doctor", "adapters", "create", "delete", "configure", "stats", "capture"])(
    "has help for %s, with --json",
    async (command) => {
      const { code, stdout } = await magma(command, "--help");
      expect(code).toBe(ExitCode.OK);
      expect(stdout).toContain(`Usage: magma ${command}`);
      expect(stdout).toContain("--json");
    },
  );

  it("says in create's help that the adapter lives while the command runs", async () => {
    expect((await magma("create", "--help")).stdout).toContain("keep it until Ctrl+C");
  });

  it("says in configure's help where DNS settings work", async () => {
    const { stdout } = await magma("configure", "--help");
    expect(stdout).toMatch(/--dns <server>\s+a DNS resolver for the adapter/);
    expect(stdout).toContain("systemd-resolved");
    expect(stdout).toMatch(/--search <domain>\s+a DNS search domain/);
  });
});

describe("exit codes", () => {
  it("exits with USAGE for an unknown command or a missing argument", async () => {
    const unknown = await magma("frobnicate");
    expect(unknown.code).toBe(ExitCode.USAGE);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await magma("configure")).code).toBe(ExitCode.USAGE);
  });

  it("exits with USAGE when configure is given nothing to configure", async () => {
    const { code, stderr } = await magma("configure", "Magma CLI Unit");
    expect(code).toBe(ExitCode.USAGE);
    expect(stderr).toContain("nothing to configure");
  });
});
