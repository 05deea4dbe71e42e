// Run by wintun-adapter.test.ts in a child process without CAP_NET_ADMIN: tries to create an
// adapter and prints the WinTunError it gets as JSON. Uses the built package (tests run after build).
import { WinTunAdapter } from "../../dist/index.js";

try {
  const adapter = await WinTunAdapter.create({ name: "mgw-norights", tunnelType: "Magma" });
  adapter.close();
  process.stdout.write(JSON.stringify({ code: 0 }));
} catch (error) {
  const { code, symbol, call, hint } = error;
  process.stdout.write(JSON.stringify({ code, symbol, call, hint }));
}
