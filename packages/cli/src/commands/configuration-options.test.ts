import { describe, expect, it } from "vitest";
import { CommandError } from "../command-error.js";
import {
  collect,
  configurationFrom,
  describeConfiguration,
  parseRoute,
} from "./configuration-options.js";

function commandError(body: () => unknown): CommandError {
  try {
    body();
  } catch (error) {
    if (error instanceof CommandError) return error;
    throw error;
  }
  throw new Error("no error");
}

describe("configurationFrom", () => {
  it("gathers repeated addresses and routes and the MTU", () => {
    const configuration = configurationFrom({
      address: collect("fd6d:6167:6d61:150::1/64", collect("198.18.150.1/24", undefined)),
      route: ["198.18.151.0/24", "198.18.152.0/24,198.18.150.2"],
      mtu: "1400",
    });
    expect(configuration).toEqual({
      addresses: ["198.18.150.1/24", "fd6d:6167:6d61:150::1/64"],
      routes: ["198.18.151.0/24", { destination: "198.18.152.0/24", nextHop: "198.18.150.2" }],
      mtu: 1400,
    });
    expect(describeConfiguration(configuration!)).toEqual([
      "address 198.18.150.1/24",
      "address fd6d:6167:6d61:150::1/64",
      "route 198.18.151.0/24",
      "route 198.18.152.0/24 via 198.18.150.2",
      "mtu 1400",
    ]);
  });

  it("is undefined when nothing is asked", () => {
    expect(configurationFrom({})).toBeUndefined();
  });

  it("passes --dns and --search to configure() as its dns settings, alone or with the rest", () => {
    const configuration = configurationFrom({
      dns: ["198.18.150.53", "fd6d:6167:6d61:150::53"],
      search: ["corp.example"],
    });
    expect(configuration).toEqual({
      addresses: [],
      dns: {
        servers: ["198.18.150.53", "fd6d:6167:6d61:150::53"],
        searchDomains: ["corp.example"],
      },
    });
    expect(describeConfiguration(configuration!)).toEqual([
      "dns server 198.18.150.53",
      "dns server fd6d:6167:6d61:150::53",
      "dns search corp.example",
    ]);
    expect(configurationFrom({ search: ["corp"] })?.dns).toEqual({
      servers: [],
      searchDomains: ["corp"],
    });
  });

  it("refuses an MTU that is not a whole number, and a malformed route, as usage errors", () => {
    expect(commandError(() => configurationFrom({ mtu: "14x0" })).exitCode).toBe(2);
    expect(commandError(() => parseRoute("198.18.151.0/24,")).code).toBe("INVALID_ARGUMENT");
    expect(commandError(() => parseRoute("a,b,c")).message).toContain("DESTINATION[,NEXTHOP]");
  });
});
