import { libraryPath as packageLibraryPath } from "@magma/wintun-linux";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspaceCandidate } from "./library-path.js";
import { describeNetwork, linkExists, run } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

// Interfaces nobody made with wintun: a persistent TUN (down, with an address and an owner) and a
// persistent multi-queue TAP (up, with an address and a changed MTU), as `ip tuntap add` makes
// them. Creating, opening or open-or-creating an adapter of their name must fail with
// ERROR_ALREADY_EXISTS and leave them exactly as they were, with the library users get
// (@magma/wintun-linux) and with the test build of the same sources.
const FOREIGN = [
  {
    name: "mgw-fx-tun",
    up: false,
    setup: [
      ["tuntap", "add", "dev", "mgw-fx-tun", "mode", "tun", "user", "4321", "group", "4321"],
      ["addr", "add", "198.18.150.1/24", "dev", "mgw-fx-tun"],
    ],
  },
  {
    name: "mgw-fx-tap",
    up: true,
    setup: [
      ["tuntap", "add", "dev", "mgw-fx-tap", "mode", "tap", "multi_queue", "user", "4321"],
      ["link", "set", "mgw-fx-tap", "mtu", "1400", "up"],
      ["addr", "add", "198.18.151.1/24", "dev", "mgw-fx-tap"],
    ],
  },
];

/** Everything `ip` says about the interface: link details (flags, owner, queues, MTU) and addresses. */
function describeLink(name: string): unknown {
  return {
    link: JSON.parse(run("ip", ["-d", "-j", "link", "show", "dev", name])),
    addresses: JSON.parse(run("ip", ["-j", "addr", "show", "dev", name])),
  };
}

async function refusal(attempt: () => Promise<WinTunAdapter>): Promise<WinTunError> {
  let adapter: WinTunAdapter | undefined;
  try {
    adapter = await attempt();
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  adapter.close();
  throw new Error(`${adapter.interfaceName} was ${adapter.created ? "created" : "opened"}`);
}

describeNetwork("interfaces wintun did not create", () => {
  beforeAll(() => {
    for (const { setup } of FOREIGN) for (const args of setup) run("ip", args);
  });
  afterAll(() => {
    for (const { name } of FOREIGN) if (linkExists(name)) run("ip", ["link", "del", name]);
  });

  const libraries = [
    { which: "the library of @magma/wintun-linux", path: () => packageLibraryPath() },
    { which: "the test build of tools/wintun-emu", path: () => workspaceCandidate()?.path },
  ];
  for (const { which, path } of libraries) {
    describe(which, () => {
      for (const { name, up } of FOREIGN) {
        it(`refuses ${name} with ERROR_ALREADY_EXISTS and leaves it unchanged`, async () => {
          const libraryPath = path();
          expect(libraryPath, "not built").toBeDefined();
          const options = { name, libraryPath: libraryPath as string };
          const before = describeLink(name);
          // The snapshot holds what a takeover would change: flags (UP), owner, addresses.
          expect(before).toMatchObject({
            link: [{ linkinfo: { info_data: { persist: true, user: 4321 } } }],
            addresses: [{ addr_info: [expect.objectContaining({ family: "inet" })] }],
          });
          const flags = (before as { link: { flags: string[] }[] }).link[0]?.flags;
          expect(flags?.includes("UP")).toBe(up);
          for (const attempt of [
            () => WinTunAdapter.create(options),
            () => WinTunAdapter.open(name, { libraryPath: options.libraryPath }),
            () => WinTunAdapter.openOrCreate(options),
          ]) {
            const error = await refusal(attempt);
            expect(error.code).toBe(183);
            expect(error.symbol).toBe("ERROR_ALREADY_EXISTS");
            expect(error.hint).toMatch(/did not create.*left untouched/);
          }
          expect(describeLink(name)).toEqual(before);
        });
      }
    });
  }
});
