#include "reflector_process.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t reflector_stop_requested = 0;

static void request_stop(int signal_number) {
  (void)signal_number;
  reflector_stop_requested = 1;
}

void reflector_install_stop(unsigned max_seconds) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; /* no SA_RESTART: a blocked read or poll must return EINTR */
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGALRM, &action, NULL);
  alarm(max_seconds);
}

void reflector_announce_ready(const char *ifname) {
  printf("{\"ready\":true,\"ifname\":\"%s\",\"pid\":%ld}\n", ifname, (long)getpid());
  fflush(stdout);
}

void reflector_print_summary(const reflector_counts *counts, const char *extra_json) {
  printf("{\"reflected\":%" PRIu64 ",\"ignored\":%" PRIu64 ",\"dropped\":%" PRIu64 "%s%s}\n",
         counts->reflected, counts->ignored, counts->dropped, extra_json != NULL ? "," : "",
         extra_json != NULL ? extra_json : "");
  fflush(stdout);
}

unsigned long reflector_parse_number(const char *option, const char *text, unsigned long min,
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
