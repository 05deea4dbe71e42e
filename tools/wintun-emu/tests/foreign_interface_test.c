/* Interfaces the library did not create (a persistent TUN or TAP from `ip tuntap add`, another
 * program's TUN shaped like an adapter): create and open refuse them with ERROR_ALREADY_EXISTS
 * and leave them exactly as they were: flags, up or down, addresses, owner, alias, queues. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

/* Everything `ip` reports about the interface (details, addresses), as one string. */
static void describe(const char *ifname, char *out, size_t capacity) {
  char command[160];
  snprintf(command, sizeof command, "ip -d -j link show dev %s && ip -j addr show dev %s", ifname,
           ifname);
  FILE *output = popen(command, "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  size_t got = fread(out, 1, capacity - 1, output);
  out[got] = '\0';
  CHECK(pclose(output) == 0, "%s failed", command);
  CHECK(got > 0 && got < capacity - 1, "unexpected output of %s", command);
}

static int interfaceCount(void) {
  FILE *output = popen("ip -o link show | wc -l", "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  int count = -1;
  CHECK(fscanf(output, "%d", &count) == 1, "no count");
  pclose(output);
  return count;
}

/* Create and open under the interface's own name both fail with 183; nothing changed. */
static void expectRefusedAndUntouched(const char *ifname, const WINTUN_WCHAR *adapterName) {
  static char before[16384], after[16384];
  describe(ifname, before, sizeof before);
  int interfaces = interfaceCount();
  CHECK(WintunCreateAdapter(adapterName, W("Magma"), NULL) == NULL, "created over %s", ifname);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_EXISTS);
  CHECK(WintunOpenAdapter(adapterName) == NULL, "opened %s", ifname);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_EXISTS);
  describe(ifname, after, sizeof after);
  CHECK(strcmp(before, after) == 0, "%s changed:\n%s\n---\n%s", ifname, before, after);
  CHECK(interfaceCount() == interfaces, "an interface was added or removed");
}

void createAndOpenRefuseForeignPersistentTun(void) {
  /* One down with an address, one up; both with an owner. */
  runCommand("ip tuntap add dev foreign0 mode tun user 4321 group 4321");
  runCommand("ip addr add 198.18.40.1/24 dev foreign0");
  runCommand("ip link set foreign0 alias foreign0");
  expectRefusedAndUntouched("foreign0", W("foreign0"));
  /* Open matches aliases ignoring case, as it matches adapter names. */
  CHECK(WintunOpenAdapter(W("FOREIGN0")) == NULL, "opened foreign0");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_EXISTS);
  runCommand("ip tuntap add dev foreign1 mode tun multi_queue user 4321");
  runCommand("ip link set foreign1 mtu 1400 up");
  expectRefusedAndUntouched("foreign1", W("foreign1"));
}

void createAndOpenRefuseForeignTap(void) {
  runCommand("ip tuntap add dev foreigntap0 mode tap");
  runCommand("ip link set foreigntap0 up");
  runCommand("ip addr add 198.18.41.1/24 dev foreigntap0");
  expectRefusedAndUntouched("foreigntap0", W("foreigntap0"));
}

void openRefusesForeignAdapterShapedTun(void) {
  /* What another program could make: multi-queue, not persistent, with an alias, its queue
   * attached. Only the creator's mark tells it from an adapter. */
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  CHECK(fd >= 0, "open /dev/net/tun: %s", strerror(errno));
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  snprintf(request.ifr_name, IFNAMSIZ, "lookalike0");
  CHECK(ioctl(fd, TUNSETIFF, &request) == 0, "TUNSETIFF: %s", strerror(errno));
  runCommand("ip link set lookalike0 alias lookalike0");
  expectRefusedAndUntouched("lookalike0", W("lookalike0"));
  /* Its queue is still the only one, attached: a session would have added its own. */
  char details[16384];
  describe("lookalike0", details, sizeof details);
  CHECK(strstr(details, "\"numqueues\":1,") != NULL && strstr(details, "\"numdisabled\":0") != NULL,
        "queues changed: %s", details);
  close(fd);
}

void createLeavesForeignAliasAlone(void) {
  /* Windows renames any interface holding the alias; here a foreign one is never touched. Open
   * refuses it while no adapter has the name, and finds the adapter once one does. */
  runCommand("ip tuntap add dev foreign2 mode tun");
  runCommand("ip link set foreign2 alias 'Magma Foreign'");
  CHECK(WintunOpenAdapter(W("Magma Foreign")) == NULL, "opened foreign2");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_EXISTS);
  static char before[16384], after[16384];
  describe("foreign2", before, sizeof before);
  WINTUN_ADAPTER_HANDLE adapter = WintunCreateAdapter(W("Magma Foreign"), W("Magma"), NULL);
  CHECK(adapter != NULL, "create failed: %u", WintunEmuGetLastError());
  describe("foreign2", after, sizeof after);
  CHECK(strcmp(before, after) == 0, "foreign2 changed:\n%s\n---\n%s", before, after);
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("Magma Foreign"));
  CHECK(opened != NULL, "open failed: %u", WintunEmuGetLastError());
  WINTUN_NET_LUID created, found;
  WintunGetAdapterLUID(adapter, &created);
  WintunGetAdapterLUID(opened, &found);
  CHECK(created.Value == found.Value, "opened another interface");
  WintunCloseAdapter(opened);
  WintunCloseAdapter(adapter);
}
