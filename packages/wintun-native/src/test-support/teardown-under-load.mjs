// Run by environment-teardown.test.ts: a JavaScript environment that owns a busy session or port
// goes away while the receive thread is delivering, in one of three ways, and this process must
// neither abort nor leak. Uses the built package (tests run after build).
//
//   node teardown-under-load.mjs MODE OWNER NAME SUBNET
//
// MODE unref-exit: the main thread unrefs the session under load and lets the process end on its
//   own. worker-terminate: a worker owns it and the main thread terminates the worker under load.
//   worker-exit: the worker calls process.exit() under load.
// OWNER session: adapter.startSession() with an echoing batch handler; port: WinTunPort.create();
//   workers-port: a port whose receivers run on 2 worker threads of its own (counted by the
//   session's rxPackets, as the receivers are out of reach; not for unref-exit: its workers keep
//   the process alive until close(), as a session does until unref()).
// It prints one JSON line: {"received": n, "live": {...}} (live: the native resources left once a
// worker is gone; the unref-exit run ends before it could look) and exits 0.
import { execFileSync, spawn } from "node:child_process";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { WinTunAdapter, WinTunPort } from "../../dist/index.js";
import { nativeAddon } from "../../dist/native-addon.js";

const LOAD_PACKETS = 20_000; // received before the environment goes away: it is under load
const LIMIT_MS = 15_000;

async function openOwner(owner, name, subnet, counter) {
  let handle;
  if (owner === "workers-port") {
    handle = await WinTunPort.create({
      adapterName: name,
      workers: { count: 2, receiverModule: new URL("./declining-receiver.mjs", import.meta.url) },
    });
    const port = handle;
    setInterval(() => Atomics.store(counter, 0, port.session.stats.rxPackets), 5).unref();
  } else if (owner === "port") {
    handle = await WinTunPort.create({
      adapterName: name,
      packetReceiverFactory: () => ({
        tryConsume(packet) {
          Atomics.add(counter, 0, 1);
          return packet; // declined: the port disposes it
        },
        flushPendingAcks() {},
      }),
    });
  } else {
    const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
    const session = adapter.startSession();
    session.setReceiveHandler((packets, count) => {
      Atomics.add(counter, 0, count);
      session.sendPooled(packets, count);
      for (let i = 0; i < count; i++) packets[i].dispose();
    });
    handle = session;
  }
  execFileSync("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
  execFileSync("ip", ["addr", "add", `198.18.${subnet}.1/24`, "dev", name]);
  execFileSync("ip", ["link", "set", name, "up"]);
  return handle;
}

/** A UDP flood from the kernel toward the adapter's far end, bounded in time, not keeping us alive. */
function startFlood(subnet) {
  const flood = spawn(
    "timeout",
    [
      String(LIMIT_MS / 1000),
      "socat",
      "-u",
      "/dev/zero",
      `UDP4-DATAGRAM:198.18.${subnet}.2:9,bind=198.18.${subnet}.1,sndbuf=1000000`,
    ],
    { stdio: "ignore" },
  );
  flood.unref();
  return flood;
}

async function until(condition, what) {
  const deadline = Date.now() + LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

if (isMainThread) {
  const [mode, owner, name, subnetText] = process.argv.slice(2);
  const subnet = Number(subnetText);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  if (mode === "unref-exit") {
    const handle = await openOwner(owner, name, subnet, counter);
    const flood = startFlood(subnet);
    await until(() => Atomics.load(counter, 0) >= LOAD_PACKETS, "load");
    (owner === "port" ? handle.session : handle).unref();
    // The flood must not outlive us: it is ended by its pid when this process ends.
    process.on("exit", () => {
      flood.kill();
      process.stdout.write(
        `${JSON.stringify({ received: Atomics.load(counter, 0), live: null })}\n`,
      );
    });
    // Nothing else holds the event loop now: the process ends while packets keep arriving.
  } else {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { mode, owner, name, subnet, counter },
    });
    await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    const flood = startFlood(subnet);
    try {
      await until(() => Atomics.load(counter, 0) >= LOAD_PACKETS, "load");
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      if (mode === "worker-terminate") await worker.terminate();
      else worker.postMessage("exit");
      await exited;
    } finally {
      flood.kill();
    }
    const live = nativeAddon().liveResources();
    process.stdout.write(`${JSON.stringify({ received: Atomics.load(counter, 0), live })}\n`);
  }
} else {
  const { owner, name, subnet, counter } = workerData;
  await openOwner(owner, name, subnet, counter);
  parentPort.on("message", () => process.exit(0));
  parentPort.postMessage("ready");
}
