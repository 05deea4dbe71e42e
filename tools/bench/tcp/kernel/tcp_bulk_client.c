/*
 * The kernel side of the TCP benchmark's bulk tests (../README.md): a client on the Linux kernel's
 * TCP that connects to the endpoint under test and moves data one way for a fixed time.
 *
 *   tcp-bulk-client send    --connect 198.18.0.2 [--port 5001]   to the endpoint's SINK ("up")
 *   tcp-bulk-client receive --connect 198.18.0.2 [--port 5002]   from its SOURCE ("down")
 *       [--warmup-ms 1000] [--duration-ms 5000] [--connect-timeout-ms 5000] [--verify]
 *
 * Timeline: connect (retrying refused or unreachable attempts until --connect-timeout-ms), move
 * data for --warmup-ms (slow start, buffer autotuning), print {"measuring":true}, move data for
 * --duration-ms, print one JSON result line, close. Bounded: it never runs longer than the connect
 * timeout plus the warm-up plus the duration (and one 100 ms socket timeout).
 *
 * Buffers are left to the kernel's autotuning (net.ipv4.tcp_wmem / tcp_rmem, up to 4 and 6 MiB by
 * default): setting SO_SNDBUF or SO_RCVBUF would switch autotuning off and cap them at
 * net.core.wmem_max / rmem_max (208 KiB by default).
 *
 * Sent data follows bulk_pattern.h; --verify checks received data against it (for sources that
 * write that pattern, like tcp-endpoint-kernel's).
 *
 * The result line, over the measured window only:
 *   bytes               receiving: bytes read; sending: bytes the endpoint acknowledged
 *                       (tcpi_bytes_acked), not bytes queued in the socket buffer
 *   seconds, mbps       the window's length, and bytes * 8 / seconds / 1e6
 *   cpuSeconds          this process, user + system (getrusage)
 *   machineBusySeconds  every CPU, from /proc/stat: user, nice, system, irq, softirq, steal
 *   retransmits         segments this side retransmitted (tcpi_total_retrans)
 *   outOfOrderPackets   packets this side received out of order (tcpi_rcv_ooopack)
 *   longestGapMs        the longest time one send() or recv() waited without moving a byte
 *   mss, rttMicros      tcpi_snd_mss and tcpi_rtt at the end of the window
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bulk_pattern.h"

typedef enum { MODE_SEND, MODE_RECEIVE } bulk_mode;

typedef struct {
  bulk_mode mode;
  struct in_addr address;
  unsigned port;
  uint64_t warmup_ns;
  uint64_t duration_ns;
  uint64_t connect_timeout_ns;
  bool verify;
} client_options;

/* Counters read at the start and at the end of the measured window. */
typedef struct {
  uint64_t at_ns;
  uint64_t bytes;
  double cpu_seconds;
  double machine_busy_seconds;
  uint32_t retransmits;
  uint32_t out_of_order;
} window_mark;

static const char usage[] =
    "usage: tcp-bulk-client send|receive --connect IPV4 [--port N] [--warmup-ms N]\n"
    "                       [--duration-ms N] [--connect-timeout-ms N] [--verify]\n";

static uint64_t now_ns(void) {
  struct timespec time;
  clock_gettime(CLOCK_MONOTONIC, &time);
  return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

static void fail(const char *what) {
  fprintf(stderr, "tcp-bulk-client: %s: %s\n", what, strerror(errno));
  exit(1);
}

static unsigned long parse_number(const char *option, const char *text, unsigned long min,
                                  unsigned long max) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "%s: expected a number in %lu..%lu, got \"%s\"\n", option, min, max, text);
    exit(2);
  }
  return value;
}

static client_options parse_options(int argc, char **argv) {
  client_options options = {
      .warmup_ns = 1000 * 1000000ull,
      .duration_ns = 5000 * 1000000ull,
      .connect_timeout_ns = 5000 * 1000000ull,
  };
  if (argc < 2) goto bad;
  if (strcmp(argv[1], "send") == 0) {
    options.mode = MODE_SEND;
    options.port = 5001;
  } else if (strcmp(argv[1], "receive") == 0) {
    options.mode = MODE_RECEIVE;
    options.port = 5002;
  } else {
    goto bad;
  }
  bool have_address = false;
  for (int i = 2; i < argc; i++) {
    const char *name = argv[i];
    if (strcmp(name, "--verify") == 0) {
      options.verify = true;
      continue;
    }
    if (i + 1 >= argc) goto bad;
    const char *value = argv[++i];
    if (strcmp(name, "--connect") == 0) {
      if (inet_pton(AF_INET, value, &options.address) != 1) goto bad;
      have_address = true;
    } else if (strcmp(name, "--port") == 0) {
      options.port = (unsigned)parse_number(name, value, 1, 65535);
    } else if (strcmp(name, "--warmup-ms") == 0) {
      options.warmup_ns = parse_number(name, value, 0, 60000) * 1000000ull;
    } else if (strcmp(name, "--duration-ms") == 0) {
      options.duration_ns = parse_number(name, value, 1, 600000) * 1000000ull;
    } else if (strcmp(name, "--connect-timeout-ms") == 0) {
      options.connect_timeout_ns = parse_number(name, value, 1, 60000) * 1000000ull;
    } else {
      goto bad;
    }
  }
  if (have_address) return options;
bad:
  fputs(usage, stderr);
  exit(2);
}

static double machine_busy_seconds(void) {
  FILE *file = fopen("/proc/stat", "r");
  if (file == NULL) return 0;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  int fields = fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system,
                      &idle, &iowait, &irq, &softirq, &steal);
  fclose(file);
  if (fields < 7) return 0;
  return (double)(user + nice + system + irq + softirq + steal) / (double)sysconf(_SC_CLK_TCK);
}

static double process_cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
         (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

static struct tcp_info read_tcp_info(int fd) {
  struct tcp_info info;
  memset(&info, 0, sizeof info);
  socklen_t length = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) fail("TCP_INFO");
  return info;
}

/* Connects, retrying while the endpoint is not reachable yet; returns a blocking socket. */
static int connect_until(const client_options *options) {
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t)options->port)};
  peer.sin_addr = options->address;
  uint64_t deadline = now_ns() + options->connect_timeout_ns;
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    int error = 0;
    if (connect(fd, (struct sockaddr *)&peer, sizeof peer) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        uint64_t now = now_ns();
        int wait_ms = now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
        struct pollfd waiting = {.fd = fd, .events = POLLOUT};
        int ready = poll(&waiting, 1, wait_ms);
        socklen_t length = sizeof error;
        if (ready == 1) getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        else error = ETIMEDOUT;
      }
    }
    if (error == 0) {
      /* Back to blocking: SO_SNDTIMEO / SO_RCVTIMEO bound each call instead. */
      int flags = fcntl(fd, F_GETFL);
      if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) fail("fcntl");
      return fd;
    }
    close(fd);
    bool retry = error == ECONNREFUSED || error == ENETUNREACH || error == EHOSTUNREACH;
    if (!retry || now_ns() >= deadline) {
      errno = error;
      fail("connect");
    }
    struct timespec pause = {.tv_nsec = 50 * 1000000};
    nanosleep(&pause, NULL);
  }
}

static window_mark mark_window(int fd, uint64_t bytes_moved, bulk_mode mode) {
  struct tcp_info info = read_tcp_info(fd);
  return (window_mark){
      .at_ns = now_ns(),
      .bytes = mode == MODE_SEND ? info.tcpi_bytes_acked : bytes_moved,
      .cpu_seconds = process_cpu_seconds(),
      .machine_busy_seconds = machine_busy_seconds(),
      .retransmits = info.tcpi_total_retrans,
      .out_of_order = info.tcpi_rcv_ooopack,
  };
}

int main(int argc, char **argv) {
  client_options options = parse_options(argc, argv);
  static uint8_t pattern[BULK_PATTERN_BUFFER_BYTES];
  static uint8_t received[BULK_READ_BYTES];
  bulk_pattern_fill(pattern);

  int fd = connect_until(&options);
  /* Each blocking call returns within 100 ms, so the clock is looked at often enough. */
  struct timeval call_timeout = {.tv_usec = 100000};
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &call_timeout, sizeof call_timeout) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &call_timeout, sizeof call_timeout) != 0)
    fail("SO_SNDTIMEO/SO_RCVTIMEO");

  uint64_t started = now_ns();
  uint64_t window_starts = started + options.warmup_ns;
  uint64_t window_ends = window_starts + options.duration_ns;
  uint64_t offset = 0; /* bytes written to or read from the socket so far */
  uint64_t last_progress = started;
  uint64_t longest_gap_in_window = 0;
  bool measuring = false;
  window_mark start = {0};

  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= window_starts) {
      start = mark_window(fd, offset, options.mode);
      measuring = true;
      last_progress = start.at_ns;
      printf("{\"measuring\":true}\n");
      fflush(stdout);
    }
    if (now >= window_ends) break;
    ssize_t moved;
    if (options.mode == MODE_SEND) {
      moved = send(fd, bulk_pattern_at(pattern, offset), BULK_CHUNK_BYTES, MSG_NOSIGNAL);
    } else {
      moved = recv(fd, received, sizeof received, 0);
      if (moved == 0) {
        fprintf(stderr, "tcp-bulk-client: the endpoint closed the connection after %" PRIu64
                        " bytes\n", offset);
        return 1;
      }
    }
    uint64_t after = now_ns();
    if (moved < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        fail(options.mode == MODE_SEND ? "send" : "recv");
      moved = 0;
    }
    if (moved > 0) {
      if (options.verify && options.mode == MODE_RECEIVE) {
        size_t good = bulk_pattern_mismatch(pattern, received, (size_t)moved, offset);
        if (good != (size_t)moved) {
          fprintf(stderr, "tcp-bulk-client: received byte %" PRIu64 " is %u, expected %u\n",
                  offset + good, received[good],
                  (unsigned)((offset + good) % BULK_PATTERN_PERIOD));
          return 1;
        }
      }
      offset += (uint64_t)moved;
      if (measuring && after - last_progress > longest_gap_in_window)
        longest_gap_in_window = after - last_progress;
      last_progress = after;
    } else if (measuring && after - last_progress > longest_gap_in_window) {
      longest_gap_in_window = after - last_progress;
    }
  }

  window_mark end = mark_window(fd, offset, options.mode);
  struct tcp_info info = read_tcp_info(fd);
  double seconds = (double)(end.at_ns - start.at_ns) / 1e9;
  uint64_t bytes = end.bytes - start.bytes;
  printf("{\"mode\":\"%s\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"mbps\":%.1f,"
         "\"cpuSeconds\":%.4f,\"machineBusySeconds\":%.4f,\"retransmits\":%" PRIu32
         ",\"outOfOrderPackets\":%" PRIu32 ",\"longestGapMs\":%.1f,\"mss\":%" PRIu32
         ",\"rttMicros\":%" PRIu32 "}\n",
         options.mode == MODE_SEND ? "send" : "receive", bytes, seconds,
         (double)bytes * 8 / seconds / 1e6, end.cpu_seconds - start.cpu_seconds,
         end.machine_busy_seconds - start.machine_busy_seconds,
         end.retransmits - start.retransmits, end.out_of_order - start.out_of_order,
         (double)longest_gap_in_window / 1e6, info.tcpi_snd_mss, info.tcpi_rtt);
  fflush(stdout);
  close(fd);
  return 0;
}
