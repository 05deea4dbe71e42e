import { describe, expect, it } from "vitest";
import { MagmaError } from "./magma-error.js";

class AdapterGoneError extends MagmaError<number> {}

describe("MagmaError", () => {
  it("carries a machine-readable code and the subclass name", () => {
    const error = new AdapterGoneError(38, "the adapter was removed");
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(MagmaError);
    expect(error.code).toBe(38);
    expect(error.name).toBe("AdapterGoneError");
    expect(error.message).toBe("the adapter was removed");
    expect(error.hint).toBeUndefined();
  });

  it("appends the hint to the message and keeps the cause", () => {
    const cause = new Error("EPERM");
    const error = new MagmaError("ACCESS_DENIED", "cannot open /dev/net/tun", {
      hint: "run as root or grant CAP_NET_ADMIN",
      cause,
    });
    expect(error.message).toBe("cannot open /dev/net/tun (run as root or grant CAP_NET_ADMIN)");
    expect(error.hint).toBe("run as root or grant CAP_NET_ADMIN");
    expect(error.cause).toBe(cause);
  });
});
