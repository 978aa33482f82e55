// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// CIDR parsing and matching (engine/common/cidr.h): IPv4, IPv6, mapped
// addresses, bad input.

#include "common/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static struct sockaddr_storage addr_storage;

/// A socket address for the numeric address `text`.
static const struct sockaddr*
sa(const char* const text)
{
  memset(&addr_storage, 0, sizeof(addr_storage));
  struct sockaddr_in* const  in  = (struct sockaddr_in*)&addr_storage;
  struct sockaddr_in6* const in6 = (struct sockaddr_in6*)&addr_storage;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
  } else {
    assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
    in6->sin6_family = AF_INET6;
  }
  return (const struct sockaddr*)&addr_storage;
}

static DspCidr
parse_ok(const char* const text)
{
  DspCidr  net;
  DspError err;
  dsp_error_clear(&err);
  assert_int_equal(dsp_cidr_parse(text, "--osc-allow", &net, &err),
                   DSP_SUCCESS);
  return net;
}

static void
test_ipv4(void** state)
{
  (void)state;
  DspCidr net = parse_ok("10.1.2.3/8");
  char    buf[64];
  assert_string_equal(dsp_cidr_format(&net, buf, sizeof(buf)), "10.0.0.0/8");
  assert_true(dsp_cidr_match(&net, sa("10.200.0.1")));
  assert_false(dsp_cidr_match(&net, sa("11.0.0.1")));
  // A mapped IPv4 address (dual-stack socket) matches the IPv4 network
  assert_true(dsp_cidr_match(&net, sa("::ffff:10.9.9.9")));
  assert_false(dsp_cidr_match(&net, sa("::ffff:11.9.9.9")));
  assert_false(dsp_cidr_match(&net, sa("::1")));

  net = parse_ok("127.0.0.1");
  assert_int_equal(net.bits, 32);
  assert_true(dsp_cidr_match(&net, sa("127.0.0.1")));
  assert_false(dsp_cidr_match(&net, sa("127.0.0.2")));

  net = parse_ok("192.168.1.128/25");
  assert_true(dsp_cidr_match(&net, sa("192.168.1.200")));
  assert_false(dsp_cidr_match(&net, sa("192.168.1.100")));

  net = parse_ok("0.0.0.0/0");
  assert_true(dsp_cidr_match(&net, sa("8.8.8.8")));
  assert_false(dsp_cidr_match(&net, sa("2001:db8::1")));
}

static void
test_ipv6(void** state)
{
  (void)state;
  DspCidr net = parse_ok("2001:db8::/32");
  char    buf[64];
  assert_string_equal(dsp_cidr_format(&net, buf, sizeof(buf)), "2001:db8::/32");
  assert_true(dsp_cidr_match(&net, sa("2001:db8:1::5")));
  assert_false(dsp_cidr_match(&net, sa("2001:db9::5")));
  assert_false(dsp_cidr_match(&net, sa("10.0.0.1")));

  net = parse_ok("fe80::/10");
  assert_true(dsp_cidr_match(&net, sa("febf::1")));
  assert_false(dsp_cidr_match(&net, sa("fec0::1")));

  net = parse_ok("::1");
  assert_int_equal(net.bits, 128);
  assert_true(dsp_cidr_match(&net, sa("::1")));
  assert_false(dsp_cidr_match(&net, sa("::2")));

  const DspCidr list[2] = { parse_ok("127.0.0.1/32"), parse_ok("::1/128") };
  assert_true(dsp_cidr_match_any(list, 2U, sa("::1")));
  assert_true(dsp_cidr_match_any(list, 2U, sa("127.0.0.1")));
  assert_false(dsp_cidr_match_any(list, 2U, sa("127.0.0.2")));
  assert_false(dsp_cidr_match_any(list, 0U, sa("127.0.0.1")));
}

static void
expect_bad(const char* const text, const char* const want)
{
  DspCidr  net;
  DspError err;
  dsp_error_clear(&err);
  assert_int_equal(dsp_cidr_parse(text, "--osc-allow", &net, &err),
                   DSP_ERR_BAD_ARG);
  assert_string_equal(err.path, "--osc-allow");
  if (!strstr(err.message, want)) {
    fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err.message, want);
  }
}

static void
test_bad(void** state)
{
  (void)state;
  expect_bad("", "expected an IPv4 or IPv6 address");
  expect_bad("300.1.1.1", "expected an IPv4 or IPv6 address");
  expect_bad("localhost", "expected an IPv4 or IPv6 address");
  expect_bad("10.0.0.0/33", "prefix length \"33\" must be 0 to 32");
  expect_bad("::/129", "must be 0 to 128");
  expect_bad("10.0.0.0/", "prefix length");
  expect_bad("10.0.0.0/8x", "prefix length");
  expect_bad("10.0.0.0/-1", "prefix length");
  expect_bad("10.0.0.0/+8", "prefix length");
  expect_bad(
    "1111:2222:3333:4444:5555:6666:7777:8888/128-and-then-far-too-long",
    "at most 63 characters");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ipv4),
    cmocka_unit_test(test_ipv6),
    cmocka_unit_test(test_bad),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
