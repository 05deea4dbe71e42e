// Installs the packed tarballs with npm into a project outside the workspace, as a user would,
// and loads every package there with require() and with import. The project's folder name holds a
// space and a "#", which a file URL must escape: the CommonJS build finds the addon from its own
// file URL, so a wrongly built URL fails here.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { networkTestProblem } from "../../test-report/network-vitest.mjs";
import { exampleAsCommonJs, exampleAsModule, examplePeerAddress } from "./clean-room-example.js";
import { packageManifest, publishedPackageDirs } from "./published-packages.js";

const ERROR_NOT_FOUND = 1168;

let project: string;
let noCompilerBin: string;
let installOutput: string;

/** The absolute path of a command on this machine's PATH. */
function which(command: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  if (found.status !== 0) throw new Error(`${command} is not on PATH`);
  return realpathSync(found.stdout.trim());
}

/**
 * A PATH of its own holding node, npm and sh only, as on a machine with Node.js and no compiler:
 * the install must find a prebuild, since a build from source would fail there.
 */
function makeNoCompilerBin(): string {
  const bin = mkdtempSync(join(tmpdir(), "magma-no-compiler-"));
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync(which("npm"), join(bin, "npm"));
  symlinkSync(which("sh"), join(bin, "sh"));
  return bin;
}

function fileSpec(tarball: string): string {
  return `file:${tarball}`;
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "magma clean room #"));
  const tarballs = inject("tarballs");
  const dependencies: Record<string, string> = {};
  for (const [dir, tarball] of Object.entries(tarballs)) {
    dependencies[packageManifest(dir).name] = fileSpec(tarball);
  }
  // The packages depend on each other by version range; the overrides make npm take those from
  // the tarballs too, never from the registry (node-addon-api still comes from there).
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "clean-room", private: true, dependencies, overrides: dependencies }),
  );
  noCompilerBin = makeNoCompilerBin();
  // --foreground-scripts: the install step's own words (which addon it found) reach the output.
  const install = spawnSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--foreground-scripts"],
    { cwd: project, encoding: "utf8", env: userEnv() },
  );
  installOutput = `${install.stdout}${install.stderr}`;
  if (install.status !== 0)
    throw new Error(`npm install of the tarballs failed:\n${installOutput}`);
  for (const script of ["use-packages.cjs", "use-packages.mjs"]) {
    copyFileSync(join(import.meta.dirname, "..", "clean-room", script), join(project, script));
  }
});

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
  if (noCompilerBin !== undefined) rmSync(noCompilerBin, { recursive: true, force: true });
});

/**
 * The environment of a user's program in the clean room: only node, npm and sh on PATH, and none
 * of the variables that name another addon or wintun library, so the installed packages find
 * their own.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: noCompilerBin };
  delete env.MAGMA_WINTUN_ADDON;
  delete env.MAGMA_WINTUN_LIBRARY;
  return env;
}

function runInProject(script: string): Record<string, unknown> {
  const run = spawnSync(process.execPath, [script], {
    cwd: project,
    encoding: "utf8",
    env: userEnv(),
  });
  if (run.status !== 0) throw new Error(`node ${script} failed:\n${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("the packed packages, installed with npm outside the workspace", () => {
  it("load with require() and work: a UDP packet built, a pool slot rented, typed errors", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.udp).toEqual({
      length: 20 + 8 + 4,
      parsed: true,
      checksumValid: true,
      version: 4,
      protocol: 17,
      source: "198.18.0.1",
      destination: "198.18.0.2",
    });
    expect(seen.pool).toEqual({ rentedLength: 2048 });
    expect(seen.poolError).toEqual({
      name: "OptionError",
      isOptionError: true,
      isPoolsOptionError: true,
      isMagmaError: true,
    });
    expect(seen.tcpError).toEqual({
      name: "TcpConfigurationError",
      isTcpConfigurationError: true,
      isMagmaError: true,
    });
    expect(seen.sameClassThroughEveryPackage).toBe(true);
  });

  it("give the path of the installed package's own wintun.dll through require()", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.dll).toEqual({ inPackage: true, exists: true });
    expect(seen.dllError).toEqual({
      name: "WintunDllError",
      code: "UNSUPPORTED_ARCH",
      isWintunDllError: true,
    });
  });

  it("load the addon through require() and throw WinTunError, a MagmaError, from it", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.adapterError).toEqual({
      name: "WinTunError",
      code: ERROR_NOT_FOUND,
      isWinTunError: true,
      isMagmaError: true,
    });
  });

  it("give import the same names as require(), each the very same value", () => {
    const seen = runInProject("use-packages.mjs") as {
      exports: Record<string, { imported: string[]; required: string[] }>;
      notShared: string[];
    };
    expect(Object.keys(seen.exports).sort()).toEqual(
      publishedPackageDirs.map((dir) => packageManifest(dir).name).sort(),
    );
    for (const { imported, required } of Object.values(seen.exports)) {
      expect(imported.length).toBeGreaterThan(0);
      expect(imported).toEqual(required);
    }
    expect(seen.notShared).toEqual([]);
  });

  it("throw errors through import that are instances of the classes require() gives", () => {
    const seen = runInProject("use-packages.mjs");
    expect(seen.icmpLength).toBe(20 + 8);
    expect(seen.adapterError).toEqual({
      name: "WinTunError",
      code: ERROR_NOT_FOUND,
      isRequiredWinTunError: true,
      isRequiredMagmaError: true,
    });
    expect(seen.poolErrorIsRequiredOptionError).toBe(true);
  });
});

describe("the install, on a PATH with Node.js and no compiler", () => {
  it("has no compiler to fall back on", () => {
    const look = spawnSync("sh", ["-c", "command -v cc gcc g++ c++ clang cmake make"], {
      encoding: "utf8",
      env: { PATH: noCompilerBin },
    });
    expect(look.stdout).toBe("");
    expect(look.status).not.toBe(0);
  });
});

describe("the installed addon and wintun library", () => {
  const prebuild = /prebuilds\/linux-x64\/magma_wintun\.napi\.glibc\.node$/;

  it.runIf(process.platform === "linux" && process.arch === "x64")(
    "are the linux-x64 prebuild, as the install step said, and @magma/wintun-linux's libwintun.so",
    () => {
      expect(installOutput).toMatch(
        /@magma\/wintun-native: using the prebuild .*prebuilds\/linux-x64\/magma_wintun\.napi\.glibc\.node/,
      );
      const script = [
        'const { nativeAddonLocation, WinTunLibrary } = require("@magma/wintun-native");',
        "console.log(JSON.stringify({ addon: nativeAddonLocation(), library: WinTunLibrary.load().path }));",
      ].join("\n");
      const run = spawnSync(process.execPath, ["-e", script], {
        cwd: project,
        encoding: "utf8",
        env: userEnv(),
      });
      expect(run.stderr).toBe("");
      const { addon, library } = JSON.parse(run.stdout) as {
        addon: { source: string; path: string };
        library: string;
      };
      expect(addon.source).toBe("prebuild");
      expect(addon.path.startsWith(join(realpathSync(project), "node_modules"))).toBe(true);
      expect(addon.path).toMatch(prebuild);
      expect(library).toBe(
        join(
          realpathSync(project),
          "node_modules",
          "@magma",
          "wintun-linux",
          "prebuilds",
          "linux-x64",
          "libwintun.so",
        ),
      );
    },
  );
});

describe("the installed magma command", () => {
  it.runIf(process.platform === "linux")(
    "runs as `npm exec magma doctor` and finds the installed wintun library",
    () => {
      const run = spawnSync("npm", ["exec", "--offline", "--", "magma", "doctor", "--json"], {
        cwd: project,
        encoding: "utf8",
        env: userEnv(),
      });
      // 0 when every check passed, 3 when one failed (this machine may lack something).
      expect([0, 3], run.stderr).toContain(run.status);
      const report = JSON.parse(run.stdout) as {
        checks: { id: string; status: string; detail: string }[];
      };
      const library = report.checks.find((check) => check.id === "wintun-library");
      expect(library?.status).toBe("pass");
      expect(library?.detail).toContain(
        join(realpathSync(project), "node_modules", "@magma", "wintun-linux"),
      );
      expect(report.checks.find((check) => check.id === "node")?.status).toBe("pass");
    },
  );
});

const networkProblem = networkTestProblem();
if (networkProblem !== undefined && process.env.MAGMA_REQUIRE_TUN === "1") {
  throw new Error(`MAGMA_REQUIRE_TUN=1 but ${networkProblem}`);
}

/**
 * Runs `script` (in the project) with the project's PATH in a network namespace of its own, pings
 * the address it answers for from the kernel's side three times, then ends it with SIGINT as a
 * user's Ctrl+C would. Returns ping's and the example's exit statuses and the example's output.
 */
function runExampleInNamespace(script: string): { ping: string; exit: string; output: string } {
  const log = join(project, `${script}.log`);
  // Besides node, the script names its tools by path: the PATH it gets has only node, npm and sh.
  const commands = [
    `${which("ip")} link set lo up`,
    `node ${script} > '${log}' 2>&1 &`,
    "pid=$!",
    // Bounded: 10 s for the adapter to be configured and the responder to say so.
    `i=0; while ! ${which("grep")} -q 'answering pings' '${log}' && [ $i -lt 100 ]; do i=$((i+1)); ${which("sleep")} 0.1; done`,
    `${which("ping")} -n -c 3 -i 0.2 -W 2 ${examplePeerAddress} > '${log}.ping' 2>&1; echo "ping=$?"`,
    'kill -INT "$pid"; wait "$pid"; echo "exit=$?"',
  ];
  const run = spawnSync(which("unshare"), ["--net", which("sh"), "-c", commands.join("\n")], {
    cwd: project,
    encoding: "utf8",
    env: userEnv(),
    timeout: 60_000,
  });
  const read = (file: string) => spawnSync("cat", [file], { encoding: "utf8" }).stdout;
  return {
    ping: `${run.stdout.match(/ping=(\d+)/)?.[1]}: ${read(`${log}.ping`)}`,
    exit: run.stdout.match(/exit=(\d+)/)?.[1] ?? `none (${run.stdout}${run.stderr})`,
    output: read(log),
  };
}

describe.skipIf(networkProblem !== undefined)(
  "the README's ping responder, run from the clean room in a network namespace",
  () => {
    it.each([
      { form: "an ES module", file: "ping-responder.mjs", source: exampleAsModule },
      { form: "CommonJS", file: "ping-responder.cjs", source: exampleAsCommonJs },
    ])(
      "as $form: answers the kernel's pings and ends on SIGINT with no slot rented",
      ({ file, source }) => {
        writeFileSync(join(project, file), source());
        const { ping, exit, output } = runExampleInNamespace(file);
        expect(ping, output).toMatch(/^0: [\s\S]*3 packets transmitted, 3 received/);
        expect(output).toContain("answering pings to 198.18.131.0/24");
        // Three echo replies sent; the kernel may send the adapter more than the pings (its own
        // multicast reports), which the responder declines.
        expect(output).toContain("txPackets: 3,");
        expect(output).toContain("pool slots still rented: 0");
        expect(exit).toBe("0");
      },
    );
  },
);
