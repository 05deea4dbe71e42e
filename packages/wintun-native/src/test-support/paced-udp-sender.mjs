// Sends COUNT one-byte UDP datagrams from FROM to TO:PORT, one every GAP_MS, then exits: sparse
// traffic from outside the test's process, whose event loop meanwhile has nothing else to do.
//
//   node paced-udp-sender.mjs FROM TO PORT COUNT GAP_MS
import * as dgram from "node:dgram";

const [from, to, portText, countText, gapText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const gapMs = Number(gapText);
if (from === undefined || to === undefined || !(port > 0) || !(count > 0) || !(gapMs > 0)) {
  console.error("usage: paced-udp-sender.mjs FROM TO PORT COUNT GAP_MS");
  process.exit(2);
}

const socket = dgram.createSocket("udp4");
socket.bind(0, from, () => {
  let sent = 0;
  const timer = setInterval(() => {
    socket.send(Buffer.from([sent & 0xff]), port, to, (error) => {
      if (error) {
        console.error(error);
        process.exit(1);
      }
    });
    if (++sent === count) {
      clearInterval(timer);
      // Closed once the last send has been handed to the kernel.
      setImmediate(() => socket.close());
    }
  }, gapMs);
});
