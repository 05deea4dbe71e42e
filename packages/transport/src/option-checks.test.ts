import { describe, expect, it } from "vitest";
import { MagmaError } from "./magma-error.js";
import {
  booleanOption,
  checkOptionNames,
  choiceOption,
  functionOption,
  integerOption,
  stringOption,
} from "./option-checks.js";
import { describeValue, OptionError } from "./option-error.js";

function thrown(action: () => unknown): OptionError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    expect(error).toBeInstanceOf(MagmaError);
    return error as OptionError;
  }
  throw new Error("expected an OptionError");
}

describe("checkOptionNames", () => {
  it("accepts undefined and objects naming only known options", () => {
    expect(() => checkOptionNames("f", undefined, ["a"])).not.toThrow();
    expect(() => checkOptionNames("f", { a: 1 }, ["a", "b"])).not.toThrow();
  });

  it("refuses a misspelt option, naming it and the known ones", () => {
    const error = thrown(() => checkOptionNames("Port.create", { mtuu: 1500 }, ["mtu", "pool"]));
    expect(error.code).toBe("UNKNOWN_OPTION");
    expect(error.where).toBe("Port.create");
    expect(error.option).toBe("mtuu");
    expect(error.value).toBe(1500);
    expect(error.message).toBe('Port.create: unknown option "mtuu"; the options are mtu, pool');
  });

  it.each([null, 5, "x", [1]])("refuses %s as the options object", (options) => {
    const error = thrown(() => checkOptionNames("f", options, ["a"]));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.option).toBe("options");
    expect(error.allowed).toBe("an object");
  });
});

describe("integerOption", () => {
  it("returns the value, or the fallback when absent", () => {
    expect(integerOption("f", "n", 7, 1, 0, 10)).toBe(7);
    expect(integerOption("f", "n", undefined, 3, 0, 10)).toBe(3);
    expect(integerOption("f", "n", 0, 3, 0, 10)).toBe(0);
  });

  it.each([11, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "5", null, 5n])(
    "refuses %s with the name, the value and the range",
    (value) => {
      const error = thrown(() => integerOption("Pool", "slotSize", value, 2048, 0, 10));
      expect(error.code).toBe("INVALID_OPTION");
      expect(error.option).toBe("slotSize");
      expect(error.value).toBe(value);
      expect(error.allowed).toBe("an integer from 0 to 10");
      expect(error.message).toBe(
        `Pool: slotSize must be an integer from 0 to 10, got ${describeValue(value)}`,
      );
    },
  );
});

describe("booleanOption, choiceOption, functionOption", () => {
  it("return valid values and fallbacks", () => {
    expect(booleanOption("f", "b", false, true)).toBe(false);
    expect(booleanOption("f", "b", undefined, true)).toBe(true);
    expect(choiceOption("f", "c", "b", "a", ["a", "b"])).toBe("b");
    expect(choiceOption("f", "c", undefined, "a", ["a", "b"])).toBe("a");
    const fn = (): void => {};
    expect(functionOption("f", "g", fn, true)).toBe(fn);
    expect(functionOption("f", "g", undefined, false)).toBeUndefined();
  });

  it("refuse wrong types with what is allowed", () => {
    expect(stringOption("f", "s", "x", true)).toBe("x");
    expect(stringOption("f", "s", undefined, false)).toBeUndefined();
    expect(thrown(() => stringOption("f", "s", undefined, true)).allowed).toBe("a string");
    expect(thrown(() => stringOption("f", "s", 5, false)).value).toBe(5);
    expect(thrown(() => booleanOption("f", "b", 1, true)).allowed).toBe("true or false");
    expect(thrown(() => choiceOption("f", "c", "z", "a", ["a", "b"])).allowed).toBe(
      'one of "a", "b"',
    );
    expect(thrown(() => functionOption("f", "g", undefined, true)).allowed).toBe("a function");
    expect(thrown(() => functionOption("f", "g", {}, false)).value).toEqual({});
  });
});

describe("describeValue", () => {
  it("renders values briefly and safely", () => {
    expect(describeValue("ab")).toBe('"ab"');
    expect(describeValue("x".repeat(100))).toBe(`"${"x".repeat(77)}..."`);
    expect(describeValue(3)).toBe("3");
    expect(describeValue(3n)).toBe("3n");
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue([1, 2])).toBe("an array of 2");
    expect(describeValue({})).toBe("an object");
    expect(describeValue(new Map())).toBe("a Map");
    expect(describeValue(Object.create(null))).toBe("an object");
  });
});
