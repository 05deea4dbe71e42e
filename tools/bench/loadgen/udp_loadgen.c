/*
 * The kernel-side load generator every reflector benchmark shares. Run inside the benchmark's
 * network namespace: it sends UDP datagrams from LOCAL:SPORT (an address on the TUN interface) to
 * REMOTE:DPORT (routed out through the TUN), and expects each one back from REMOTE:DPORT, which is
 * what a reflector produces by swapping addresses and ports. The socket is connected, so the
 * kernel only delivers replies whose addresses and ports were swapped and whose checksums hold.
 *
 * Closed loop: at most --window datagrams are in flight; a new one is sent only when a reply
 * comes back, so the rate measured is the capacity of the whole path (kernel, TUN, reflector),
 * not a loss rate. If nothing comes back for --stall-ms, what is in flight counts as lost and the
 * window reopens.
 *
 * Flows: --flows N sends N UDP flows at once from one process, from source ports SPORT..SPORT+N-1,
 * each with its share of the window (rounded up) and its own stall time; the JSON line sums them
 * and its round trips are all flows' together. One process rather than N: on a machine whose cores
 * the reflector needs too, N generators each sleeping on its own socket wake N times where one
 * wakes once, and every wake-up is taken from the reflector (and paid for by the reflector's
 * thread that delivers the reply).
 *
 * Bounded: a --duration-ms measurement after --warmup-ms, and at most --max-packets sent; then
 * it drains what is in flight (at most --stall-ms more) and prints one JSON line on stdout.
 * Every reply is checked: length, run tag, sequence number and payload bytes.
 *
 * Round trips: each datagram's send time is kept beside its sequence number, and each reply
 * received during the measurement adds its round trip to a log-linear histogram (64 sub-buckets
 * per power of two: within 1.6 %), from which the JSON line gives rttP50Us, rttP99Us, rttP999Us
 * and rttMaxUs. Two clock reads per loop turn (one per sendmmsg, one per recvmmsg) serve the whole
 * batch, so the figure costs the throughput next to nothing; a datagram's time is taken before the
 * sendmmsg that sends it and after the recvmmsg that returns its reply, so a round trip includes
 * the generator's own system calls (at --window 1, one sendmmsg, a poll and a recvmmsg).
 *
 *   udp-loadgen --local 198.18.0.1 --remote 198.18.0.2 [--sport 40000] [--dport 9000]
 *               [--payload 64] [--window 256] [--batch 32] [--warmup-ms 300]
 *               [--duration-ms 3000] [--max-packets 50000000] [--stall-ms 100] [--flows 1]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
  MAX_BATCH = 256,
  MAX_WINDOW = 8192,
  MAX_FLOWS = 64,
  SEQUENCE_SLOTS = 65536, /* > MAX_WINDOW: a slot is reused only after its packet left the window */
  RTT_SUB_BITS = 6,       /* 64 sub-buckets per power of two of nanoseconds */
  RTT_BUCKETS = (64 - RTT_SUB_BITS + 1) << RTT_SUB_BITS,
  HEADER_BYTES = 16,      /* sequence number (8) + run tag (8) */
  MAX_PAYLOAD = 65507,
};

static const uint64_t NOT_IN_FLIGHT = UINT64_MAX;

typedef struct {
  struct in_addr local;
  struct in_addr remote;
  unsigned sport;
  unsigned dport;
  size_t payload;
  unsigned window;
  unsigned batch;
  uint64_t warmup_ns;
  uint64_t duration_ns;
  uint64_t max_packets; /* over all flows */
  int stall_ms;
  unsigned flows;
} loadgen_options;

typedef struct {
  uint64_t sent;
  uint64_t received;
  uint64_t lost;       /* sent, never answered within the stall time */
  uint64_t unexpected; /* answered twice, or after being counted lost */
  uint64_t corrupt;    /* a reply whose length, tag or bytes differ from what was sent */
  uint64_t stalls;
} loadgen_counts;

static uint64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Log-linear: values below 2^RTT_SUB_BITS exactly, above that the top RTT_SUB_BITS + 1 bits. */
static unsigned rtt_bucket(uint64_t ns) {
  if (ns < (1u << RTT_SUB_BITS)) {
    return (unsigned)ns;
  }
  unsigned top = 63u - (unsigned)__builtin_clzll(ns); /* >= RTT_SUB_BITS */
  unsigned shift = top - RTT_SUB_BITS;
  return ((shift + 1u) << RTT_SUB_BITS) + (unsigned)((ns >> shift) - (1u << RTT_SUB_BITS));
}

/* The middle of the values a bucket holds. */
static double rtt_bucket_value(unsigned bucket) {
  if (bucket < (1u << RTT_SUB_BITS)) {
    return (double)bucket;
  }
  unsigned shift = (bucket >> RTT_SUB_BITS) - 1u;
  uint64_t low = ((uint64_t)(bucket & ((1u << RTT_SUB_BITS) - 1u)) + (1u << RTT_SUB_BITS)) << shift;
  return (double)low + ((double)((uint64_t)1 << shift) - 1.0) / 2.0;
}

/* The value below which `fraction` of the samples lie (0 when there are none). */
static double rtt_quantile(const uint64_t *histogram, uint64_t samples, double fraction) {
  if (samples == 0) {
    return 0.0;
  }
  uint64_t rank = (uint64_t)(fraction * (double)samples);
  if (rank >= samples) {
    rank = samples - 1;
  }
  uint64_t seen = 0;
  for (unsigned bucket = 0; bucket < RTT_BUCKETS; bucket++) {
    seen += histogram[bucket];
    if (seen > rank) {
      return rtt_bucket_value(bucket);
    }
  }
  return 0.0;
}

static uint8_t pattern_byte(uint64_t sequence, size_t index) {
  return (uint8_t)(sequence * 131u + index * 7u + 1u);
}

static void fill_payload(uint8_t *buffer, size_t payload, uint64_t sequence, uint64_t tag) {
  memcpy(buffer, &sequence, 8);
  memcpy(buffer + 8, &tag, 8);
  for (size_t i = HEADER_BYTES; i < payload; i++) {
    buffer[i] = pattern_byte(sequence, i);
  }
}

static int payload_intact(const uint8_t *buffer, size_t length, size_t payload, uint64_t tag,
                          uint64_t *sequence) {
  uint64_t got_tag;
  if (length != payload) {
    return 0;
  }
  memcpy(sequence, buffer, 8);
  memcpy(&got_tag, buffer + 8, 8);
  if (got_tag != tag) {
    return 0;
  }
  for (size_t i = HEADER_BYTES; i < payload; i++) {
    if (buffer[i] != pattern_byte(*sequence, i)) {
      return 0;
    }
  }
  return 1;
}

static unsigned long parse_number(const char *option, const char *text, unsigned long min,
                                  unsigned long max) {
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "%s: expected a number in %lu..%lu, got \"%s\"\n", option, min, max, text);
    exit(2);
  }
  return (unsigned long)value;
}

static void parse_address(const char *option, const char *text, struct in_addr *address) {
  if (inet_pton(AF_INET, text, address) != 1) {
    fprintf(stderr, "%s: not an IPv4 address: \"%s\"\n", option, text);
    exit(2);
  }
}

static void parse_options(int argc, char **argv, loadgen_options *options) {
  int have_local = 0;
  int have_remote = 0;
  options->sport = 40000;
  options->dport = 9000;
  options->payload = 64;
  options->window = 256;
  options->batch = 32;
  options->warmup_ns = 300u * 1000000u;
  options->duration_ns = 3000u * 1000000ull;
  options->max_packets = 50000000u;
  options->stall_ms = 100;
  options->flows = 1;
  if ((argc - 1) % 2 != 0) {
    fprintf(stderr, "%s: every option takes a value\n", argv[0]);
    exit(2);
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *name = argv[i];
    const char *value = argv[i + 1];
    if (strcmp(name, "--local") == 0) {
      parse_address(name, value, &options->local);
      have_local = 1;
    } else if (strcmp(name, "--remote") == 0) {
      parse_address(name, value, &options->remote);
      have_remote = 1;
    } else if (strcmp(name, "--sport") == 0) {
      options->sport = (unsigned)parse_number(name, value, 1, 65535);
    } else if (strcmp(name, "--dport") == 0) {
      options->dport = (unsigned)parse_number(name, value, 1, 65535);
    } else if (strcmp(name, "--payload") == 0) {
      options->payload = parse_number(name, value, HEADER_BYTES, MAX_PAYLOAD);
    } else if (strcmp(name, "--window") == 0) {
      options->window = (unsigned)parse_number(name, value, 1, MAX_WINDOW);
    } else if (strcmp(name, "--batch") == 0) {
      options->batch = (unsigned)parse_number(name, value, 1, MAX_BATCH);
    } else if (strcmp(name, "--warmup-ms") == 0) {
      options->warmup_ns = 1000000ull * parse_number(name, value, 0, 60000);
    } else if (strcmp(name, "--duration-ms") == 0) {
      options->duration_ns = 1000000ull * parse_number(name, value, 1, 600000);
    } else if (strcmp(name, "--max-packets") == 0) {
      options->max_packets = parse_number(name, value, 1, 1000000000000ul);
    } else if (strcmp(name, "--stall-ms") == 0) {
      options->stall_ms = (int)parse_number(name, value, 1, 10000);
    } else if (strcmp(name, "--flows") == 0) {
      options->flows = (unsigned)parse_number(name, value, 1, MAX_FLOWS);
    } else {
      fprintf(stderr, "%s: unknown option %s\n", argv[0], name);
      exit(2);
    }
  }
  if (!have_local || !have_remote) {
    fprintf(stderr, "usage: %s --local ADDR --remote ADDR [options] (see the source header)\n",
            argv[0]);
    exit(2);
  }
  if (options->sport + options->flows - 1 > 65535) {
    fprintf(stderr, "--flows: %u flows from source port %u run past port 65535\n", options->flows,
            options->sport);
    exit(2);
  }
}

static int open_socket(const loadgen_options *options, unsigned sport) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("socket");
    return -1;
  }
  int buffer_bytes = 4 << 20;
  /* FORCE variants lift the sysctl caps when we are root; plain ones are the fallback. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  }
  struct sockaddr_in local = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)sport),
                              .sin_addr = options->local};
  struct sockaddr_in remote = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)options->dport),
                               .sin_addr = options->remote};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
    perror("bind");
    close(fd);
    return -1;
  }
  if (connect(fd, (struct sockaddr *)&remote, sizeof remote) != 0) {
    perror("connect");
    close(fd);
    return -1;
  }
  return fd;
}

/* Round trips of every flow, in one histogram. */
typedef struct {
  int recording; /* replies add their round trip (the measurement) */
  uint64_t histogram[RTT_BUCKETS];
  uint64_t samples;
  uint64_t max_ns;
} rtt_record;

/* One flow: its socket, its share of the window and what it has in flight. */
typedef struct {
  const loadgen_options *options;
  rtt_record *rtt;
  int fd;
  unsigned window;
  uint64_t tag;
  uint64_t next_sequence;
  uint64_t in_flight;
  uint64_t last_reply_ns; /* or when its window last opened: the stall time runs from here */
  uint64_t *slots;   /* slots[s % SEQUENCE_SLOTS] == s while packet s is in flight */
  uint64_t *sent_ns; /* sent_ns[s % SEQUENCE_SLOTS]: when packet s was handed to sendmmsg */
  loadgen_counts counts;
  struct mmsghdr send_messages[MAX_BATCH];
  struct iovec send_vectors[MAX_BATCH];
  uint8_t *send_buffers;
  struct mmsghdr receive_messages[MAX_BATCH];
  struct iovec receive_vectors[MAX_BATCH];
  uint8_t *receive_buffers;
} loadgen;

/* Sends up to `wanted` datagrams; -1 on a hard error, else how many left. */
static int send_batch(loadgen *run, unsigned wanted) {
  size_t payload = run->options->payload;
  for (unsigned i = 0; i < wanted; i++) {
    fill_payload(run->send_buffers + i * payload, payload, run->next_sequence + i, run->tag);
  }
  uint64_t now = monotonic_ns();
  int sent = sendmmsg(run->fd, run->send_messages, wanted, MSG_DONTWAIT);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) {
      return 0;
    }
    perror("sendmmsg");
    return -1;
  }
  if (run->in_flight == 0) {
    run->last_reply_ns = now;
  }
  for (int i = 0; i < sent; i++) {
    uint64_t sequence = run->next_sequence++;
    uint64_t *slot = &run->slots[sequence % SEQUENCE_SLOTS];
    if (*slot != NOT_IN_FLIGHT) {
      /* Still unanswered 64 Ki packets later: lost for good. */
      run->counts.lost++;
      run->in_flight--;
    }
    *slot = sequence;
    run->sent_ns[sequence % SEQUENCE_SLOTS] = now;
  }
  run->counts.sent += (uint64_t)sent;
  run->in_flight += (uint64_t)sent;
  return sent;
}

/* Receives what is queued; -1 on a hard error, else how many replies were read. */
static int receive_batch(loadgen *run) {
  size_t payload = run->options->payload;
  for (unsigned i = 0; i < run->options->batch; i++) {
    run->receive_messages[i].msg_hdr.msg_flags = 0;
  }
  int got = recvmmsg(run->fd, run->receive_messages, run->options->batch, MSG_DONTWAIT, NULL);
  if (got < 0) {
    if (errno == EAGAIN || errno == EINTR) {
      return 0;
    }
    if (errno == ECONNREFUSED) {
      return 0; /* an ICMP error from an earlier moment; the loop keeps going */
    }
    perror("recvmmsg");
    return -1;
  }
  if (got == 0) {
    return 0;
  }
  uint64_t now = monotonic_ns();
  run->last_reply_ns = now;
  rtt_record *rtt = run->rtt;
  for (int i = 0; i < got; i++) {
    const struct mmsghdr *message = &run->receive_messages[i];
    uint64_t sequence = 0;
    if ((message->msg_hdr.msg_flags & MSG_TRUNC) != 0 ||
        !payload_intact(run->receive_buffers + (size_t)i * (payload + 1), message->msg_len,
                        payload, run->tag, &sequence)) {
      run->counts.corrupt++;
      continue;
    }
    uint64_t *slot = &run->slots[sequence % SEQUENCE_SLOTS];
    if (*slot != sequence) {
      run->counts.unexpected++;
      continue;
    }
    *slot = NOT_IN_FLIGHT;
    run->in_flight--;
    run->counts.received++;
    if (rtt->recording) {
      uint64_t round_trip = now - run->sent_ns[sequence % SEQUENCE_SLOTS];
      rtt->histogram[rtt_bucket(round_trip)]++;
      rtt->samples++;
      if (round_trip > rtt->max_ns) {
        rtt->max_ns = round_trip;
      }
    }
  }
  return got;
}

/* Nothing came back for stall_ms: whatever is in flight is lost; reopen the window. */
static void declare_in_flight_lost(loadgen *run) {
  for (size_t i = 0; i < SEQUENCE_SLOTS; i++) {
    run->slots[i] = NOT_IN_FLIGHT;
  }
  run->counts.lost += run->in_flight;
  run->in_flight = 0;
  run->counts.stalls++;
}

static int prepare(loadgen *run, const loadgen_options *options, rtt_record *rtt, int fd,
                   unsigned window, unsigned flow) {
  memset(run, 0, sizeof *run);
  run->options = options;
  run->rtt = rtt;
  run->fd = fd;
  run->window = window;
  run->tag = ((uint64_t)getpid() << 32) ^ monotonic_ns() ^ ((uint64_t)flow << 48);
  run->slots = malloc(SEQUENCE_SLOTS * sizeof *run->slots);
  run->sent_ns = malloc(SEQUENCE_SLOTS * sizeof *run->sent_ns);
  run->send_buffers = malloc((size_t)options->batch * options->payload);
  run->receive_buffers = malloc((size_t)options->batch * (options->payload + 1));
  if (run->slots == NULL || run->sent_ns == NULL || run->send_buffers == NULL || run->receive_buffers == NULL) {
    fprintf(stderr, "out of memory\n");
    return 0;
  }
  for (size_t i = 0; i < SEQUENCE_SLOTS; i++) {
    run->slots[i] = NOT_IN_FLIGHT;
  }
  for (unsigned i = 0; i < options->batch; i++) {
    run->send_vectors[i].iov_base = run->send_buffers + (size_t)i * options->payload;
    run->send_vectors[i].iov_len = options->payload;
    run->send_messages[i].msg_hdr.msg_iov = &run->send_vectors[i];
    run->send_messages[i].msg_hdr.msg_iovlen = 1;
    /* One byte more than expected, so a longer reply shows up as a wrong length. */
    run->receive_vectors[i].iov_base = run->receive_buffers + (size_t)i * (options->payload + 1);
    run->receive_vectors[i].iov_len = options->payload + 1;
    run->receive_messages[i].msg_hdr.msg_iov = &run->receive_vectors[i];
    run->receive_messages[i].msg_hdr.msg_iovlen = 1;
  }
  return 1;
}

static void add_counts(loadgen_counts *total, const loadgen_counts *flow) {
  total->sent += flow->sent;
  total->received += flow->received;
  total->lost += flow->lost;
  total->unexpected += flow->unexpected;
  total->corrupt += flow->corrupt;
  total->stalls += flow->stalls;
}

int main(int argc, char **argv) {
  loadgen_options options;
  parse_options(argc, argv, &options);
  unsigned flows = options.flows;
  unsigned window_per_flow = (options.window + flows - 1) / flows;
  static rtt_record rtt;
  static loadgen runs[MAX_FLOWS];
  static struct pollfd watches[MAX_FLOWS];
  int ready[MAX_FLOWS]; /* worth a send or a receive without waiting first */
  for (unsigned flow = 0; flow < flows; flow++) {
    int fd = open_socket(&options, options.sport + flow);
    if (fd < 0 || !prepare(&runs[flow], &options, &rtt, fd, window_per_flow, flow)) {
      return 1;
    }
    ready[flow] = 1;
  }

  uint64_t started = monotonic_ns();
  uint64_t measure_from = started + options.warmup_ns;
  uint64_t measure_until = measure_from + options.duration_ns;
  uint64_t stall_ns = (uint64_t)options.stall_ms * 1000000u;
  int measuring = options.warmup_ns == 0;
  uint64_t received_at_start = 0;
  uint64_t measured_start_ns = started;
  uint64_t measured_end_ns = 0;
  uint64_t received_at_end = 0;
  uint64_t sent_total = 0;
  uint64_t received_total = 0;
  int failed = 0;
  rtt.recording = measuring;

  while (!failed) {
    uint64_t now = monotonic_ns();
    if (!measuring && measured_end_ns == 0 && now >= measure_from) {
      measuring = 1;
      rtt.recording = 1;
      received_at_start = received_total;
      measured_start_ns = now;
    }
    int sending = measured_end_ns == 0 && now < measure_until && sent_total < options.max_packets;
    if (!sending && measured_end_ns == 0) {
      measured_end_ns = now;
      received_at_end = received_total;
      measuring = 0;
      rtt.recording = 0;
    }
    int progress = 0;
    uint64_t in_flight = 0;
    for (unsigned flow = 0; flow < flows; flow++) {
      loadgen *run = &runs[flow];
      if (ready[flow]) {
        int sent = 0;
        if (sending && run->in_flight < run->window && sent_total < options.max_packets) {
          uint64_t room = run->window - run->in_flight;
          uint64_t left = options.max_packets - sent_total;
          uint64_t wanted = room < left ? room : left;
          sent = send_batch(run, (unsigned)(wanted < options.batch ? wanted : options.batch));
          sent_total += sent > 0 ? (uint64_t)sent : 0;
        }
        uint64_t received_before = run->counts.received;
        int got = receive_batch(run);
        if (sent < 0 || got < 0) {
          failed = 1;
          break;
        }
        /* Intact replies only: the rate counts no corrupt or duplicate datagram. */
        received_total += run->counts.received - received_before;
        ready[flow] = got > 0 || sent > 0;
        progress |= ready[flow];
      }
      in_flight += run->in_flight;
    }
    if (failed || progress) {
      continue;
    }
    if (!sending && in_flight == 0) {
      break;
    }
    for (unsigned flow = 0; flow < flows; flow++) {
      loadgen *run = &runs[flow];
      watches[flow] = (struct pollfd){.fd = run->fd, .events = POLLIN, .revents = 0};
      if (sending && run->in_flight < run->window) {
        watches[flow].events |= POLLOUT; /* the send buffer was full */
      }
    }
    poll(watches, flows, options.stall_ms);
    now = monotonic_ns();
    for (unsigned flow = 0; flow < flows; flow++) {
      loadgen *run = &runs[flow];
      ready[flow] = watches[flow].revents != 0;
      if (!ready[flow] && run->in_flight > 0 && now - run->last_reply_ns >= stall_ns) {
        declare_in_flight_lost(run);
        ready[flow] = 1; /* its window is open again */
      }
    }
  }

  if (measured_end_ns == 0) {
    measured_end_ns = monotonic_ns();
    received_at_end = received_total;
  }
  loadgen_counts counts = {0};
  uint64_t in_flight_at_end = 0;
  for (unsigned flow = 0; flow < flows; flow++) {
    add_counts(&counts, &runs[flow].counts);
    in_flight_at_end += runs[flow].in_flight;
    close(runs[flow].fd);
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu_seconds = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
                       (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
  double seconds = (double)(measured_end_ns - measured_start_ns) / 1e9;
  uint64_t measured = received_at_end - received_at_start;
  printf("{\"payloadBytes\":%zu,\"window\":%u,\"flows\":%u,\"sent\":%" PRIu64
         ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"unexpected\":%" PRIu64
         ",\"corrupt\":%" PRIu64 ",\"stalls\":%" PRIu64 ",\"inFlightAtEnd\":%" PRIu64
         ",\"measuredPackets\":%" PRIu64
         ",\"measuredSeconds\":%.6f,\"pps\":%.1f,\"rttSamples\":%" PRIu64
         ",\"rttP50Us\":%.3f,\"rttP99Us\":%.3f,\"rttP999Us\":%.3f,\"rttMaxUs\":%.3f"
         ",\"cpuSeconds\":%.3f,\"failed\":%s}\n",
         options.payload, window_per_flow * flows, flows, counts.sent, counts.received,
         counts.lost, counts.unexpected, counts.corrupt, counts.stalls, in_flight_at_end, measured,
         seconds, seconds > 0 ? (double)measured / seconds : 0.0, rtt.samples,
         rtt_quantile(rtt.histogram, rtt.samples, 0.50) / 1e3,
         rtt_quantile(rtt.histogram, rtt.samples, 0.99) / 1e3,
         rtt_quantile(rtt.histogram, rtt.samples, 0.999) / 1e3,
         (double)rtt.max_ns / 1e3, cpu_seconds,
         failed ? "true" : "false");
  return failed ? 1 : 0;
}
