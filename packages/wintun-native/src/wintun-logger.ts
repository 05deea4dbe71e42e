import { nativeAddon } from "./native-addon.js";

export type WinTunLogLevel = "info" | "warn" | "error";

/** One message from wintun's logger, with the time wintun stamped on it. */
export interface WinTunLogEntry {
  readonly level: WinTunLogLevel;
  readonly timestamp: Date;
  readonly message: string;
}

/** Anything console-like: `console` itself works. */
export interface WinTunLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A console-like logger (gets "[ISO time] wintun: message"), or a function that gets each entry. */
export type WinTunLogTarget = WinTunLogger | ((entry: WinTunLogEntry) => void);

const LEVELS: readonly WinTunLogLevel[] = ["info", "warn", "error"];
let target: WinTunLogTarget | undefined;
let sinkInstalled = false;

function deliver(level: WinTunLogLevel, timestamp: Date, message: string): void {
  const current = target;
  if (current === undefined) return;
  try {
    if (typeof current === "function") {
      current({ level, timestamp, message });
    } else {
      current[level](`[${timestamp.toISOString()}] wintun: ${message}`);
    }
  } catch (error) {
    // A log target that throws must not stop the messages after this one.
    process.emitWarning(`the wintun log target threw: ${String(error)}`, "MagmaLogTargetWarning");
  }
}

/**
 * Makes `logTarget` the destination of wintun's log messages (one destination per process, as
 * wintun has one logger per loaded library). Messages are queued by the native callback without
 * blocking the thread that logs, and delivered here on the JavaScript thread.
 */
export function installLogTarget(logTarget: WinTunLogTarget | undefined): void {
  target = logTarget;
  if (logTarget === undefined || sinkInstalled) return;
  nativeAddon().setLogSink((level, unixMilliseconds, message, dropped) => {
    if (dropped > 0)
      deliver("warn", new Date(), `${dropped} log messages were dropped: the log queue was full`);
    deliver(LEVELS[level] ?? "error", new Date(unixMilliseconds), message);
  });
  sinkInstalled = true;
}
