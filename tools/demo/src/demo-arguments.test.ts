import { OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { parseDemoArguments } from "./demo-arguments.js";

describe("the demo's command line", () => {
  it("takes --backend wintun or tap, in either spelling, with wintun by default", () => {
    expect(parseDemoArguments([])).toEqual({ backend: "wintun" });
    expect(parseDemoArguments(["--backend", "tap"])).toEqual({ backend: "tap" });
    expect(parseDemoArguments(["--backend=wintun"])).toEqual({ backend: "wintun" });
    // `pnpm demo -- --backend tap` hands the script its `--` too.
    expect(parseDemoArguments(["--", "--backend", "tap"])).toEqual({ backend: "tap" });
  });

  it("refuses any other backend, a missing value, an unknown option and stray words", () => {
    const wrong = [
      ["--backend", "TAP"],
      ["--backend", ""],
      ["--backend"],
      ["--backends", "tap"],
      ["tap"],
      ["--backend", "tap", "--backend", "tun"],
    ];
    for (const args of wrong) {
      expect(() => parseDemoArguments(args), args.join(" ")).toThrow(OptionError);
    }
    expect(() => parseDemoArguments(["--backend", "tun"])).toThrow(
      'magma demo: --backend must be "wintun" or "tap", got "tun"',
    );
  });
});
