import { MagmaError } from "@magma/transport";

/**
 * The status codes the native configuration calls return: NETIO_STATUS from IP Helper on Windows
 * (a Win32 code returned directly, not through GetLastError), and the same codes mapped from
 * netlink's errno on Linux, so the decisions above them are one code path.
 */
export const IpHelperStatus = {
  NO_ERROR: 0,
  ERROR_FILE_NOT_FOUND: 2,
  ERROR_ACCESS_DENIED: 5,
  ERROR_NOT_ENOUGH_MEMORY: 8,
  ERROR_GEN_FAILURE: 31,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_PROC_NOT_FOUND: 127,
  ERROR_NOT_FOUND: 1168,
  ERROR_OBJECT_ALREADY_EXISTS: 5010,
} as const;

export type IpHelperCall =
  | "CreateUnicastIpAddressEntry"
  | "DeleteUnicastIpAddressEntry"
  | "CreateIpForwardEntry2"
  | "DeleteIpForwardEntry2"
  | "SetIpInterfaceEntry"
  | "SetInterfaceDnsSettings";

/** A configuration call the system refused, with its Win32 status, the status's name and a hint. */
export class IpHelperError extends MagmaError<number> {
  override readonly name = "IpHelperError";
  /** The symbolic name of `code`, e.g. "ERROR_ACCESS_DENIED". */
  readonly symbol: string;
  /** The IP Helper call that failed (on Linux, the call whose netlink equivalent failed). */
  readonly call: IpHelperCall;

  constructor(call: IpHelperCall, status: number, what: string) {
    const symbol = symbolOf(status);
    const hint = call === "SetInterfaceDnsSettings" ? dnsHintFor(status) : hintFor(status);
    super(
      status,
      `${call} failed for ${what}: ${symbol} (${status})`,
      hint === undefined ? {} : { hint },
    );
    this.symbol = symbol;
    this.call = call;
  }
}

function symbolOf(status: number): string {
  for (const [name, value] of Object.entries(IpHelperStatus)) if (value === status) return name;
  return `status ${status}`;
}

// SetInterfaceDnsSettings stands for resolved's SetLinkDNS/SetLinkDomains/RevertLink on Linux.
function dnsHintFor(status: number): string | undefined {
  switch (status) {
    case IpHelperStatus.ERROR_NOT_SUPPORTED:
      return "per-adapter DNS on Linux is systemd-resolved's, which is not running on this machine's system bus: leave dns out and configure resolv.conf yourself";
    case IpHelperStatus.ERROR_PROC_NOT_FOUND:
      return "setting an adapter's DNS needs SetInterfaceDnsSettings, in Windows 10 version 2004 and later";
    default:
      return hintFor(status);
  }
}

function hintFor(status: number): string | undefined {
  switch (status) {
    case IpHelperStatus.ERROR_ACCESS_DENIED:
      return process.platform === "win32"
        ? "run as Administrator"
        : "run as root or with CAP_NET_ADMIN";
    case IpHelperStatus.ERROR_NOT_FOUND:
    case IpHelperStatus.ERROR_FILE_NOT_FOUND:
      return "the adapter's interface is gone or not yet bound for this address family";
    case IpHelperStatus.ERROR_INVALID_PARAMETER:
      return "the system rejected the address, prefix length, route or MTU";
    case IpHelperStatus.ERROR_NOT_SUPPORTED:
      return "this address family is disabled on the machine or the adapter";
    default:
      return undefined;
  }
}
