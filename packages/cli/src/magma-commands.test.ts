import { once } from "node:events";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { resolvedOnSystemBus } from "@magma/wintun-native";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import {
  bin,
  magma,
  run,
  scratchWithControlDirectory,
  startHolding,
  stopStarted,
  testSupport,
} from "./test-support/magma-process.js";

// End to end: the built `magma` against the emulator, in the network namespace the test runner
// made (scripts/run-tests.mjs). Names and subnets (198.18.150-159.x) are this file's own.
const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";
const holder = join(testSupport, "hold-adapter.mjs");
const { controlDirectory } = scratchWithControlDirectory("magma-cli-control-");
afterEach(stopStarted);

async function listed(): Promise<Array<Record<string, unknown>>> {
  const { code, stdout } = await magma("adapters", "--json");
  expect(code).toBe(ExitCode.OK);
  return (JSON.parse(stdout) as { adapters: Array<Record<string, unknown>> }).adapters;
}

describe.runIf(inTestNamespace)("magma against the emulator", () => {
  it("creates, lists, configures, checks and deletes an adapter", async () => {
    const name = "Magma CLI E2E";
    const { child: creator, firstLine } = await startHolding([
      bin,
      "create",
      name,
      "--address",
      "198.18.150.1/24",
      "--json",
    ]);
    const created = JSON.parse(firstLine);
    expect(created).toMatchObject({ event: "created", name, pid: creator.pid });
    const interfaceName = created.interfaceName as string;

    expect(await listed()).toEqual([
      expect.objectContaining({
        name,
        interfaceName,
        interfaceIndex: created.interfaceIndex,
        luid: created.luid,
        backend: "wintun",
        state: "idle",
        creatorAlive: true,
        addresses: expect.arrayContaining(["198.18.150.1/24"]),
      }),
    ]);

    const configured = await magma(
      "configure",
      name,
      "--address",
      "198.18.151.1/24",
      "--route",
      "198.18.152.0/24",
      "--mtu",
      "1400",
    );
    expect(configured.code).toBe(ExitCode.OK);
    expect(configured.stdout).toBe(
      `Configured ${name} (${interfaceName}):\n  address 198.18.151.1/24\n  route 198.18.152.0/24\n  mtu 1400\n`,
    );
    const { stdout: routes } = await run("ip", ["-j", "route", "show", "198.18.152.0/24"]);
    expect(JSON.parse(routes)).toEqual([expect.objectContaining({ dev: interfaceName })]);

    const table = await magma("adapters");
    expect(table.stdout).toMatch(
      new RegExp(
        `^${name}\\s+${interfaceName}\\s+${created.interfaceIndex}\\s+0x[0-9a-f]+\\s+-\\s+wintun\\s+idle\\s+.*198\\.18\\.151\\.1/24`,
        "m",
      ),
    );

    const doctor = await magma("doctor", "--adapter", name, "--json");
    expect(doctor.code).toBe(ExitCode.OK);
    const checks = JSON.parse(doctor.stdout).checks as Array<{
      id: string;
      status: string;
      detail: string;
    }>;
    expect(checks.find((check) => check.id === "adapters")).toMatchObject({ status: "pass" });
    expect(checks.find((check) => check.id === "wintun-library")).toMatchObject({ status: "pass" });
    const human = await magma("doctor", "--adapter", name);
    expect(human.stdout).toContain(`✓ Magma adapters: "${name}" exists`);

    const deleted = await magma("delete", name, "--json");
    expect(deleted.code).toBe(ExitCode.OK);
    expect(JSON.parse(deleted.stdout)).toMatchObject({
      deleted: name,
      interfaceName,
      how: `asked magma create (process ${creator.pid}), which held it, to remove it`,
    });
    let creatorOutput = "";
    creator.stdout?.on("data", (chunk: string) => {
      creatorOutput += chunk;
    });
    const [exitCode] = await once(creator, "exit");
    expect(exitCode).toBe(0);
    // It finished its work before exiting: said so, and removed its control socket.
    expect(creatorOutput).toContain(`{"event":"removed","name":"${name}"}`);
    expect(readdirSync(controlDirectory)).toEqual([]);
    expect(await listed()).toEqual([]);
  });

  it("removes the adapter it created on Ctrl+C (SIGINT) and exits with OK", async () => {
    const name = "Magma CLI Interrupted";
    const { child } = await startHolding([bin, "create", name, "--address", "198.18.156.1/24"]);
    expect((await listed()).map((adapter) => adapter.name)).toContain(name);
    let output = "";
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
    });
    child.kill("SIGINT");
    const [exitCode] = await once(child, "exit");
    expect(exitCode).toBe(0);
    expect(output).toContain(`Removed ${name}.`);
    expect((await listed()).map((adapter) => adapter.name)).not.toContain(name);
  });

  it("exits with NOT_FOUND for an adapter that does not exist, and CHECKS_FAILED from doctor", async () => {
    const configure = await magma("configure", "Magma CLI Absent", "--address", "198.18.153.1/24");
    expect(configure.code).toBe(ExitCode.NOT_FOUND);
    expect(configure.stderr).toContain("magma: ");
    expect((await magma("delete", "Magma CLI Absent")).code).toBe(ExitCode.NOT_FOUND);
    const doctor = await magma("doctor", "--adapter", "Magma CLI Absent");
    expect(doctor.code).toBe(ExitCode.CHECKS_FAILED);
    expect(doctor.stdout).toContain('✗ Magma adapters: no adapter named "Magma CLI Absent"');
  });

  it("exits with ACCESS_DENIED for a user without CAP_NET_ADMIN, with the hint", async () => {
    // setpriv (util-linux) drops to nobody with no capabilities, as an ordinary user runs it.
    const drop = [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
    ];
    const denied = await run("setpriv", [
      ...drop,
      process.execPath,
      bin,
      "create",
      "Magma CLI Denied",
      "--json",
    ]).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(denied.code).toBe(ExitCode.ACCESS_DENIED);
    expect(JSON.parse(denied.stdout).error).toMatchObject({
      code: "ERROR_ACCESS_DENIED",
      hint: expect.stringContaining("CAP_NET_ADMIN"),
    });
  });

  it("exits with CONFIGURATION for an address the library refuses", async () => {
    const name = "Magma CLI Refused";
    await startHolding([bin, "create", name, "--json"]);
    const result = await magma("configure", name, "--address", "198.18.154.0/24", "--json");
    expect(result.code).toBe(ExitCode.CONFIGURATION);
    expect(JSON.parse(result.stdout).error).toMatchObject({
      kind: "IpConfigurationError",
      exitCode: 7,
    });
  });

  // CI's machine runs no systemd-resolved: the library's typed refusal becomes exit code 8.
  it.runIf(!resolvedOnSystemBus())(
    "exits with UNSUPPORTED for --dns where systemd-resolved does not run, addresses undone",
    async () => {
      const name = "Magma CLI Dns";
      await startHolding([bin, "create", name, "--json"]);
      const text = await magma(
        "configure",
        name,
        "--address",
        "198.18.157.1/24",
        "--dns",
        "198.18.157.53",
      );
      expect(text.code).toBe(ExitCode.UNSUPPORTED);
      expect(text.stderr).toContain("SetInterfaceDnsSettings failed for DNS servers 198.18.157.53");
      expect(text.stderr).toContain("hint: per-adapter DNS on Linux is systemd-resolved's");
      const json = await magma("configure", name, "--search", "corp.example", "--json");
      expect(json.code).toBe(ExitCode.UNSUPPORTED);
      expect(JSON.parse(json.stdout).error).toMatchObject({
        kind: "IpHelperError",
        code: "ERROR_NOT_SUPPORTED",
        exitCode: 8,
      });
      const listed = await magma("adapters", "--json");
      expect(listed.stdout).not.toContain("198.18.157.1");
    },
  );

  it("does not stop another program's adapter without --force", async () => {
    const name = "Magma CLI Other";
    const { child } = await startHolding([holder, "create", name]);
    const refused = await magma("delete", name);
    expect(refused.code).toBe(ExitCode.OWNED_ELSEWHERE);
    expect(refused.stderr).toContain(`belongs to process ${child.pid}`);
    const forced = await magma("delete", name, "--force");
    expect(forced.code).toBe(ExitCode.OK);
    expect(forced.stdout).toContain(`stopped process ${child.pid}`);
  });

  it("finds the leftover of a crashed creator, which doctor fails and delete removes", async () => {
    const name = "Magma CLI Leftover";
    const { child: creator } = await startHolding([holder, "create", name]);
    // Another process's session keeps the interface when its creator dies.
    await startHolding([holder, "session", name]);
    creator.kill("SIGKILL");
    await once(creator, "exit");

    expect(await listed()).toEqual([expect.objectContaining({ name, creatorAlive: false })]);
    const doctor = await magma("doctor", "--json");
    expect(doctor.code).toBe(ExitCode.CHECKS_FAILED);
    const leftovers = (JSON.parse(doctor.stdout).checks as Array<{ id: string }>).find(
      (check) => check.id === "leftovers",
    );
    expect(leftovers).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("ip link delete dev"),
    });

    const deleted = await magma("delete", name);
    expect(deleted.code).toBe(ExitCode.OK);
    expect(deleted.stdout).toContain("deleted the leftover interface");
    expect(await listed()).toEqual([]);
  });
});
