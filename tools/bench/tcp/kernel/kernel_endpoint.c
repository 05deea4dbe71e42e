/*
 * The TCP benchmark's ceiling: an endpoint (../README.md, "The endpoint contract") on the Linux
 * kernel's own TCP, reached across a veth pair. The harness creates and configures the veth before
 * starting it, so it only binds to its address:
 *
 *   tcp-endpoint-kernel --address 198.18.0.2 [--max-seconds 600]
 *                       [--ifname N --peer A --prefix-length N --mtu N: accepted, not used]
 *
 * SINK on port 5001 (reads and discards until the peer closes), SOURCE on 5002 (writes
 * bulk_pattern.h's bytes until the peer closes or resets). Prints "ready" once both listen; exits
 * 0 on SIGTERM or SIGINT, or after --max-seconds. One thread per connection, blocking calls, the
 * same call sizes as the client: nothing here should be slower than the kernel under it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bulk_pattern.h"

enum { SINK_PORT = 5001, SOURCE_PORT = 5002 };

static volatile sig_atomic_t stop_requested = 0;
static uint8_t pattern[BULK_PATTERN_BUFFER_BYTES];

static void request_stop(int signal_number) {
  (void)signal_number;
  stop_requested = 1;
}

static void fail(const char *what) {
  fprintf(stderr, "tcp-endpoint-kernel: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int listen_on(struct in_addr address, unsigned port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  local.sin_addr = address;
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) fail("bind");
  if (listen(fd, 128) != 0) fail("listen");
  return fd;
}

static void *sink_connection(void *argument) {
  int fd = (int)(intptr_t)argument;
  static __thread uint8_t discarded[BULK_READ_BYTES];
  while (recv(fd, discarded, sizeof discarded, 0) > 0) {
  }
  close(fd);
  return NULL;
}

static void *source_connection(void *argument) {
  int fd = (int)(intptr_t)argument;
  /* Whole chunks only (a multiple of the pattern's period), so the stream stays in pattern. */
  uint64_t offset = 0;
  for (;;) {
    ssize_t sent = send(fd, bulk_pattern_at(pattern, offset), BULK_CHUNK_BYTES, MSG_NOSIGNAL);
    if (sent <= 0) break;
    offset += (uint64_t)sent;
  }
  close(fd);
  return NULL;
}

static void start_connection(int listener, void *(*serve)(void *)) {
  int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attributes, serve, (void *)(intptr_t)fd) != 0) close(fd);
  pthread_attr_destroy(&attributes);
}

int main(int argc, char **argv) {
  struct in_addr address = {0};
  bool have_address = false;
  unsigned long max_seconds = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--address") == 0) {
      have_address = inet_pton(AF_INET, argv[i + 1], &address) == 1;
    } else if (strcmp(argv[i], "--max-seconds") == 0) {
      max_seconds = strtoul(argv[i + 1], NULL, 10);
    } else if (strcmp(argv[i], "--ifname") != 0 && strcmp(argv[i], "--peer") != 0 &&
               strcmp(argv[i], "--prefix-length") != 0 && strcmp(argv[i], "--mtu") != 0) {
      have_address = false;
      break;
    }
  }
  if (!have_address || argc % 2 == 0 || max_seconds < 1 || max_seconds > 86400) {
    fputs("usage: tcp-endpoint-kernel --address IPV4 [--max-seconds N]\n", stderr);
    return 2;
  }

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGALRM, &action, NULL);
  alarm((unsigned)max_seconds);

  bulk_pattern_fill(pattern);
  struct pollfd listeners[2] = {
      {.fd = listen_on(address, SINK_PORT), .events = POLLIN},
      {.fd = listen_on(address, SOURCE_PORT), .events = POLLIN},
  };
  printf("ready\n");
  fflush(stdout);

  while (!stop_requested) {
    if (poll(listeners, 2, 200) <= 0) continue;
    if (listeners[0].revents & POLLIN) start_connection(listeners[0].fd, sink_connection);
    if (listeners[1].revents & POLLIN) start_connection(listeners[1].fd, source_connection);
  }
  /* Connection threads may be inside blocking calls; the process ends them. */
  return 0;
}
