import { describe, expect, it } from "vitest";
import { controlEndpointPath, DEFAULT_CONTROL_DIRECTORY } from "./control-endpoint-path.js";

describe("controlEndpointPath", () => {
  it("puts the socket in /run/magma, or MAGMA_CONTROL_DIR, named after the lowercased adapter", () => {
    expect(controlEndpointPath("Magma", { platform: "linux", environment: {} })).toBe(
      `${DEFAULT_CONTROL_DIRECTORY}/magma.sock`,
    );
    expect(
      controlEndpointPath("MAGMA", {
        platform: "linux",
        environment: { MAGMA_CONTROL_DIR: "/tmp/c" },
      }),
    ).toBe("/tmp/c/magma.sock");
  });

  it("percent-encodes what a file name should not hold, so no name can leave the directory", () => {
    expect(controlEndpointPath("Magma TAP/../x*", { platform: "linux", environment: {} })).toBe(
      "/run/magma/magma%20tap%2F..%2Fx%2A.sock",
    );
    expect(controlEndpointPath("..", { platform: "linux", environment: {} })).toBe(
      "/run/magma/...sock",
    );
  });

  it("replaces a name too long for sun_path with its hash, the same for every caller", () => {
    const long = "a".repeat(127);
    const path = controlEndpointPath(long, { platform: "linux", environment: {} });
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(107);
    expect(path).toMatch(/^\/run\/magma\/sha256-[0-9a-f]{40}\.sock$/);
    expect(controlEndpointPath(long.toUpperCase(), { platform: "linux", environment: {} })).toBe(
      path,
    );
    expect(
      controlEndpointPath(`${long.slice(1)}b`, { platform: "linux", environment: {} }),
    ).not.toBe(path);
  });

  it("names a pipe under \\\\.\\pipe\\magma-control on Windows", () => {
    expect(controlEndpointPath("Magma TAP", { platform: "win32", environment: {} })).toBe(
      "\\\\.\\pipe\\magma-control\\magma%20tap",
    );
    const pipe = controlEndpointPath("\u00e9".repeat(127), { platform: "win32", environment: {} });
    expect(pipe.length).toBeLessThanOrEqual(256);
    expect(pipe).toMatch(/\\sha256-[0-9a-f]{64}$/);
  });

  it("gives the adapter's creator an endpoint of its own beside the port's", () => {
    expect(
      controlEndpointPath("Magma", { role: "creator", platform: "linux", environment: {} }),
    ).toBe("/run/magma/magma.creator.sock");
    expect(controlEndpointPath("Magma", { role: "creator", platform: "win32" })).toBe(
      "\\\\.\\pipe\\magma-control\\magma.creator",
    );
    const long = controlEndpointPath("a".repeat(127), {
      role: "creator",
      platform: "linux",
      environment: {},
    });
    expect(long).toMatch(/^\/run\/magma\/sha256-[0-9a-f]{40}\.creator\.sock$/);
  });
});
