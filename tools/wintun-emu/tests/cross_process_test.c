/* Adapters are shared by every process of the network namespace, as Wintun devices are by every
 * process of a Windows machine: a process opens what another created, at most one session runs
 * on an adapter whichever process starts it, names are renamed across processes, and adapter
 * calls are serialised across processes. The other process is a forked peer that runs commands
 * sent over a pipe. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

typedef struct {
  pid_t pid;
  int commands; /* parent -> peer */
  int replies;  /* peer -> parent */
} Peer;

enum {
  kCreate = 'c',
  kStartSession = 's',
  kEndSession = 'e',
  kCloseAdapter = 'x',
  kQuit = 'q',
};

typedef struct {
  uint32_t error; /* 0, or the Win32 code of the failed call */
  char ifname[16];
} PeerReply;

static void peerLoop(const WINTUN_WCHAR *name, int commands, int replies) {
  WINTUN_ADAPTER_HANDLE adapter = NULL;
  WINTUN_SESSION_HANDLE session = NULL;
  char command;
  while (read(commands, &command, 1) == 1) {
    PeerReply reply = {0, {0}};
    switch (command) {
      case kCreate:
        adapter = WintunCreateAdapter(name, W("Magma"), NULL);
        if (adapter == NULL) reply.error = WintunEmuGetLastError();
        else WintunEmuGetInterfaceName(adapter, reply.ifname, sizeof reply.ifname);
        break;
      case kStartSession:
        session = WintunStartSession(adapter, TEST_CAPACITY);
        if (session == NULL) reply.error = WintunEmuGetLastError();
        break;
      case kEndSession:
        WintunEndSession(session);
        session = NULL;
        break;
      case kCloseAdapter:
        WintunCloseAdapter(adapter);
        adapter = NULL;
        break;
      default:
        _exit(0);
    }
    if (write(replies, &reply, sizeof reply) != (ssize_t)sizeof reply) _exit(2);
  }
  _exit(3);
}

static Peer startPeer(const WINTUN_WCHAR *name) {
  int commands[2], replies[2];
  CHECK(pipe(commands) == 0 && pipe(replies) == 0, "pipe failed");
  pid_t pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    close(commands[1]);
    close(replies[0]);
    peerLoop(name, commands[0], replies[1]);
  }
  close(commands[0]);
  close(replies[1]);
  Peer peer = {pid, commands[1], replies[0]};
  return peer;
}

static void sendCommand(Peer *peer, char command) {
  CHECK(write(peer->commands, &command, 1) == 1, "peer gone");
}

static PeerReply awaitReply(Peer *peer) {
  PeerReply reply;
  CHECK(read(peer->replies, &reply, sizeof reply) == (ssize_t)sizeof reply, "peer gave no reply");
  return reply;
}

static PeerReply ask(Peer *peer, char command) {
  sendCommand(peer, command);
  return awaitReply(peer);
}

static void stopPeer(Peer *peer) {
  char quit = kQuit;
  CHECK(write(peer->commands, &quit, 1) == 1, "peer gone");
  int status = 0;
  CHECK(waitpid(peer->pid, &status, 0) == peer->pid, "waitpid failed");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer ended with status %d", status);
  close(peer->commands);
  close(peer->replies);
}

static uint64_t luidOf(WINTUN_ADAPTER_HANDLE adapter) {
  WINTUN_NET_LUID luid;
  WintunGetAdapterLUID(adapter, &luid);
  return luid.Value;
}

void openFindsAdapterOfAnotherProcess(void) {
  Peer peer = startPeer(W("Xproc-0"));
  PeerReply created = ask(&peer, kCreate);
  CHECK(created.error == 0, "peer create failed: %u", created.error);
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("XPROC-0"));
  CHECK(opened != NULL, "open failed: %u", WintunEmuGetLastError());
  CHECK_EQ_U(luidOf(opened), (53ull << 48) | ((uint64_t)interfaceIndex(created.ifname) << 24));
  char ifname[16];
  interfaceNameOf(opened, ifname);
  CHECK(strcmp(ifname, created.ifname) == 0, "opened %s, peer made %s", ifname, created.ifname);
  GUID guid;
  CHECK(!WintunEmuGetAdapterGuid(opened, &guid), "a foreign adapter's GUID was reported");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0x000E);
  /* A session here, on the peer's adapter, gets the kernel's packets. */
  runCommand("ip addr add " ADAPTER_ADDRESS "/24 dev %s", ifname);
  WINTUN_SESSION_HANDLE session = startTestSession(opened);
  CHECK(interfaceHasCarrier(ifname), "no carrier with the session running");
  expectReceivingWorks(session, 7201);
  /* Its creator closing it removes it, and ends the session running here. */
  CHECK(ask(&peer, kCloseAdapter).error == 0, "peer close failed");
  expectEndOfSession(session);
  CHECK(interfaceIndex(ifname) == 0, "the interface outlived its creator's handle");
  WintunEndSession(session);
  CHECK(WintunStartSession(opened, TEST_CAPACITY) == NULL, "a session started on a removed adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_FILE_NOT_FOUND);
  WintunCloseAdapter(opened);
  CHECK(WintunOpenAdapter(W("Xproc-0")) == NULL, "opened a removed adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  stopPeer(&peer);
}

void sessionIsExclusiveAcrossProcesses(void) {
  Peer peer = startPeer(W("xsess0"));
  PeerReply created = ask(&peer, kCreate);
  CHECK(created.error == 0, "peer create failed: %u", created.error);
  CHECK(ask(&peer, kStartSession).error == 0, "peer session failed");
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("xsess0"));
  CHECK(opened != NULL, "open failed: %u", WintunEmuGetLastError());
  CHECK(WintunStartSession(opened, TEST_CAPACITY) == NULL, "a second session started");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_INITIALIZED);
  /* Once the peer's session ends, one may start here, and it alone gets the packets. */
  CHECK(ask(&peer, kEndSession).error == 0, "peer end failed");
  runCommand("ip addr add " ADAPTER_ADDRESS "/24 dev %s", created.ifname);
  WINTUN_SESSION_HANDLE session = startTestSession(opened);
  for (uint16_t port = 7202; port < 7212; ++port) expectReceivingWorks(session, port);
  PeerReply refused = ask(&peer, kStartSession);
  CHECK_EQ_U(refused.error, WINTUN_ERROR_ALREADY_INITIALIZED);
  WintunEndSession(session);
  CHECK(ask(&peer, kStartSession).error == 0, "the registration was not given back");
  CHECK(ask(&peer, kEndSession).error == 0, "peer end failed");
  WintunCloseAdapter(opened);
  CHECK(ask(&peer, kCloseAdapter).error == 0, "peer close failed");
  stopPeer(&peer);
}

void duplicateNameRenamesAdapterOfAnotherProcess(void) {
  Peer peer = startPeer(W("xdup0"));
  PeerReply created = ask(&peer, kCreate);
  CHECK(created.error == 0, "peer create failed: %u", created.error);
  WINTUN_ADAPTER_HANDLE mine = WintunCreateAdapter(W("xdup0"), W("Magma"), NULL);
  CHECK(mine != NULL, "create failed: %u", WintunEmuGetLastError());
  WINTUN_ADAPTER_HANDLE byName = WintunOpenAdapter(W("xdup0"));
  WINTUN_ADAPTER_HANDLE renamed = WintunOpenAdapter(W("xdup0 1"));
  CHECK(byName != NULL && renamed != NULL, "open failed: %u", WintunEmuGetLastError());
  CHECK(luidOf(byName) == luidOf(mine), "\"xdup0\" is not the newer adapter");
  CHECK_EQ_U(luidOf(renamed), (53ull << 48) | ((uint64_t)interfaceIndex(created.ifname) << 24));
  WintunCloseAdapter(renamed);
  WintunCloseAdapter(byName);
  WintunCloseAdapter(mine);
  CHECK(ask(&peer, kCloseAdapter).error == 0, "peer close failed");
  stopPeer(&peer);
}

void concurrentCreatesAcrossProcessesAreSerialised(void) {
  /* Two processes create the same name at once, ten times: the device-installation lock makes
   * each pair end as wintun.dll's mutex does, one adapter "<Name>" and one "<Name> 1", never two
   * of the same name. */
  for (int round = 0; round < 10; ++round) {
    WINTUN_WCHAR name[8] = {'r', 'a', 'c', 'e', (WINTUN_WCHAR)('0' + round), 0};
    Peer first = startPeer(name);
    Peer second = startPeer(name);
    sendCommand(&first, kCreate);
    sendCommand(&second, kCreate);
    PeerReply a = awaitReply(&first);
    PeerReply b = awaitReply(&second);
    CHECK(a.error == 0 && b.error == 0, "create failed: %u, %u", a.error, b.error);
    WINTUN_WCHAR renamedName[10] = {'r', 'a', 'c', 'e', (WINTUN_WCHAR)('0' + round), ' ', '1', 0};
    WINTUN_ADAPTER_HANDLE holder = WintunOpenAdapter(name);
    WINTUN_ADAPTER_HANDLE renamed = WintunOpenAdapter(renamedName);
    CHECK(holder != NULL && renamed != NULL, "round %d: open failed: %u", round,
          WintunEmuGetLastError());
    CHECK(luidOf(holder) != luidOf(renamed), "round %d: one adapter holds both names", round);
    WintunCloseAdapter(renamed);
    WintunCloseAdapter(holder);
    CHECK(ask(&first, kCloseAdapter).error == 0, "close failed");
    CHECK(ask(&second, kCloseAdapter).error == 0, "close failed");
    stopPeer(&first);
    stopPeer(&second);
  }
}
