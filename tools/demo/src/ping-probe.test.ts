import { describe, expect, it } from "vitest";
import { parsePingOutput, pingArguments } from "./ping-probe.js";

const IPUTILS_OUTPUT = `PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.
64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=0.212 ms
64 bytes from 198.18.0.2: icmp_seq=2 ttl=64 time=0.084 ms
64 bytes from 198.18.0.2: icmp_seq=2 ttl=64 time=0.090 ms (DUP!)
64 bytes from 198.18.0.2: icmp_seq=3 ttl=64 time=0.101 ms

--- 198.18.0.2 ping statistics ---
4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 611ms
rtt min/avg/max/mdev = 0.084/0.132/0.212/0.056 ms
`;

const WINDOWS_OUTPUT = `\r
Pinging 198.18.0.2 with 32 bytes of data:\r
Reply from 198.18.0.2: bytes=32 time<1ms TTL=64\r
Reply from 198.18.0.2: bytes=32 time=2ms TTL=64\r
Request timed out.\r
\r
Ping statistics for 198.18.0.2:\r
    Packets: Sent = 3, Received = 2, Lost = 1 (33% loss),\r
`;

describe("parsePingOutput", () => {
  it("reads iputils' replies and count, without counting duplicates", () => {
    expect(parsePingOutput(IPUTILS_OUTPUT)).toEqual({
      transmitted: 4,
      roundTripsMs: [0.212, 0.084, 0.101],
    });
  });

  it("reads Windows' replies and count, '<1ms' as 1", () => {
    expect(parsePingOutput(WINDOWS_OUTPUT)).toEqual({ transmitted: 3, roundTripsMs: [1, 2] });
  });

  it("finds nothing in an error message", () => {
    expect(parsePingOutput("ping: connect: Network is unreachable\n")).toEqual({
      transmitted: 0,
      roundTripsMs: [],
    });
  });
});

describe("pingArguments", () => {
  it("bounds a Linux run by count, per-reply wait and an overall deadline", () => {
    expect(pingArguments({ address: "198.18.0.2", family: 4, count: 5 }, "linux")).toEqual([
      "-4",
      "-n",
      "-c",
      "5",
      "-i",
      "0.2",
      "-W",
      "1",
      "-w",
      "3",
      "198.18.0.2",
    ]);
  });

  it("uses Windows' flags there", () => {
    expect(pingArguments({ address: "fd6d:6167:6d61::2", family: 6, count: 5 }, "win32")).toEqual([
      "-6",
      "-n",
      "5",
      "-w",
      "1000",
      "fd6d:6167:6d61::2",
    ]);
  });
});
