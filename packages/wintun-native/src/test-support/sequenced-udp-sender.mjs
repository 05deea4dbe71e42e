// Sends COUNT UDP datagrams numbered 0..COUNT-1 (a 4-byte big-endian sequence number) from FROM to
// TO:PORT, 64 per turn of the event loop, then exits. It runs as its own process so the flood keeps
// coming while the test's JavaScript thread is busy receiving. With PAUSE_MS it sends datagram 0
// alone and the rest PAUSE_MS later; with DONE_FILE it creates that file once every datagram has
// been handed to the kernel.
//
//   node sequenced-udp-sender.mjs FROM TO PORT COUNT [PAUSE_MS [DONE_FILE]]
import * as dgram from "node:dgram";
import { writeFileSync } from "node:fs";

const [from, to, portText, countText, pauseText = "0", doneFile] = process.argv.slice(2);
const pauseMs = Number(pauseText);
const port = Number(portText);
const count = Number(countText);
if (from === undefined || to === undefined || !(port > 0) || !(count > 0) || !(pauseMs >= 0)) {
  console.error("usage: sequenced-udp-sender.mjs FROM TO PORT COUNT [PAUSE_MS [DONE_FILE]]");
  process.exit(2);
}

const socket = dgram.createSocket("udp4");
socket.bind(0, from, () => {
  let sent = 0;
  let acknowledged = 0;
  const onSent = (error) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    if (++acknowledged === count) {
      if (doneFile !== undefined) writeFileSync(doneFile, "");
      socket.close();
    }
  };
  const burst = () => {
    const limit = sent === 0 && pauseMs > 0 ? 1 : 64;
    for (let i = 0; i < limit && sent < count; i++) {
      // dgram reads the buffer later, so each datagram needs its own.
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(sent++);
      socket.send(payload, port, to, onSent);
    }
    if (sent === count) return;
    if (sent === 1 && pauseMs > 0) setTimeout(burst, pauseMs);
    else setImmediate(burst);
  };
  burst();
});
