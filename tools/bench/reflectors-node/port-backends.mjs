// The backends magma-port-reflector.mjs can run its receiver on: each opens a Magma port (both
// extend the same SessionPort, so the reflector reads the same session, statistics and receiver
// from either) and says how to take away what it made for it. Only opening and removal differ:
//   wintun  WinTunPort, which creates its adapter itself; the harness gives the interface its
//           address with `ip` (the reflector contract's default).
//   tap     TapPort over a TAP-Windows adapter made with createTapAdapter (removed again with
//           deleteTapAdapter): the port cannot create one. Its `network` option gives the kernel
//           side of the adapter the bench's address, since CONFIG_TUN needs that address anyway
//           (the driver then answers ARP for the peer), so the reflector reports "configured".
// Each backend's package is imported only when that backend runs, so a row needs only its own
// package built.

/**
 * name -> open({ adapterName, address, portOptions }) resolving to { port, ifname, configured,
 * remove() }. `address` (e.g. "198.18.0.1/24") is what the kernel side gets when the backend
 * configures it; `remove()` takes away what opening made, after `port.close()`.
 */
export const portBackends = {
  async wintun({ adapterName, portOptions }) {
    const { WinTunPort } = await import("@magma/wintun-native");
    const port = await WinTunPort.create({ adapterName, ...portOptions });
    // The emulator uses a valid Linux interface name as it is.
    return { port, ifname: adapterName, configured: false, remove: async () => {} };
  },

  async tap({ adapterName, address, portOptions }) {
    const { createTapAdapter, deleteTapAdapter, TapPort } = await import("@magma/tap-legacy");
    const adapter = await createTapAdapter(adapterName);
    const remove = () => deleteTapAdapter(adapter.guid);
    try {
      const port = await TapPort.create({
        guid: adapter.guid,
        network: { addresses: [address] },
        ...portOptions,
      });
      return { port, ifname: adapter.interfaceName ?? adapterName, configured: true, remove };
    } catch (error) {
      await remove();
      throw error;
    }
  },
};
