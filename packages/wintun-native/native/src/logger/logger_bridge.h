// WintunSetLogger's callback, bridged to a JavaScript logger. wintun calls it from any thread,
// possibly concurrently and after an API call has returned; it must never block that thread.
// Messages go into a fixed lock-free queue (a full queue drops and counts), and one coalesced
// thread-safe call per burst drains the queue on the JavaScript thread.
#pragma once

#include <napi.h>

#include "wintun_api.h"

namespace magma::wintun {

void WINTUN_CALLBACK LoggerBridgeCallback(WINTUN_LOGGER_LEVEL level, DWORD64 timestamp, const WINTUN_WCHAR* message);

// setLogSink(sink: (level: 0 | 1 | 2, unixMilliseconds: number, message: string, dropped: number) => void)
// The first call fixes the sink for the process (the JavaScript layer dispatches to whichever
// logger is current); it never keeps the event loop alive.
void RegisterLoggerBridge(Napi::Env env, Napi::Object exports);

}  // namespace magma::wintun
