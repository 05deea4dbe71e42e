// Sends COUNT UDP datagrams numbered 0..COUNT-1 (a 4-byte big-endian sequence number) from FROM to
// TO:PORT, 64 per turn of the event loop, then exits. It runs as its own process so the flood keeps
// coming while the test's JavaScript thread is busy receiving.
//
//   node sequenced-udp-sender.mjs FROM TO PORT COUNT
import * as dgram from "node:dgram";

const [from, to, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
if (from === undefined || to === undefined || !(port > 0) || !(count > 0)) {
  console.error("usage: sequenced-udp-sender.mjs FROM TO PORT COUNT");
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
    if (++acknowledged === count) socket.close();
  };
  const burst = () => {
    for (let i = 0; i < 64 && sent < count; i++) {
      // dgram reads the buffer later, so each datagram needs its own.
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(sent++);
      socket.send(payload, port, to, onSent);
    }
    if (sent < count) setImmediate(burst);
  };
  burst();
});
