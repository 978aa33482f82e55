// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The OSC relay over real loopback sockets, with this test as the guest:
// queueing until the guest answers, ping id rewriting, /done routing to
// the right sender, the allow-list; and the minimal OSC reader.

#include "osc_min.h"
#include "relay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool allow_all = true;

static bool
allow(void* data, uint32_t addr)
{
  (void)data;
  (void)addr;
  return allow_all;
}

static int
udp(struct sockaddr_in* const bound)
{
  const int          fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family      = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr*)&sa, sizeof(sa)), 0);
  socklen_t len = sizeof(*bound);
  getsockname(fd, (struct sockaddr*)bound, &len);
  return fd;
}

/// Receive one datagram within 1 s; returns its length or -1.
static ssize_t
recv_wait(const int                 fd,
          uint8_t* const            buf,
          const size_t              size,
          struct sockaddr_in* const from)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  if (poll(&pfd, 1, 1000) != 1) {
    return -1;
  }
  socklen_t len = sizeof(*from);
  return recvfrom(fd, buf, size, 0, (struct sockaddr*)from, &len);
}

static bool
nothing_waiting(const int fd)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  return poll(&pfd, 1, 50) == 0;
}

/// Build "/PATH ,s STR".
static size_t
build_str(uint8_t* const buf, const char* const path, const char* const str)
{
  memset(buf, 0, 256);
  size_t n = (strlen(path) + 4U) & ~3U;
  memcpy(buf, path, strlen(path));
  memcpy(buf + n, ",s", 2U);
  n += 4U;
  memcpy(buf + n, str, strlen(str));
  n += (strlen(str) + 4U) & ~3U;
  return n;
}

static void
send_to(const int                       fd,
        const uint8_t* const            buf,
        const size_t                    len,
        const struct sockaddr_in* const to)
{
  assert_int_equal(
    sendto(fd, buf, len, 0, (const struct sockaddr*)to, sizeof(*to)),
    (ssize_t)len);
}

static int32_t
expect_int_msg(const uint8_t* const buf,
               const ssize_t        len,
               const char* const    path)
{
  DspOscMsg msg;
  int32_t   v = 0;
  assert_true(len > 0);
  assert_int_equal(dsp_osc_parse(buf, (size_t)len, &msg), 0);
  assert_string_equal(msg.path, path);
  assert_int_equal(dsp_osc_arg_int(&msg, 0U, &v), 0);
  return v;
}

/// Let the relay read whatever is waiting (the test is single-threaded).
static void
pump(DspRelay* const relay, const uint64_t now)
{
  usleep(20000);
  dsp_relay_handle_clients(relay, now);
  dsp_relay_handle_guest(relay, now);
}

static void
test_routing(void** state)
{
  (void)state;
  struct sockaddr_in guest_addr;
  struct sockaddr_in a_addr;
  struct sockaddr_in b_addr;
  const int          guest = udp(&guest_addr);
  const int          a     = udp(&a_addr);
  const int          b     = udp(&b_addr);
  char               err[256];
  DspRelay* const    relay = dsp_relay_new(
    "127.0.0.1", 0, ntohs(guest_addr.sin_port), allow, NULL, err, sizeof(err));
  assert_non_null(relay);
  struct sockaddr_in relay_addr = a_addr;
  relay_addr.sin_port           = htons((uint16_t)dsp_relay_listen_port(relay));

  uint8_t            buf[512];
  struct sockaddr_in from;

  // 1. A pings before the guest is up: queued, nothing reaches the guest
  size_t len = dsp_osc_build_int(buf, sizeof(buf), "/ping", 7);
  send_to(a, buf, len, &relay_addr);
  pump(relay, 1000U);
  assert_true(nothing_waiting(guest));
  assert_int_equal(dsp_relay_last_pong(relay), 0U);

  // 2. The agent's own ping; the guest answers; the queue is flushed
  dsp_relay_ping(relay, 1100U);
  ssize_t                  n  = recv_wait(guest, buf, sizeof(buf), &from);
  int32_t                  id = expect_int_msg(buf, n, "/ping");
  const struct sockaddr_in relay_guest_side = from;
  len = dsp_osc_build_int(buf, sizeof(buf), "/pong", id);
  send_to(guest, buf, len, &relay_guest_side);
  pump(relay, 1200U);
  assert_int_equal(dsp_relay_last_pong(relay), 1200U);
  n                  = recv_wait(guest, buf, sizeof(buf), &from);
  const int32_t id_a = expect_int_msg(buf, n, "/ping");
  assert_int_not_equal(id_a, 7); // rewritten to a relay-unique id
  assert_int_not_equal(id_a, id);

  // 3. B pings with the same id as A
  len = dsp_osc_build_int(buf, sizeof(buf), "/ping", 7);
  send_to(b, buf, len, &relay_addr);
  pump(relay, 1300U);
  n                  = recv_wait(guest, buf, sizeof(buf), &from);
  const int32_t id_b = expect_int_msg(buf, n, "/ping");
  assert_int_not_equal(id_b, id_a);

  // 4. Answers in the other order go to the right sender, id restored
  len = dsp_osc_build_int(buf, sizeof(buf), "/pong", id_b);
  send_to(guest, buf, len, &relay_guest_side);
  len = dsp_osc_build_int(buf, sizeof(buf), "/pong", id_a);
  send_to(guest, buf, len, &relay_guest_side);
  pump(relay, 1400U);
  n = recv_wait(b, buf, sizeof(buf), &from);
  assert_int_equal(expect_int_msg(buf, n, "/pong"), 7);
  n = recv_wait(a, buf, sizeof(buf), &from);
  assert_int_equal(expect_int_msg(buf, n, "/pong"), 7);
  assert_true(nothing_waiting(a) && nothing_waiting(b));

  // 5. Commands: /done CMD goes to the sender of CMD
  len = build_str(buf, "/load", "graph.json");
  send_to(a, buf, len, &relay_addr);
  len = build_str(buf, "/set", "amp");
  send_to(b, buf, len, &relay_addr);
  pump(relay, 1500U);
  assert_true(recv_wait(guest, buf, sizeof(buf), &from) > 0);
  assert_true(recv_wait(guest, buf, sizeof(buf), &from) > 0);
  len = build_str(buf, "/done", "/set");
  send_to(guest, buf, len, &relay_guest_side);
  len = build_str(buf, "/fail", "/load");
  send_to(guest, buf, len, &relay_guest_side);
  pump(relay, 1600U);
  DspOscMsg   msg;
  const char* s = NULL;
  n             = recv_wait(b, buf, sizeof(buf), &from);
  assert_true(n > 0);
  assert_int_equal(dsp_osc_parse(buf, (size_t)n, &msg), 0);
  assert_string_equal(msg.path, "/done");
  assert_int_equal(dsp_osc_arg_str(&msg, 0U, &s), 0);
  assert_string_equal(s, "/set");
  n = recv_wait(a, buf, sizeof(buf), &from);
  assert_true(n > 0);
  assert_int_equal(dsp_osc_parse(buf, (size_t)n, &msg), 0);
  assert_string_equal(msg.path, "/fail");

  // 6. Denied senders never reach the guest
  allow_all = false;
  len       = dsp_osc_build_int(buf, sizeof(buf), "/ping", 1);
  send_to(a, buf, len, &relay_addr);
  pump(relay, 1700U);
  assert_true(nothing_waiting(guest));
  allow_all = true;

  // 7. After a reset, messages wait for the guest again
  dsp_relay_reset(relay);
  send_to(a, buf, len, &relay_addr);
  pump(relay, 1800U);
  assert_true(nothing_waiting(guest));
  dsp_relay_tick(relay, 1800U + 31000U); // expired
  dsp_relay_ping(relay, 40000U);
  n   = recv_wait(guest, buf, sizeof(buf), &from);
  id  = expect_int_msg(buf, n, "/ping");
  len = dsp_osc_build_int(buf, sizeof(buf), "/pong", id);
  send_to(guest, buf, len, &relay_guest_side);
  pump(relay, 40100U);
  assert_true(nothing_waiting(guest)); // the expired ping was dropped

  const DspRelayStats st = dsp_relay_stats(relay);
  assert_int_equal(st.forwarded, 4);
  assert_int_equal(st.replies, 4);
  assert_int_equal(st.denied, 1);
  assert_int_equal(st.dropped, 1);

  dsp_relay_free(relay);
  close(guest);
  close(a);
  close(b);
}

static void
test_osc_reader(void** state)
{
  (void)state;
  uint8_t   buf[64];
  DspOscMsg msg;
  int32_t   v   = 0;
  size_t    len = dsp_osc_build_int(buf, sizeof(buf), "/ping", -5);
  assert_int_equal(len, 16);
  assert_int_equal(dsp_osc_parse(buf, len, &msg), 0);
  assert_string_equal(msg.types, "i");
  assert_int_equal(dsp_osc_arg_int(&msg, 0U, &v), 0);
  assert_int_equal(v, -5);
  assert_int_equal(dsp_osc_arg_int(&msg, 1U, &v), -1);
  const char* s = NULL;
  assert_int_equal(dsp_osc_arg_str(&msg, 0U, &s), -1);
  assert_int_equal(dsp_osc_set_int(&msg, buf, 0U, 123456), 0);
  assert_int_equal(dsp_osc_arg_int(&msg, 0U, &v), 0);
  assert_int_equal(v, 123456);
  assert_int_equal(dsp_osc_build_int(buf, 8U, "/ping", 1), 0);

  // Malformed: truncated, unaligned, no type tags, bundle, unterminated
  len = dsp_osc_build_int(buf, sizeof(buf), "/ping", 1);
  assert_int_equal(dsp_osc_parse(buf, len - 4U, &msg), 0); // args cut off
  assert_int_equal(dsp_osc_arg_int(&msg, 0U, &v), -1);
  assert_int_equal(dsp_osc_parse(buf, len - 1U, &msg), -1);
  assert_int_equal(dsp_osc_parse((const uint8_t*)"/abc\0\0\0\0xxxx", 12U, &msg),
                   -1);
  assert_int_equal(
    dsp_osc_parse((const uint8_t*)"#bundle\0\0\0\0\0\0\0\0\1", 16U, &msg), -1);
  assert_int_equal(dsp_osc_parse((const uint8_t*)"/abcdefg", 8U, &msg), -1);
  memcpy(buf, "/s\0\0,s\0\0abcd", 12U); // string without terminator
  assert_int_equal(dsp_osc_parse(buf, 12U, &msg), 0);
  assert_int_equal(dsp_osc_arg_str(&msg, 0U, &s), -1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_osc_reader),
    cmocka_unit_test(test_routing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
