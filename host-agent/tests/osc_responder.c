// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// A stand-in for the engine's OSC contract: answers /ping i:id with
// /pong i:id, and any other message /CMD with /done /CMD (plus its int
// arguments), to the sender.  usage: osc-responder PORT [BIND_ADDR]

#include <lo/lo.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t done = 0;

static void
on_signal(int sig)
{
  (void)sig;
  done = 1;
}

static int
on_any(const char* path,
       const char* types,
       lo_arg**    argv,
       int         argc,
       lo_message  msg,
       void*       user)
{
  lo_server  server = (lo_server)user;
  lo_address from   = lo_message_get_source(msg);
  if (!strcmp(path, "/ping")) {
    if (argc == 1 && types[0] == 'i') {
      lo_send_from(from, server, LO_TT_IMMEDIATE, "/pong", "i", argv[0]->i);
    } else {
      lo_send_from(from, server, LO_TT_IMMEDIATE, "/pong", "");
    }
    return 0;
  }
  lo_message reply = lo_message_new();
  lo_message_add_string(reply, path);
  for (int i = 0; i < argc; ++i) {
    if (types[i] == 'i') {
      lo_message_add_int32(reply, argv[i]->i);
    }
  }
  lo_send_message_from(from, server, "/done", reply);
  lo_message_free(reply);
  return 0;
}

int
main(int argc, char** argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: osc-responder PORT [BIND_ADDR]\n");
    return 2;
  }
  lo_server server = NULL;
  if (argc > 2) {
    char url[128];
    snprintf(url, sizeof(url), "osc.udp://%s:%s", argv[2], argv[1]);
    server = lo_server_new_from_url(url, NULL);
  } else {
    server = lo_server_new(argv[1], NULL);
  }
  if (!server) {
    fprintf(stderr, "osc-responder: cannot listen on port %s\n", argv[1]);
    return 1;
  }
  lo_server_add_method(server, NULL, NULL, on_any, server);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("osc-responder: listening on %d\n", lo_server_get_port(server));
  fflush(stdout);
  while (!done) {
    lo_server_recv_noblock(server, 100);
  }
  lo_server_free(server);
  return 0;
}
