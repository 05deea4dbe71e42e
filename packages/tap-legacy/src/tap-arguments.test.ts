import { OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { checkAdapterName, checkGuid, guidOf } from "./tap-arguments.js";

describe("TAP call arguments", () => {
  it("normalises GUIDs to the registry's braced upper-case form", () => {
    const text = "4d36e972-e325-11ce-bfc1-08002be10318";
    expect(guidOf(text)).toBe("{4D36E972-E325-11CE-BFC1-08002BE10318}");
    expect(guidOf(`{${text}}`)).toBe("{4D36E972-E325-11CE-BFC1-08002BE10318}");
    expect(guidOf(`{${text}`)).toBeUndefined();
    expect(guidOf(`${text}}`)).toBeUndefined();
    expect(guidOf(`${text}0`)).toBeUndefined();
    expect(guidOf("Magma")).toBeUndefined();
    expect(() => checkGuid("where", "guid", "Magma")).toThrow(OptionError);
  });

  it("takes connection names Windows takes and refuses the others, naming the rule", () => {
    expect(checkAdapterName("where", "name", "Magma TAP 1")).toBe("Magma TAP 1");
    expect(checkAdapterName("where", "name", "x".repeat(255))).toHaveLength(255);
    expect(checkAdapterName("where", "name", "tap \ud83d\ude00")).toBe("tap \ud83d\ude00");
    for (const bad of ["", "x".repeat(256), "a:b", "a|b", "line\nbreak", "trailing ", "\udc00x"]) {
      let caught: unknown;
      try {
        checkAdapterName("createTapAdapter", "name", bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OptionError);
      expect((caught as OptionError).where).toBe("createTapAdapter");
      expect((caught as OptionError).allowed).toMatch(/1 to 255 UTF-16 code units/);
    }
  });
});
