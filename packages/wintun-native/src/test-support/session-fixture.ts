import type { WinTunSession, WinTunSessionOptions } from "../session/wintun-session.js";
import { WinTunAdapter } from "../wintun-adapter.js";
import { configureLink } from "./network-test.js";

export interface SessionFixture {
  readonly adapter: WinTunAdapter;
  readonly session: WinTunSession;
  /** The kernel's address on the link (198.18.<subnet>.1). */
  readonly kernelAddress: string;
  /** Our address, the far end of the link (198.18.<subnet>.2). */
  readonly peerAddress: string;
}

const fixtures: SessionFixture[] = [];

/** Creates adapter `name` with a session, gives the kernel 198.18.<subnet>.1/24 and brings the link up. */
export async function openSession(
  name: string,
  subnet: number,
  options: WinTunSessionOptions & { mtu?: number } = {},
): Promise<SessionFixture> {
  const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
  // Before the session: its start brings the link up, and IPv6 must be off by then (no RS/MLD noise).
  configureLink(name, subnet, options.mtu);
  const { mtu: _mtu, ...sessionOptions } = options;
  const session = adapter.startSession(sessionOptions);
  const fixture = {
    adapter,
    session,
    kernelAddress: `198.18.${subnet}.1`,
    peerAddress: `198.18.${subnet}.2`,
  };
  fixtures.push(fixture);
  return fixture;
}

/** Closes every fixture opened so far (for afterEach). */
export function closeSessions(): void {
  for (const fixture of fixtures.splice(0).reverse()) fixture.adapter.close();
}
