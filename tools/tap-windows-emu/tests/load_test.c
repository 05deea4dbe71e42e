/* Ending a handle while traffic flows: every posted read completes, none stays pending, and
 * nothing crashes or races (these cases matter most under ThreadSanitizer). */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

enum { SLOTS = 4 };

typedef struct {
  HANDLE device;
  PostedRead slots[SLOTS];
  bool ended[SLOTS];
  DWORD endError[SLOTS]; /* how each slot ended: the completion's or the re-post's error */
  long packets;
} ReadLoop;

typedef struct {
  int socketFd;
  atomic_bool stop;
} Flood;

/* Keeps SLOTS reads posted, re-posting each as it completes, until every slot has ended (a
 * completion or a re-post failed) or 5 s pass. */
static void *readLoop(void *argument) {
  ReadLoop *loop = argument;
  uint64_t deadline = nowMs() + 5000;
  int ended = 0;
  while (ended < SLOTS && nowMs() < deadline) {
    for (int i = 0; i < SLOTS; ++i) {
      if (loop->ended[i]) continue;
      DWORD bytes = 0;
      long status = finishRead(loop->device, &loop->slots[i], 20, &bytes);
      if (status < 0) continue;
      if (status != 0) {
        loop->ended[i] = true;
        loop->endError[i] = (DWORD)status;
        ++ended;
        continue;
      }
      ++loop->packets;
      BOOL ok = api->ReadFile(loop->device, loop->slots[i].buffer, READ_BUFFER, NULL,
                              &loop->slots[i].overlapped);
      DWORD error = api->GetLastError();
      if (!ok && error != ERROR_IO_PENDING) {
        loop->ended[i] = true;
        loop->endError[i] = error;
        ++ended;
      }
    }
  }
  return NULL;
}

static void *flood(void *argument) {
  Flood *f = argument;
  udpFloodPeer(f->socketFd, 5353, "load", 20000, &f->stop);
  return NULL;
}

typedef enum { END_BY_CLOSE, END_BY_REMOVAL } Ending;

static void endUnderLoad(Ending ending, const char16_t *name) {
  TestAdapter adapter = createTestAdapter(name);
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  int socketFd = udpSocket(4000);
  primePeer(device, socketFd);
  static ReadLoop loop;
  memset(&loop, 0, sizeof loop);
  loop.device = device;
  for (int i = 0; i < SLOTS; ++i) postRead(device, &loop.slots[i], READ_BUFFER);
  Flood load = {socketFd, false};
  pthread_t reader, sender;
  CHECK(pthread_create(&reader, NULL, readLoop, &loop) == 0, "pthread_create failed");
  CHECK(pthread_create(&sender, NULL, flood, &load) == 0, "pthread_create failed");
  sleepMs(150);
  if (ending == END_BY_CLOSE) {
    CHECK(api->CloseHandle(device), "CloseHandle failed");
  } else {
    CHECK_EQ_U(TapEmuDeleteAdapter(adapter.guid), 0);
  }
  pthread_join(reader, NULL);
  atomic_store(&load.stop, true);
  pthread_join(sender, NULL);
  CHECK(loop.packets > 0, "no traffic flowed before the end");
  for (int i = 0; i < SLOTS; ++i) {
    CHECK(loop.ended[i], "read slot %d never ended", i);
    CHECK(__atomic_load_n(&loop.slots[i].overlapped.Internal, __ATOMIC_ACQUIRE) != 0x103,
          "slot %d is still pending", i);
    /* A completion aborted by the end, or a re-post refused after it. */
    bool expected = loop.endError[i] == ERROR_OPERATION_ABORTED ||
                    (ending == END_BY_CLOSE && loop.endError[i] == ERROR_INVALID_HANDLE);
    CHECK(expected, "slot %d ended with %u", i, loop.endError[i]);
    closeEvent(&loop.slots[i]);
  }
  if (ending == END_BY_REMOVAL) CHECK(api->CloseHandle(device), "CloseHandle failed");
  close(socketFd);
}

/* B.2: CloseHandle under traffic cancels every posted read (ERROR_OPERATION_ABORTED), and later
 * reads on the closed handle fail with ERROR_INVALID_HANDLE. */
void closeUnderLoadEndsEveryRead(void) { endUnderLoad(END_BY_CLOSE, u"CloseLoad"); }

/* B.5: removal under traffic aborts every posted read and refuses the re-posts with
 * ERROR_OPERATION_ABORTED. */
void removalUnderLoadEndsEveryRead(void) { endUnderLoad(END_BY_REMOVAL, u"RemoveLoad"); }
