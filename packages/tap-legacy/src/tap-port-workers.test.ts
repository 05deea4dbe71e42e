// The workers suite every port runs (@magma/port-workers-suite), here on TapPort over the TAP
// emulator: the adapters are Linux TAP interfaces in this run's network namespace
// (scripts/run-tests.mjs), and the kernel's UDP sockets the peers. B.4/B.7: in TUN mode the driver
// answers ARP for the addresses in the adapter's network, so the kernel's datagrams to .2 reach
// the port.
import { execFileSync } from "node:child_process";
import { describePortWorkers, FLOW_ECHO_RECEIVER } from "@magma/port-workers-suite";
import { internalNativeAddon } from "@magma/wintun-native";
import { createTapAdapter, deleteTapAdapter, TapError, TapErrorCode, TapPort } from "./index.js";

const made: string[] = [];

describePortWorkers({
  portName: "TapPort",
  cannotRun:
    process.env.MAGMA_TEST_NETNS === "1" ? undefined : "not in the test run's network namespace",
  networks: {
    inOrder: { adapterName: "tapwork1", subnet: 180 },
    restart: { adapterName: "tapwork2", subnet: 181 },
    killedByReceiver: { adapterName: "tapwork3", subnet: 182 },
    fallsBehind: { adapterName: "tapwork4", subnet: 183 },
    busyWorker: { adapterName: "tapwork5", subnet: 184 },
    stuckWorker: { adapterName: "tapwork6", subnet: 185 },
    closeUnderLoad: { adapterName: "tapwork7", subnet: 186 },
  },
  async createPort(network, options) {
    const adapter = await createTapAdapter(network.adapterName);
    made.push(adapter.guid);
    // No IPv6 on the kernel's side of the link: its router solicitations and MLD reports would
    // take places in the workers' queues that the tests count.
    if (adapter.interfaceName !== undefined) {
      execFileSync("sysctl", ["-qw", `net.ipv6.conf.${adapter.interfaceName}.disable_ipv6=1`]);
    }
    return TapPort.create({
      adapterName: network.adapterName,
      network: { addresses: [`198.18.${network.subnet}.1/24`] },
      workers: {
        count: options.count,
        receiverModule: FLOW_ECHO_RECEIVER,
        ...(options.queueDepth === undefined ? {} : { queueDepth: options.queueDepth }),
      },
      ...(options.pool === undefined ? {} : { pool: options.pool }),
    });
  },
  // The device's reads are posted by the thread that receives, and a worker thread can end with
  // its read pending, which Windows would cancel: only the session's thread receives.
  workersReceive: false,
  openSessions: () => internalNativeAddon().liveResources().sessions,
  async afterEach() {
    for (const guid of made.splice(0)) {
      await deleteTapAdapter(guid).catch((error: unknown) => {
        if (!(error instanceof TapError && error.code === TapErrorCode.NOT_FOUND)) throw error;
      });
    }
  },
});
