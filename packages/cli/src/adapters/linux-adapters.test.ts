import { describe, expect, it } from "vitest";
import { formatAdapters } from "../commands/adapters.js";
import { adapter } from "../test-support/doctor-facts.js";
import { isMagmaCreate } from "./creator-process.js";
import { adaptersFromIpJson, creatorMarkInode, creatorMarks } from "./linux-adapters.js";

const procNetUnix = [
  "Num       RefCount Protocol Flags    Type St Inode Path",
  "0000000074952923: 00000002 00000000 00000000 0002 01 3114567 @wintun-emu:adapter:2",
  "0000000074952924: 00000002 00000000 00000000 0002 01 3114570 @wintun-emu:session:2",
  "0000000074952925: 00000003 00000000 00000000 0001 03 3114571 /run/systemd/notify",
  "0000000074952926: 00000003 00000000 00000000 0001 03 3114572",
].join("\n");

/** `ip -j -d address show` of an interface, shaped as the emulator makes adapters unless told. */
function ipLink(
  index: number,
  fields: Record<string, unknown> = {},
  tun: Record<string, unknown> = {},
) {
  return {
    ifindex: index,
    ifname: `if${index}`,
    flags: ["POINTOPOINT", "NOARP", "UP"],
    mtu: 1500,
    ifalias: `Adapter ${index}`,
    linkinfo: {
      info_kind: "tun",
      info_data: { type: "tun", pi: false, multi_queue: true, persist: false, ...tun },
    },
    addr_info: [],
    ...fields,
  };
}

describe("creatorMarks", () => {
  it("finds the interface indexes whose creator mark is bound", () => {
    expect([...creatorMarks(procNetUnix)]).toEqual([2]);
    expect(creatorMarkInode(procNetUnix, 2)).toBe(3114567);
    expect(creatorMarkInode(procNetUnix, 3)).toBeUndefined();
  });
});

describe("adaptersFromIpJson", () => {
  it("lists the adapters with their LUID, state and addresses, and marks leftovers", () => {
    const links = [
      { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], mtu: 65536 },
      ipLink(2, {
        flags: ["POINTOPOINT", "UP", "LOWER_UP"],
        mtu: 1420,
        addr_info: [{ family: "inet", local: "198.18.150.1", prefixlen: 24 }],
      }),
      ipLink(3),
    ];
    const adapters = adaptersFromIpJson(links, new Set([2]));
    expect(adapters).toEqual([
      {
        name: "Adapter 2",
        guid: undefined,
        luid: (53n << 48n) | (2n << 24n),
        interfaceIndex: 2,
        interfaceName: "if2",
        backend: "wintun",
        state: "session",
        creatorAlive: true,
        mtu: 1420,
        addresses: ["198.18.150.1/24"],
      },
      expect.objectContaining({ interfaceIndex: 3, state: "idle", creatorAlive: false }),
    ]);
  });

  it("leaves out TUNs the library did not shape: persistent, single-queue, TAP, without alias", () => {
    const links = [
      ipLink(4, {}, { persist: true }),
      ipLink(5, {}, { multi_queue: false }),
      ipLink(6, {}, { type: "tap" }),
      ipLink(7, { ifalias: undefined }),
    ];
    expect(adaptersFromIpJson(links, new Set([4, 5, 6, 7]))).toEqual([]);
  });

  it("refuses output that is no list", () => {
    expect(() => adaptersFromIpJson({}, new Set())).toThrow(TypeError);
  });
});

describe("formatAdapters", () => {
  it("prints one adapter a line under a header, leftovers named as such", () => {
    const text = formatAdapters([
      adapter(),
      adapter({ name: "Old", interfaceName: "Old", creatorAlive: false, addresses: [] }),
    ]);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^NAME\s+INTERFACE\s+INDEX\s+LUID\s+GUID\s+BACKEND\s+STATE\s+ADDRESSES$/,
    );
    expect(lines[1]).toMatch(
      /^Magma VPN\s+Magma-VPN\s+7\s+0x35000007000000\s+-\s+wintun\s+session\s+198\.18\.150\.1\/24$/,
    );
    expect(lines[2]).toContain("leftover (creator exited)");
  });

  it("says when there is none", () => {
    expect(formatAdapters([])).toBe("No adapter.\n");
  });
});

describe("isMagmaCreate", () => {
  it("recognises magma create run through node, the bin file or npx's shim", () => {
    expect(
      isMagmaCreate(["node", "/app/node_modules/@magma/cli/bin/magma.cjs", "create", "VPN"]),
    ).toBe(true);
    expect(isMagmaCreate(["node", "/app/node_modules/.bin/magma", "create", "VPN"])).toBe(true);
  });

  it("does not take another program, or another magma command, for it", () => {
    expect(isMagmaCreate(["node", "/srv/vpn.js", "create"])).toBe(false);
    expect(isMagmaCreate(["node", "/app/node_modules/.bin/magma", "configure", "create"])).toBe(
      false,
    );
  });
});
