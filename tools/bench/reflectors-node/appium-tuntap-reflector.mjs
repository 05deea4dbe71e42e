// The same UDP reflector built on appium-ios-tuntap, the Node.js TUN package in use today, straight
// on /dev/net/tun. Written the way its README reads: `open()`, then a loop of non-blocking
// `read()` calls, each returning one packet in a new Buffer (empty when nothing waits), answered
// with one `write()` each. Between empty reads the loop yields with setImmediate so the event loop
// lives (signals, timers); there is no other pause. The harness gives the interface its IPv4
// address (the package's configure() only sets IPv6 addresses, through `ip`). Follows the reflector
// contract of ../reflector/README.md.
//
//   node --expose-gc appium-tuntap-reflector.mjs --ifname NAME [--max-seconds N]
//
// Its linux-x64 prebuild needs glibc 2.38; CMakeLists.txt beside this file builds the addon from
// the package's sources and APPIUM_IOS_TUNTAP_PREBUILD points node-gyp-build at it.
import { TunTap } from "appium-ios-tuntap";
import {
  announceReady,
  MeasuredWindow,
  maxSecondsOption,
  onStopRequest,
  readOptions,
} from "./reflector-contract.mjs";
import { swapUdpInPlace } from "./udp-swap.mjs";

/** The package's default read size, room for a 1500-byte MTU packet. */
const readSize = 4096;
/** Packets answered per event-loop turn at most, so signals and timers are never starved. */
const packetsPerTurn = 1024;

const options = readOptions(process.argv.slice(2), {
  required: ["ifname"],
  usage: "appium-tuntap-reflector.mjs --ifname NAME [--max-seconds N]",
});
const maxSeconds = maxSecondsOption(options);

const counts = { reflected: 0, ignored: 0, dropped: 0 };
const window = new MeasuredWindow();
window.listen(() => counts.reflected);

const tun = new TunTap(options.get("ifname"));
tun.open();
let running = true;
let readError;

function reflectWaitingPackets() {
  if (!running) return;
  try {
    for (let i = 0; i < packetsPerTurn; i++) {
      const packet = tun.read(readSize);
      if (packet.length === 0) break;
      if (!swapUdpInPlace(packet, packet.length)) {
        counts.ignored++;
        continue;
      }
      if (tun.write(packet) === packet.length) counts.reflected++;
      else counts.dropped++;
    }
  } catch (error) {
    readError = error;
    running = false;
    process.kill(process.pid, "SIGTERM");
    return;
  }
  setImmediate(reflectWaitingPackets);
}

onStopRequest(maxSeconds, async () => {
  running = false;
  const windowReport = window.report(counts.reflected);
  tun.close();
  return {
    ...counts,
    ...(windowReport === undefined ? {} : { window: windowReport }),
    ...(readError === undefined ? {} : { error: String(readError) }),
  };
});
announceReady(tun.name);
setImmediate(reflectWaitingPackets);
