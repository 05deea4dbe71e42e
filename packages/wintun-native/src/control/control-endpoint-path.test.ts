import { describe, expect, it } from "vitest";
import { controlEndpointPath, DEFAULT_CONTROL_DIRECTORY } from "./control-endpoint-path.js";

describe("controlEndpointPath", () => {
  it("puts the socket in /run/magma, or MAGMA_CONTROL_DIR, named after the lowercased adapter", () => {
    expect(controlEndpointPath("Magma", "linux", {})).toBe(
      `${DEFAULT_CONTROL_DIRECTORY}/magma.sock`,
    );
    expect(controlEndpointPath("MAGMA", "linux", { MAGMA_CONTROL_DIR: "/tmp/c" })).toBe(
      "/tmp/c/magma.sock",
    );
  });

  it("percent-encodes what a file name should not hold, so no name can leave the directory", () => {
    expect(controlEndpointPath("Magma TAP/../x*", "linux", {})).toBe(
      "/run/magma/magma%20tap%2F..%2Fx%2A.sock",
    );
    expect(controlEndpointPath("..", "linux", {})).toBe("/run/magma/...sock");
  });

  it("replaces a name too long for sun_path with its hash, the same for every caller", () => {
    const long = "a".repeat(127);
    const path = controlEndpointPath(long, "linux", {});
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(107);
    expect(path).toMatch(/^\/run\/magma\/sha256-[0-9a-f]{40}\.sock$/);
    expect(controlEndpointPath(long.toUpperCase(), "linux", {})).toBe(path);
    expect(controlEndpointPath(`${long.slice(1)}b`, "linux", {})).not.toBe(path);
  });

  it("names a pipe under \\\\.\\pipe\\magma-control on Windows", () => {
    expect(controlEndpointPath("Magma TAP", "win32", {})).toBe(
      "\\\\.\\pipe\\magma-control\\magma%20tap",
    );
    const pipe = controlEndpointPath("\u00e9".repeat(127), "win32", {});
    expect(pipe.length).toBeLessThanOrEqual(256);
    expect(pipe).toMatch(/\\sha256-[0-9a-f]{64}$/);
  });
});
