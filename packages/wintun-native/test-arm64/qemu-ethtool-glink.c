/*
 * Preloaded into the arm64 Node.js under qemu-user for test-arm64/ only. QEMU 7.2 (Debian 12)
 * does not translate the SIOCETHTOOL ioctl and fails it with ENOSYS, and the wintun emulator asks
 * ETHTOOL_GLINK after each carrier change so the kernel applies the change before it returns.
 * This answers that one request by running the build machine's ethtool on the interface, which
 * makes the same ioctl natively (with the same effect on the kernel) and prints the link state;
 * every other ioctl goes to the C library unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>

/* The commands popen runs are the build machine's own (x86-64) programs: they must not inherit
 * the preload of this arm64 library. */
__attribute__((constructor)) static void forget_preload(void) { unsetenv("LD_PRELOAD"); }

static int host_link_state(const char *name, struct ethtool_value *value) {
  char command[64 + IF_NAMESIZE];
  /* Interface names are at most 15 bytes of [A-Za-z0-9-]; the emulator's are its own. */
  snprintf(command, sizeof command, "ethtool '%.*s' 2>/dev/null", IF_NAMESIZE - 1, name);
  FILE *output = popen(command, "r");
  if (output == NULL) return -1;
  char line[256];
  int state = -1;
  while (fgets(line, sizeof line, output) != NULL) {
    if (strstr(line, "Link detected: yes") != NULL) state = 1;
    if (strstr(line, "Link detected: no") != NULL) state = 0;
  }
  if (pclose(output) != 0 || state < 0) {
    errno = EIO;
    return -1;
  }
  value->data = (unsigned)state;
  return 0;
}

int ioctl(int fd, unsigned long request, ...) {
  va_list arguments;
  va_start(arguments, request);
  void *argument = va_arg(arguments, void *);
  va_end(arguments);
  if (request == SIOCETHTOOL) {
    struct ifreq *interface = argument;
    struct ethtool_value *value = (struct ethtool_value *)interface->ifr_data;
    if (value->cmd == ETHTOOL_GLINK) return host_link_state(interface->ifr_name, value);
  }
  static int (*next)(int, unsigned long, ...);
  if (next == NULL) next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  return next(fd, request, argument);
}
