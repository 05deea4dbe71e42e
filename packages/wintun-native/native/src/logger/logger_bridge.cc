#include "logger_bridge.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace magma::wintun {
namespace {

constexpr size_t kMaxMessage = 1024;  // wintun truncates at 1023 code units plus NUL
constexpr size_t kQueueSize = 256;    // power of two
constexpr uint64_t kFiletimeUnixEpoch = 116444736000000000ull;

struct LogEntry {
  int32_t level;
  double unix_milliseconds;
  uint32_t length;
  char16_t text[kMaxMessage];
};

// Bounded multi-producer queue (Vyukov): each cell's sequence number says whose turn it is.
class LogQueue {
 public:
  LogQueue() {
    for (size_t i = 0; i < kQueueSize; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  bool Push(int32_t level, uint64_t filetime, const WINTUN_WCHAR* message) {
    size_t position = enqueue_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[position & (kQueueSize - 1)];
      size_t sequence = cell->sequence.load(std::memory_order_acquire);
      intptr_t difference = static_cast<intptr_t>(sequence) - static_cast<intptr_t>(position);
      if (difference == 0) {
        if (enqueue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) break;
      } else if (difference < 0) {
        return false;
      } else {
        position = enqueue_.load(std::memory_order_relaxed);
      }
    }
    LogEntry& entry = cell->entry;
    entry.level = level;
    entry.unix_milliseconds =
        filetime >= kFiletimeUnixEpoch ? static_cast<double>(filetime - kFiletimeUnixEpoch) / 10000.0 : 0.0;
    uint32_t length = 0;
    if (message != nullptr) {
      while (length < kMaxMessage - 1 && message[length] != 0) {
        entry.text[length] = static_cast<char16_t>(message[length]);
        ++length;
      }
    }
    entry.length = length;
    cell->sequence.store(position + 1, std::memory_order_release);
    return true;
  }

  // Single consumer: the JavaScript thread.
  template <typename Consume>
  bool Pop(Consume consume) {
    size_t position = dequeue_.load(std::memory_order_relaxed);
    Cell* cell = &cells_[position & (kQueueSize - 1)];
    size_t sequence = cell->sequence.load(std::memory_order_acquire);
    if (static_cast<intptr_t>(sequence) - static_cast<intptr_t>(position + 1) < 0) return false;
    dequeue_.store(position + 1, std::memory_order_relaxed);
    // Copy out and hand the cell back before calling out: if `consume` throws (a log target that
    // throws into JavaScript), the cell must not stay taken, or the queue fills up for good.
    LogEntry entry = cell->entry;
    cell->sequence.store(position + kQueueSize, std::memory_order_release);
    consume(entry);
    return true;
  }

 private:
  struct Cell {
    std::atomic<size_t> sequence;
    LogEntry entry;
  };
  Cell cells_[kQueueSize];
  std::atomic<size_t> enqueue_{0};
  std::atomic<size_t> dequeue_{0};
};

void DrainToJavaScript(Napi::Env env, Napi::Function sink, std::nullptr_t*, void*);
using LogSink = Napi::TypedThreadSafeFunction<std::nullptr_t, void, DrainToJavaScript>;

LogQueue& Queue() {
  static LogQueue* queue = new LogQueue();  // never destroyed: wintun may log during process exit
  return *queue;
}
std::atomic<LogSink*> sink{nullptr};
std::atomic<bool> drain_pending{false};
std::atomic<uint64_t> dropped{0};

void DrainToJavaScript(Napi::Env env, Napi::Function callback, std::nullptr_t*, void*) {
  if (env == nullptr) return;
  // Cleared before draining: a message pushed from now on schedules another drain.
  drain_pending.store(false, std::memory_order_seq_cst);
  Napi::HandleScope scope(env);
  try {
    while (Queue().Pop([&](const LogEntry& entry) {
      callback.Call({Napi::Number::New(env, entry.level), Napi::Number::New(env, entry.unix_milliseconds),
                     Napi::String::New(env, entry.text, entry.length),
                     Napi::Number::New(env, static_cast<double>(dropped.exchange(0)))});
    })) {
    }
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  }
}

void ReleaseSinkAtExit(void*) {
  LogSink* current = sink.exchange(nullptr);
  if (current != nullptr) current->Abort();
}

Napi::Value SetLogSink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "sink must be a function");
  if (sink.load() != nullptr) return env.Undefined();
  auto* created = new LogSink(LogSink::New(env, info[0].As<Napi::Function>(), "magma-wintun-logger", 0, 1, nullptr));
  created->Unref(env);
  sink.store(created);
  napi_add_env_cleanup_hook(env, ReleaseSinkAtExit, nullptr);
  return env.Undefined();
}

}  // namespace

void WINTUN_CALLBACK LoggerBridgeCallback(WINTUN_LOGGER_LEVEL level, DWORD64 timestamp, const WINTUN_WCHAR* message) {
  LogSink* current = sink.load(std::memory_order_acquire);
  if (current == nullptr) return;
  if (!Queue().Push(static_cast<int32_t>(level), timestamp, message)) {
    dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!drain_pending.exchange(true, std::memory_order_seq_cst)) current->NonBlockingCall();
}

void RegisterLoggerBridge(Napi::Env env, Napi::Object exports) {
  exports.Set("setLogSink", Napi::Function::New(env, SetLogSink, "setLogSink"));
}

}  // namespace magma::wintun
