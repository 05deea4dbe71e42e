/*
 * What every benchmark reflector shares with the harness (tools/bench/lib/reflector-process.mjs):
 * how it is stopped and how it reports. The same contract holds for reflectors written in other
 * languages:
 *   - once the interface exists and packets can flow, print one JSON line on stdout:
 *       {"ready":true,"ifname":"<linux interface>","pid":<pid>}
 *   - reflect until SIGTERM or SIGINT, or until --max-seconds pass (a forgotten reflector stops);
 *   - then print one JSON summary line: {"reflected":N,"ignored":N,"dropped":N,...} and exit 0.
 */
#ifndef MAGMA_BENCH_REFLECTOR_PROCESS_H
#define MAGMA_BENCH_REFLECTOR_PROCESS_H

#include <signal.h>
#include <stdint.h>

typedef struct {
  uint64_t reflected; /* answered: swapped and written back */
  uint64_t ignored;   /* not IPv4 UDP (IPv6 noise, ICMP...): dropped on purpose */
  uint64_t dropped;   /* an answer that could not be written (full ring, write error) */
} reflector_counts;

extern volatile sig_atomic_t reflector_stop_requested;

/* SIGTERM, SIGINT and SIGALRM set reflector_stop_requested and interrupt blocking calls (no
 * SA_RESTART); SIGALRM fires after max_seconds. */
void reflector_install_stop(unsigned max_seconds);

void reflector_announce_ready(const char *ifname);

/* extra_json: more "key":value members to append (without a leading comma), or NULL. */
void reflector_print_summary(const reflector_counts *counts, const char *extra_json);

/* Parses a decimal option value in [min, max]; exits with status 2 and a message otherwise. */
unsigned long reflector_parse_number(const char *option, const char *text, unsigned long min,
                                     unsigned long max);

#endif
