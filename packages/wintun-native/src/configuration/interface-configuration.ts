import { nativeAddon } from "../native-addon.js";
import {
  type AdapterConfiguration,
  type AppliedConfiguration,
  type ConfigureOptions,
  configureAdapter,
  removeConfiguration,
} from "./configure-adapter.js";
import { NativeIpConfiguration } from "./native-ip-configuration.js";

/**
 * `adapter.configure()` for any interface by its LUID: how the TAP backend, which has no
 * WinTunAdapter, configures its adapter through the same IP Helper (or netlink) calls.
 */
export function configureInterface(
  luid: bigint,
  configuration: AdapterConfiguration,
  options?: ConfigureOptions,
): Promise<AppliedConfiguration> {
  return configureAdapter(new NativeIpConfiguration(nativeAddon()), luid, configuration, options);
}

/** `adapter.removeConfiguration()` for the interface `configureInterface` configured. */
export function removeInterfaceConfiguration(luid: bigint, applied: AppliedConfiguration): void {
  removeConfiguration(new NativeIpConfiguration(nativeAddon()), luid, applied);
}
