/* Rights: a process that may not create TUN interfaces gets ERROR_ACCESS_DENIED (5) from create,
 * open, start-session and DeleteDriver. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

static void expectAccessDenied(WINTUN_ADAPTER_HANDLE existing) {
  errno = 0;
  CHECK(WintunCreateAdapter(W("denied0"), W("Magma"), NULL) == NULL, "create allowed");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ACCESS_DENIED);
  CHECK_EQ_U(errno, WINTUN_ERROR_ACCESS_DENIED);
  CHECK(WintunOpenAdapter(W("rights0")) == NULL, "open allowed");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ACCESS_DENIED);
  CHECK(WintunStartSession(existing, TEST_CAPACITY) == NULL, "start session allowed");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ACCESS_DENIED);
  CHECK(!WintunDeleteDriver(), "DeleteDriver allowed");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ACCESS_DENIED);
}

static void dropNetAdmin(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  CHECK(syscall(SYS_capget, &header, data) == 0, "capget: %s", strerror(errno));
  data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
  data[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
  data[CAP_NET_ADMIN / 32].inheritable &= ~(1u << (CAP_NET_ADMIN % 32));
  CHECK(syscall(SYS_capset, &header, data) == 0, "capset: %s", strerror(errno));
}

void accessDeniedWithoutNetAdmin(void) {
  TestAdapter made = createTestAdapter(W("rights0"));
  fflush(NULL);
  pid_t child = fork();
  CHECK(child >= 0, "fork: %s", strerror(errno));
  if (child == 0) {
    dropNetAdmin();
    expectAccessDenied(made.adapter);
    _exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child, "waitpid");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the unprivileged child failed (%d)",
        status);
  WINTUN_SESSION_HANDLE session = WintunStartSession(made.adapter, TEST_CAPACITY);
  CHECK(session != NULL, "the privileged parent cannot start a session: %u",
        WintunEmuGetLastError());
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void accessDeniedSwitchActsAsUnprivileged(void) {
  TestAdapter made = createTestAdapter(W("rights0"));
  WintunEmuSetAccessDenied(1);
  expectAccessDenied(made.adapter);
  WintunEmuSetAccessDenied(0);
  WINTUN_SESSION_HANDLE session = WintunStartSession(made.adapter, TEST_CAPACITY);
  CHECK(session != NULL, "start failed after lifting the switch: %u", WintunEmuGetLastError());
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
