/*
 * The baseline reflector: straight on /dev/net/tun, one read() and one write() per packet, as a
 * plain Linux program would do it. See README.md for how the benchmark drives it.
 *
 *   udp-reflector-tun --ifname NAME [--max-seconds N]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "reflector_process.h"
#include "udp_swap.h"

static int open_tun(const char *ifname, char actual_name[IFNAMSIZ]) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "open /dev/net/tun: %s\n", strerror(errno));
    return -1;
  }
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(request.ifr_name, ifname, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &request) < 0) {
    fprintf(stderr, "TUNSETIFF %s: %s\n", ifname, strerror(errno));
    close(fd);
    return -1;
  }
  memcpy(actual_name, request.ifr_name, IFNAMSIZ);
  actual_name[IFNAMSIZ - 1] = '\0';
  return fd;
}

int main(int argc, char **argv) {
  const char *ifname = NULL;
  unsigned max_seconds = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--ifname") == 0) {
      ifname = argv[i + 1];
    } else if (strcmp(argv[i], "--max-seconds") == 0) {
      max_seconds = (unsigned)reflector_parse_number(argv[i], argv[i + 1], 1, 86400);
    } else {
      ifname = NULL;
      break;
    }
  }
  if (ifname == NULL || (argc - 1) % 2 != 0 || strlen(ifname) >= IFNAMSIZ) {
    fprintf(stderr, "usage: %s --ifname NAME [--max-seconds N]\n", argv[0]);
    return 2;
  }

  reflector_install_stop(max_seconds);
  char actual_name[IFNAMSIZ];
  int fd = open_tun(ifname, actual_name);
  if (fd < 0) {
    return 1;
  }
  reflector_announce_ready(actual_name);

  static uint8_t packet[65536];
  reflector_counts counts = {0, 0, 0};
  while (!reflector_stop_requested) {
    ssize_t size = read(fd, packet, sizeof packet);
    if (size < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      fprintf(stderr, "read: %s\n", strerror(errno));
      break;
    }
    if (!udp_swap_in_place(packet, (size_t)size)) {
      counts.ignored++;
      continue;
    }
    if (write(fd, packet, (size_t)size) == size) {
      counts.reflected++;
    } else {
      counts.dropped++;
    }
  }
  close(fd);
  reflector_print_summary(&counts, NULL);
  return 0;
}
