/*
 * The same reflector over the wintun.dll 0.14 API, written as a real application uses it: load
 * the library and look the exports up by name (dlopen/dlsym here, LoadLibrary/GetProcAddress on
 * Windows), create an adapter, start a session, then drain the receive ring until
 * ERROR_NO_MORE_ITEMS, answer each UDP packet through AllocateSendPacket + SendPacket, and wait
 * on the read event when the ring stays empty. On Linux the library is the emulator
 * (tools/wintun-emu/build/libwintun.so) and the read event is an eventfd cast to HANDLE.
 *
 *   udp-reflector-wintun --library PATH --adapter NAME [--capacity BYTES] [--spin-us N]
 *                        [--extra-work-ns N] [--max-seconds N]
 *
 * --extra-work-ns busy-waits that long on each reply before sending it: a calibration, not a
 * reflector anyone would write. It shows in the same run how much a little more work per packet
 * (what any runtime above C adds) costs this benchmark, at one packet in flight above all.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reflector_process.h"
#include "udp_swap.h"
#include "wintun_api.h"
#include "wintun_emu.h"

typedef struct {
  WINTUN_CREATE_ADAPTER_FUNC *CreateAdapter;
  WINTUN_CLOSE_ADAPTER_FUNC *CloseAdapter;
  WINTUN_START_SESSION_FUNC *StartSession;
  WINTUN_END_SESSION_FUNC *EndSession;
  WINTUN_GET_READ_WAIT_EVENT_FUNC *GetReadWaitEvent;
  WINTUN_RECEIVE_PACKET_FUNC *ReceivePacket;
  WINTUN_RELEASE_RECEIVE_PACKET_FUNC *ReleaseReceivePacket;
  WINTUN_ALLOCATE_SEND_PACKET_FUNC *AllocateSendPacket;
  WINTUN_SEND_PACKET_FUNC *SendPacket;
  /* Emulator extras, optional: a real wintun.dll has none of them. */
  BOOL (*GetInterfaceName)(WINTUN_ADAPTER_HANDLE, char *, DWORD);
  BOOL (*GetSessionCounters)(WINTUN_SESSION_HANDLE, WINTUN_EMU_COUNTERS *);
  DWORD (*GetLastError)(void);
} wintun_exports;

static int resolve(void *library, const char *name, void **slot, int required) {
  *slot = dlsym(library, name);
  if (*slot == NULL && required) {
    fprintf(stderr, "%s: not exported by the wintun library\n", name);
    return 0;
  }
  return 1;
}

static int load_wintun(const char *path, wintun_exports *api) {
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
    return 0;
  }
  return resolve(library, "WintunCreateAdapter", (void **)&api->CreateAdapter, 1) &&
         resolve(library, "WintunCloseAdapter", (void **)&api->CloseAdapter, 1) &&
         resolve(library, "WintunStartSession", (void **)&api->StartSession, 1) &&
         resolve(library, "WintunEndSession", (void **)&api->EndSession, 1) &&
         resolve(library, "WintunGetReadWaitEvent", (void **)&api->GetReadWaitEvent, 1) &&
         resolve(library, "WintunReceivePacket", (void **)&api->ReceivePacket, 1) &&
         resolve(library, "WintunReleaseReceivePacket", (void **)&api->ReleaseReceivePacket, 1) &&
         resolve(library, "WintunAllocateSendPacket", (void **)&api->AllocateSendPacket, 1) &&
         resolve(library, "WintunSendPacket", (void **)&api->SendPacket, 1) &&
         resolve(library, "WintunEmuGetInterfaceName", (void **)&api->GetInterfaceName, 0) &&
         resolve(library, "WintunEmuGetSessionCounters", (void **)&api->GetSessionCounters, 0) &&
         resolve(library, "WintunEmuGetLastError", (void **)&api->GetLastError, 0);
}

/* The Win32 last error of the failed call: the emulator keeps it per thread and in errno. */
static DWORD last_error(const wintun_exports *api) {
  return api->GetLastError != NULL ? api->GetLastError() : (DWORD)errno;
}

static uint64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Waits for the auto-reset read event: poll, then read the eventfd to consume the signal. A
 * bounded timeout lets the loop notice a stop request; a spurious return only costs a retry. */
static void wait_read_event(int event_fd) {
  struct pollfd watch = {.fd = event_fd, .events = POLLIN, .revents = 0};
  if (poll(&watch, 1, 100) > 0 && (watch.revents & POLLIN) != 0) {
    uint64_t signals;
    ssize_t ignored = read(event_fd, &signals, sizeof signals);
    (void)ignored;
  }
}

/* The calibration's busy wait: spins on the clock, so it costs the same on any CPU. */
static void busy_wait_ns(uint64_t duration_ns) {
  if (duration_ns == 0) {
    return;
  }
  uint64_t until = monotonic_ns() + duration_ns;
  while (monotonic_ns() < until) {
  }
}

/* Answers one received packet through the send ring. 0 when the session is gone. */
static int answer(const wintun_exports *api, WINTUN_SESSION_HANDLE session, const BYTE *packet,
                  DWORD size, uint64_t extra_work_ns, reflector_counts *counts) {
  /* Checked before allocating so non-UDP traffic costs no send-ring space. */
  if (!udp_is_reflectable(packet, size)) {
    counts->ignored++;
    return 1;
  }
  BYTE *reply = api->AllocateSendPacket(session, size);
  if (reply == NULL) {
    DWORD error = last_error(api);
    counts->dropped++;
    return error != WINTUN_ERROR_HANDLE_EOF;
  }
  memcpy(reply, packet, size);
  udp_swap_in_place(reply, size);
  busy_wait_ns(extra_work_ns);
  api->SendPacket(session, reply);
  counts->reflected++;
  return 1;
}

static void utf16_from_ascii(const char *text, WINTUN_WCHAR *out, size_t capacity) {
  size_t i = 0;
  for (; text[i] != '\0' && i + 1 < capacity; i++) {
    out[i] = (WINTUN_WCHAR)(unsigned char)text[i];
  }
  out[i] = 0;
}

int main(int argc, char **argv) {
  const char *library_path = NULL;
  const char *adapter_name = NULL;
  DWORD capacity = 0x400000;
  uint64_t spin_ns = 20000;
  uint64_t extra_work_ns = 0;
  unsigned max_seconds = 600;
  int usage_error = (argc - 1) % 2 != 0;
  for (int i = 1; !usage_error && i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--library") == 0) {
      library_path = argv[i + 1];
    } else if (strcmp(argv[i], "--adapter") == 0) {
      adapter_name = argv[i + 1];
    } else if (strcmp(argv[i], "--capacity") == 0) {
      capacity = (DWORD)reflector_parse_number(argv[i], argv[i + 1], 0, UINT32_MAX);
    } else if (strcmp(argv[i], "--spin-us") == 0) {
      spin_ns = 1000u * reflector_parse_number(argv[i], argv[i + 1], 0, 100000);
    } else if (strcmp(argv[i], "--extra-work-ns") == 0) {
      extra_work_ns = reflector_parse_number(argv[i], argv[i + 1], 0, 1000000);
    } else if (strcmp(argv[i], "--max-seconds") == 0) {
      max_seconds = (unsigned)reflector_parse_number(argv[i], argv[i + 1], 1, 86400);
    } else {
      usage_error = 1;
    }
  }
  if (usage_error || library_path == NULL || adapter_name == NULL) {
    fprintf(stderr,
            "usage: %s --library PATH --adapter NAME [--capacity BYTES] [--spin-us N] "
            "[--extra-work-ns N] [--max-seconds N]\n",
            argv[0]);
    return 2;
  }

  reflector_install_stop(max_seconds);
  wintun_exports api;
  memset(&api, 0, sizeof api);
  if (!load_wintun(library_path, &api)) {
    return 1;
  }
  WINTUN_WCHAR name[WINTUN_MAX_ADAPTER_NAME];
  WINTUN_WCHAR tunnel_type[16];
  utf16_from_ascii(adapter_name, name, WINTUN_MAX_ADAPTER_NAME);
  utf16_from_ascii("MagmaBench", tunnel_type, 16);
  WINTUN_ADAPTER_HANDLE adapter = api.CreateAdapter(name, tunnel_type, NULL);
  if (adapter == NULL) {
    fprintf(stderr, "WintunCreateAdapter: error %" PRIu32 "\n", last_error(&api));
    return 1;
  }
  WINTUN_SESSION_HANDLE session = api.StartSession(adapter, capacity);
  if (session == NULL) {
    fprintf(stderr, "WintunStartSession: error %" PRIu32 "\n", last_error(&api));
    api.CloseAdapter(adapter);
    return 1;
  }
  int event_fd = (int)(intptr_t)api.GetReadWaitEvent(session);
  char ifname[16];
  if (api.GetInterfaceName == NULL || !api.GetInterfaceName(adapter, ifname, sizeof ifname)) {
    snprintf(ifname, sizeof ifname, "%s", adapter_name);
  }
  reflector_announce_ready(ifname);

  reflector_counts counts = {0, 0, 0};
  uint64_t spin_until = 0;
  int session_alive = 1;
  uint64_t waits = 0;
  while (session_alive && !reflector_stop_requested) {
    DWORD size = 0;
    BYTE *packet = api.ReceivePacket(session, &size);
    if (packet != NULL) {
      session_alive = answer(&api, session, packet, size, extra_work_ns, &counts);
      api.ReleaseReceivePacket(session, packet);
      spin_until = 0;
      continue;
    }
    DWORD error = last_error(&api);
    if (error != WINTUN_ERROR_NO_MORE_ITEMS) {
      fprintf(stderr, "WintunReceivePacket: error %" PRIu32 "\n", error);
      break;
    }
    /* Spin briefly before sleeping: under load the next packet is usually microseconds away,
     * and a wakeup through the event costs more than that. */
    uint64_t now = monotonic_ns();
    if (spin_until == 0) {
      spin_until = now + spin_ns;
    }
    if (now < spin_until) {
      continue;
    }
    waits++;
    wait_read_event(event_fd);
    spin_until = 0;
  }

  char extra[512];
  int used = snprintf(extra, sizeof extra, "\"waits\":%" PRIu64, waits);
  WINTUN_EMU_COUNTERS driver;
  if (api.GetSessionCounters != NULL && api.GetSessionCounters(session, &driver)) {
    snprintf(extra + used, sizeof extra - (size_t)used,
             ",\"driver\":{\"packetsToApp\":%" PRIu64 ",\"packetsFromApp\":%" PRIu64
             ",\"batchesDroppedRingFull\":%" PRIu64 ",\"packetsDroppedRingFull\":%" PRIu64 "}",
             driver.PacketsToApp, driver.PacketsFromApp, driver.BatchesDroppedRingFull,
             driver.PacketsDroppedRingFull);
  }
  api.EndSession(session);
  api.CloseAdapter(adapter);
  reflector_print_summary(&counts, extra);
  return 0;
}
