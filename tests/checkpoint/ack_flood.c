// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// ack_flood PORT RATE SECONDS NODE...
//
// Sends /set NODE gain V (with a request id) at RATE messages per second
// for SECONDS, round-robin over the nodes, to an engine that may be killed
// at any moment; every value is distinct.  Then waits briefly for late
// replies and prints, per node, one line:
//
//   NODE ACKED CANDIDATE...
//
// ACKED is the last value acknowledged with /done ("-" if none) and the
// candidates are the values sent after it (not acknowledged: a checkpoint
// may or may not hold them).  The kill test checks the region against it.

#include <lo/lo.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
send_lo(const int fd, const char* const path, lo_message m)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(m, path, NULL, &size);
  (void)send(fd, data, size, 0);
  free(data);
  lo_message_free(m);
}

/// Value of message `i`: distinct for 4000 messages, within [-40, 0).
static float
value_of(const long i)
{
  return -40.0f + (float)(i % 4000) * 0.01f;
}

static void
drain(const int fd, int8_t* const acked, const long total, const int wait_ms)
{
  static uint8_t buf[65536];
  struct pollfd  p = { fd, POLLIN, 0 };
  while (poll(&p, 1, wait_ms) > 0) {
    const ssize_t got = recv(fd, buf, sizeof(buf), 0);
    if (got <= 0) {
      return; // ECONNREFUSED once the engine is gone
    }
    int              res = 0;
    const lo_message m   = lo_message_deserialise(buf, (size_t)got, &res);
    if (!m) {
      continue;
    }
    const char* const types = lo_message_get_types(m);
    lo_arg** const    a     = lo_message_get_argv(m);
    if (!strcmp((const char*)buf, "/done") && lo_message_get_argc(m) >= 2 &&
        types[1] == 'i' && a[1]->i >= 0 && a[1]->i < total) {
      acked[a[1]->i] = 1;
    }
    lo_message_free(m);
  }
}

int
main(int argc, char** argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: ack_flood PORT RATE SECONDS NODE...\n");
    return 2;
  }
  const int     port    = atoi(argv[1]);
  const double  rate    = atof(argv[2]);
  const double  seconds = atof(argv[3]);
  const int     n_nodes = argc - 4;
  char** const  nodes   = argv + 4;
  const long    total   = (long)(rate * seconds) + 1;
  int8_t* const acked   = (int8_t*)calloc((size_t)total, 1U);

  const int          fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family      = AF_INET;
  a.sin_port        = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!acked || fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof(a))) {
    return 1;
  }

  const double start = now_s();
  long         sent  = 0;
  while (sent < total) {
    const double t = now_s() - start;
    while (sent < total && (double)sent <= t * rate) {
      lo_message m = lo_message_new();
      lo_message_add_string(m, nodes[sent % n_nodes]);
      lo_message_add_string(m, "gain");
      lo_message_add_float(m, value_of(sent));
      lo_message_add_float(m, 0.0f);
      lo_message_add_int32(m, (int32_t)sent);
      send_lo(fd, "/set", m);
      ++sent;
    }
    drain(fd, acked, total, 0);
    usleep(200U);
  }
  drain(fd, acked, total, 100);

  for (int k = 0; k < n_nodes; ++k) {
    long last = -1;
    for (long i = k; i < sent; i += n_nodes) {
      last = acked[i] ? i : last;
    }
    printf("%s ", nodes[k]);
    if (last >= 0) {
      printf("%.2f", (double)value_of(last));
    } else {
      printf("-");
    }
    for (long i = last >= 0 ? last + n_nodes : k; i < sent; i += n_nodes) {
      printf(" %.2f", (double)value_of(i));
    }
    printf("\n");
  }
  free(acked);
  close(fd);
  return 0;
}
