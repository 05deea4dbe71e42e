// A port worker's receiver module that declines every packet (the worker's pump disposes it):
// load for teardown-under-load.mjs's port with workers, which counts packets by the session.
export function packetReceiverFactory() {
  return {
    tryConsume(packet) {
      return packet;
    },
    flushPendingAcks() {},
  };
}
