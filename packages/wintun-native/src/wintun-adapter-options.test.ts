import { OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { WinTunAdapter } from "./wintun-adapter.js";

// Every refusal here happens before the library is loaded or any system call is made, so these
// tests need no namespace (the names would otherwise be created in the test namespace).

async function refusal(promise: Promise<unknown>): Promise<OptionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error("expected an OptionError");
}

const NAME_RULE =
  'a string of 1 to 127 UTF-16 code units without control characters or any of \\ / : * ? " < > |';

const BAD_NAMES: readonly unknown[] = [
  undefined,
  42,
  null,
  "",
  "x".repeat(128),
  "tab\there",
  "new\nline",
  "nul\0name",
  "del\u007f",
  "lone\ud800surrogate",
  "\udc00low first",
  ...'\\/:*?"<>|'.split("").map((c) => `bad${c}name`),
];

describe("WinTunAdapter options", () => {
  for (const [where, call] of [
    ["WinTunAdapter.create", (options: unknown) => WinTunAdapter.create(options as never)],
    [
      "WinTunAdapter.openOrCreate",
      (options: unknown) => WinTunAdapter.openOrCreate(options as never),
    ],
  ] as const) {
    it(`${where} refuses a missing or non-object options argument`, async () => {
      for (const options of [undefined, null, "mgw-ad", 42, ["mgw-ad"]]) {
        const error = await refusal(call(options));
        expect(error.code).toBe("INVALID_OPTION");
        expect(error.where).toBe(where);
        expect(error.option).toBe("options");
        expect(error.value).toBe(options);
      }
    });

    it(`${where} refuses an unknown option, naming the ones it has`, async () => {
      const error = await refusal(call({ name: "mgw-ad", tunnelTyp: "Magma" }));
      expect(error.code).toBe("UNKNOWN_OPTION");
      expect(error.where).toBe(where);
      expect(error.option).toBe("tunnelTyp");
      expect(error.allowed).toBe("name, tunnelType, guid, libraryPath");
    });

    it(`${where} refuses a name wintun or Windows would refuse: wrong type, empty, too long, forbidden or control characters, broken UTF-16`, async () => {
      for (const name of BAD_NAMES) {
        const error = await refusal(call({ name }));
        expect(error.code).toBe("INVALID_OPTION");
        expect(error.where).toBe(where);
        expect(error.option).toBe("name");
        expect(error.value).toBe(name);
        expect(error.allowed).toBe(NAME_RULE);
      }
    });

    it(`${where} refuses a tunnelType of the wrong type, too long (129 code units) or with a NUL`, async () => {
      for (const tunnelType of [42, null, "x".repeat(129), "Mag\0ma"]) {
        const error = await refusal(call({ name: "mgw-ad", tunnelType }));
        expect(error.code).toBe("INVALID_OPTION");
        expect(error.option).toBe("tunnelType");
        expect(error.value).toBe(tunnelType);
        expect(error.allowed).toBe("a string of at most 128 UTF-16 code units without NUL");
      }
    });

    it(`${where} refuses a guid that is no GUID string`, async () => {
      for (const guid of [
        42,
        "deadbabe",
        "deadbabe-cafe-beef-0123-456789abcdeg",
        new Uint8Array(16),
      ]) {
        const error = await refusal(call({ name: "mgw-ad", guid }));
        expect(error.code).toBe("INVALID_OPTION");
        expect(error.option).toBe("guid");
        expect(error.value).toBe(guid);
        expect(error.allowed).toMatch(/^a GUID string/);
      }
    });

    it(`${where} refuses a libraryPath that is not a string`, async () => {
      for (const libraryPath of [42, null, new URL("file:///lib.so")]) {
        const error = await refusal(call({ name: "mgw-ad", libraryPath }));
        expect(error.code).toBe("INVALID_OPTION");
        expect(error.option).toBe("libraryPath");
        expect(error.allowed).toBe("a string");
      }
    });
  }

  it("WinTunAdapter.open refuses the names create refuses", async () => {
    for (const name of BAD_NAMES) {
      const error = await refusal(WinTunAdapter.open(name as string));
      expect(error.code).toBe("INVALID_OPTION");
      expect(error.where).toBe("WinTunAdapter.open");
      expect(error.option).toBe("name");
      expect(error.value).toBe(name);
    }
  });

  it("WinTunAdapter.open refuses unknown options and a libraryPath that is not a string", async () => {
    const unknown = await refusal(WinTunAdapter.open("mgw-ad", { libraryPth: "x" } as never));
    expect(unknown.code).toBe("UNKNOWN_OPTION");
    expect(unknown.option).toBe("libraryPth");
    expect(unknown.allowed).toBe("libraryPath");
    const notObject = await refusal(WinTunAdapter.open("mgw-ad", "x" as never));
    expect(notObject.option).toBe("options");
    const path = await refusal(WinTunAdapter.open("mgw-ad", { libraryPath: 42 } as never));
    expect(path.code).toBe("INVALID_OPTION");
    expect(path.option).toBe("libraryPath");
  });

  it("says in the message what to change", async () => {
    const error = await refusal(WinTunAdapter.create({ name: "a/b" }));
    expect(error.message).toBe(`WinTunAdapter.create: name must be ${NAME_RULE}, got "a/b"`);
  });
});
