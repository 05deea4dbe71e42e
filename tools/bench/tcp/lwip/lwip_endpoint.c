/*
 * An endpoint of the TCP benchmark (../README.md, "The endpoint contract") on lwIP 2.1.3, Debian's
 * liblwip-dev, through its raw API on one thread, over a plain TUN device:
 *
 *   tcp-endpoint-lwip --ifname NAME --address 198.18.0.2 --peer 198.18.0.1 --prefix-length 24
 *                     --mtu 1500 [--max-seconds 600]
 *
 * It creates the TUN interface NAME (IFF_TUN | IFF_NO_PI, no offloads); the harness gives the
 * kernel's side of it the peer address, the MTU, and brings it up after "ready". Ports: SINK 5001,
 * SOURCE 5002 (bulk_pattern.h's bytes), HTTP 8080 (answers each request, anything up to an empty
 * line, with 200 and a 12-byte body, keep-alive).
 *
 * Debian's build fixes the TCP options (lwipopts.h): MSS 1460 whatever the MTU, a 65,535-byte
 * window (scale 1) and send buffer, no SACK, no timestamps, core locking (one thread here, so never
 * contended), memory pools from malloc (so no PCB limit).
 *
 * The loop: read up to 64 packets from the non-blocking TUN, hand each to ip4_input in a pbuf,
 * run lwIP's timers (sys_check_timeouts), then sleep in poll() until the TUN is readable or the
 * next timer is due. Outgoing packets are written to the TUN from lwIP's output callback.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include "bulk_pattern.h"

enum {
  SINK_PORT = 5001,
  SOURCE_PORT = 5002,
  HTTP_PORT = 8080,
  READ_BATCH = 64,
  MAX_CHAIN = 16, /* pbufs in one outgoing packet; lwIP's TX_SINGLE_PBUF build sends one */
};

static const char http_response[] = "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: text/plain\r\n"
                                    "Content-Length: 12\r\n"
                                    "\r\n"
                                    "hello world\n";

typedef struct {
  const char *ifname;
  ip4_addr_t address;
  ip4_addr_t netmask;
  unsigned mtu;
  unsigned max_seconds;
} endpoint_options;

static volatile sig_atomic_t stop_requested = 0;
static int tun_fd = -1;
static uint8_t pattern[BULK_PATTERN_BUFFER_BYTES];

static void request_stop(int signal_number) {
  (void)signal_number;
  stop_requested = 1;
}

static void fail(const char *what) {
  fprintf(stderr, "tcp-endpoint-lwip: %s: %s\n", what, strerror(errno));
  exit(1);
}

static unsigned parse_number(const char *option, const char *text, unsigned min, unsigned max) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "%s: expected a number in %u..%u, got \"%s\"\n", option, min, max, text);
    exit(2);
  }
  return (unsigned)value;
}

static endpoint_options parse_options(int argc, char **argv) {
  endpoint_options options = {.max_seconds = 600};
  unsigned prefix_length = 0;
  bool have_address = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *name = argv[i];
    const char *value = argv[i + 1];
    if (strcmp(name, "--ifname") == 0) {
      options.ifname = value;
    } else if (strcmp(name, "--address") == 0) {
      have_address = ip4addr_aton(value, &options.address) == 1;
    } else if (strcmp(name, "--peer") == 0) {
      /* Reached through the subnet: the stack needs no route of its own to it. */
    } else if (strcmp(name, "--prefix-length") == 0) {
      prefix_length = parse_number(name, value, 1, 30);
    } else if (strcmp(name, "--mtu") == 0) {
      options.mtu = parse_number(name, value, 576, 65535);
    } else if (strcmp(name, "--max-seconds") == 0) {
      options.max_seconds = parse_number(name, value, 1, 86400);
    } else {
      argc = -1;
    }
  }
  if (argc % 2 == 0 || options.ifname == NULL || strlen(options.ifname) >= IFNAMSIZ ||
      !have_address || prefix_length == 0 || options.mtu == 0) {
    fputs("usage: tcp-endpoint-lwip --ifname NAME --address IPV4 --peer IPV4 --prefix-length N"
          " --mtu N [--max-seconds N]\n",
          stderr);
    exit(2);
  }
  ip4_addr_set_u32(&options.netmask, lwip_htonl(0xFFFFFFFFu << (32 - prefix_length)));
  return options;
}

static int open_tun(const char *ifname) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail("/dev/net/tun");
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(request.ifr_name, ifname, strlen(ifname));
  if (ioctl(fd, TUNSETIFF, &request) != 0) fail("TUNSETIFF");
  if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) fail("O_NONBLOCK");
  return fd;
}

/* lwIP's IPv4 output: one writev per packet; TUN writes do not block (the kernel takes each
 * packet at once, or drops it and counts it). */
static err_t tun_output(struct netif *netif, struct pbuf *packet, const ip4_addr_t *next_hop) {
  (void)netif;
  (void)next_hop;
  struct iovec parts[MAX_CHAIN];
  int count = 0;
  for (struct pbuf *part = packet; part != NULL && count < MAX_CHAIN; part = part->next) {
    parts[count].iov_base = part->payload;
    parts[count].iov_len = part->len;
    count++;
  }
  if (writev(tun_fd, parts, count) < 0) return ERR_IF;
  return ERR_OK;
}

static err_t tun_netif_init(struct netif *netif) {
  netif->name[0] = 't';
  netif->name[1] = 'n';
  netif->output = tun_output;
  return ERR_OK;
}

/* Reads what the TUN has, at most READ_BATCH packets; returns false once it is empty. Each packet
 * is read into one buffer of MTU bytes and copied into a pbuf of its own length: Debian's build
 * takes pbufs from malloc and never shrinks one, so MTU-sized pbufs would hold 64 KiB per segment
 * at MTU 65535. */
static bool read_packets(struct netif *netif) {
  static uint8_t packet_buffer[65535];
  for (int i = 0; i < READ_BATCH; i++) {
    ssize_t length = read(tun_fd, packet_buffer, netif->mtu);
    if (length <= 0) {
      if (length < 0 && errno != EAGAIN && errno != EINTR) fail("read TUN");
      return false;
    }
    struct pbuf *packet = pbuf_alloc(PBUF_RAW, (u16_t)length, PBUF_RAM);
    if (packet == NULL) continue; /* out of memory: dropped, as a full NIC ring would */
    memcpy(packet->payload, packet_buffer, (size_t)length);
    if (netif->input(packet, netif) != ERR_OK) pbuf_free(packet);
  }
  return true;
}

static void forget_connection(void *argument, err_t error) {
  (void)error;
  free(argument); /* lwIP has freed the PCB already */
}

/* Closes a connection whose peer sent FIN; aborts it if lwIP cannot queue the FIN now. */
static err_t close_connection(struct tcp_pcb *pcb, void *state) {
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_err(pcb, NULL);
  free(state);
  if (tcp_close(pcb) != ERR_OK) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  return ERR_OK;
}

/* ---- SINK: take every byte, give the window back at once. ---- */

static err_t sink_receive(void *state, struct tcp_pcb *pcb, struct pbuf *data, err_t error) {
  (void)error;
  if (data == NULL) return close_connection(pcb, state);
  tcp_recved(pcb, data->tot_len);
  pbuf_free(data);
  return ERR_OK;
}

static err_t sink_accept(void *argument, struct tcp_pcb *pcb, err_t error) {
  (void)argument;
  if (error != ERR_OK || pcb == NULL) return ERR_VAL;
  tcp_recv(pcb, sink_receive);
  tcp_err(pcb, forget_connection);
  return ERR_OK;
}

/* ---- SOURCE: keep the send buffer full with the pattern. ---- */

typedef struct {
  uint64_t offset;
} source_state;

static void source_fill(struct tcp_pcb *pcb, source_state *source) {
  for (;;) {
    u16_t room = tcp_sndbuf(pcb);
    if (room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN) break;
    if (tcp_write(pcb, bulk_pattern_at(pattern, source->offset), room, TCP_WRITE_FLAG_COPY) !=
        ERR_OK)
      break;
    source->offset += room;
  }
  tcp_output(pcb);
}

static err_t source_sent(void *state, struct tcp_pcb *pcb, u16_t length) {
  (void)length;
  source_fill(pcb, state);
  return ERR_OK;
}

static err_t source_receive(void *state, struct tcp_pcb *pcb, struct pbuf *data, err_t error) {
  (void)error;
  if (data == NULL) return close_connection(pcb, state);
  tcp_recved(pcb, data->tot_len);
  pbuf_free(data);
  return ERR_OK;
}

static err_t source_accept(void *argument, struct tcp_pcb *pcb, err_t error) {
  (void)argument;
  if (error != ERR_OK || pcb == NULL) return ERR_VAL;
  source_state *source = calloc(1, sizeof *source);
  if (source == NULL) return ERR_MEM;
  tcp_arg(pcb, source);
  tcp_recv(pcb, source_receive);
  tcp_sent(pcb, source_sent);
  tcp_err(pcb, forget_connection);
  source_fill(pcb, source);
  return ERR_OK;
}

/* ---- HTTP: one fixed response per request; a request ends with an empty line. ---- */

typedef struct {
  unsigned matched;  /* bytes of "\r\n\r\n" seen so far */
  unsigned pending;  /* requests read but not answered yet (send buffer full) */
} http_state;

static void http_answer(struct tcp_pcb *pcb, http_state *http) {
  while (http->pending > 0 &&
         tcp_write(pcb, http_response, sizeof http_response - 1, TCP_WRITE_FLAG_COPY) == ERR_OK)
    http->pending--;
  tcp_output(pcb);
}

static err_t http_receive(void *state, struct tcp_pcb *pcb, struct pbuf *data, err_t error) {
  (void)error;
  http_state *http = state;
  if (data == NULL) return close_connection(pcb, state);
  static const char end_of_request[] = "\r\n\r\n";
  for (struct pbuf *part = data; part != NULL; part = part->next) {
    const char *bytes = part->payload;
    for (u16_t i = 0; i < part->len; i++) {
      if (bytes[i] == end_of_request[http->matched]) {
        if (++http->matched == 4) {
          http->matched = 0;
          http->pending++;
        }
      } else {
        http->matched = bytes[i] == '\r' ? 1 : 0;
      }
    }
  }
  tcp_recved(pcb, data->tot_len);
  pbuf_free(data);
  http_answer(pcb, http);
  return ERR_OK;
}

static err_t http_sent(void *state, struct tcp_pcb *pcb, u16_t length) {
  (void)length;
  http_answer(pcb, state);
  return ERR_OK;
}

static err_t http_accept(void *argument, struct tcp_pcb *pcb, err_t error) {
  (void)argument;
  if (error != ERR_OK || pcb == NULL) return ERR_VAL;
  http_state *http = calloc(1, sizeof *http);
  if (http == NULL) return ERR_MEM;
  tcp_nagle_disable(pcb); /* as Node.js and Go do for their HTTP servers */
  tcp_arg(pcb, http);
  tcp_recv(pcb, http_receive);
  tcp_sent(pcb, http_sent);
  tcp_err(pcb, forget_connection);
  return ERR_OK;
}

static void listen_on(const ip4_addr_t *address, u16_t port, tcp_accept_fn accept) {
  ip_addr_t bind_address; /* Debian's build has IPv6 too: ip_addr_t holds either */
  ip_addr_copy_from_ip4(bind_address, *address);
  struct tcp_pcb *pcb = tcp_new();
  if (pcb == NULL || tcp_bind(pcb, &bind_address, port) != ERR_OK) {
    fprintf(stderr, "tcp-endpoint-lwip: cannot bind port %u\n", port);
    exit(1);
  }
  struct tcp_pcb *listener = tcp_listen_with_backlog(pcb, 255);
  if (listener == NULL) {
    fprintf(stderr, "tcp-endpoint-lwip: cannot listen on port %u\n", port);
    exit(1);
  }
  tcp_accept(listener, accept);
}

int main(int argc, char **argv) {
  endpoint_options options = parse_options(argc, argv);

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGALRM, &action, NULL);
  alarm(options.max_seconds);

  bulk_pattern_fill(pattern);
  tun_fd = open_tun(options.ifname);

  lwip_init();
  static struct netif netif;
  ip4_addr_t no_gateway;
  ip4_addr_set_zero(&no_gateway);
  if (netif_add(&netif, &options.address, &options.netmask, &no_gateway, NULL, tun_netif_init,
                ip4_input) == NULL) {
    fputs("tcp-endpoint-lwip: netif_add failed\n", stderr);
    return 1;
  }
  netif.mtu = (u16_t)options.mtu;
  netif_set_default(&netif);
  netif_set_link_up(&netif);
  netif_set_up(&netif);

  listen_on(&options.address, SINK_PORT, sink_accept);
  listen_on(&options.address, SOURCE_PORT, source_accept);
  listen_on(&options.address, HTTP_PORT, http_accept);
  printf("ready\n");
  fflush(stdout);

  while (!stop_requested) {
    bool more = read_packets(&netif);
    sys_check_timeouts();
    if (more) continue;
    u32_t sleep_ms = sys_timeouts_sleeptime();
    struct pollfd readable = {.fd = tun_fd, .events = POLLIN};
    poll(&readable, 1, sleep_ms > 100 ? 100 : (int)sleep_ms);
  }
  close(tun_fd);
  return 0;
}
