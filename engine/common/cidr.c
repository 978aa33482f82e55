// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DspStatus
dsp_cidr_parse(const char* const text,
               const char* const what,
               DspCidr* const    net,
               DspError* const   err)
{
  memset(net, 0, sizeof(*net));
  const size_t len = strlen(text);
  char         buf[DSP_CIDR_MAX_TEXT];
  if (!len || len >= sizeof(buf)) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         what,
                         "\"%.*s\": expected an IPv4 or IPv6 address or "
                         "network (ADDR or ADDR/BITS, at most %u characters)",
                         (int)(len < 80U ? len : 80U),
                         text,
                         DSP_CIDR_MAX_TEXT - 1U);
  }
  memcpy(buf, text, len + 1U);

  char* const slash = strchr(buf, '/');
  if (slash) {
    *slash = '\0';
  }
  if (inet_pton(AF_INET, buf, net->addr) == 1) {
    net->family = AF_INET;
    net->bits   = 32U;
  } else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
    net->family = AF_INET6;
    net->bits   = 128U;
  } else {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         what,
                         "\"%s\": expected an IPv4 or IPv6 address or network "
                         "(ADDR or ADDR/BITS), got \"%s\" as the address",
                         text,
                         buf);
  }

  if (slash) {
    const unsigned max  = net->bits;
    char*          end  = NULL;
    const char*    bits = slash + 1;
    const long     v    = strtol(bits, &end, 10);
    if (end == bits || *end || bits[0] < '0' || bits[0] > '9' || v < 0 ||
        v > (long)max) {
      return dsp_error_set(err,
                           DSP_ERR_BAD_ARG,
                           what,
                           "\"%s\": prefix length \"%s\" must be 0 to %u",
                           text,
                           bits,
                           max);
    }
    net->bits = (unsigned)v;
  }

  // Clear the host bits
  const unsigned n_bytes = net->family == AF_INET ? 4U : 16U;
  for (unsigned i = 0U; i < n_bytes; ++i) {
    const unsigned first = i * 8U;
    if (first >= net->bits) {
      net->addr[i] = 0U;
    } else if (net->bits - first < 8U) {
      net->addr[i] &= (uint8_t)(0xFFU << (8U - (net->bits - first)));
    }
  }
  return DSP_SUCCESS;
}

/// True if the first `bits` bits of `a` and `b` are equal.
static bool
prefix_equal(const uint8_t* const a,
             const uint8_t* const b,
             const unsigned       bits)
{
  const unsigned whole = bits / 8U;
  if (memcmp(a, b, whole)) {
    return false;
  }
  const unsigned rest = bits % 8U;
  if (!rest) {
    return true;
  }
  const uint8_t mask = (uint8_t)(0xFFU << (8U - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

bool
dsp_cidr_match(const DspCidr* const net, const struct sockaddr* const addr)
{
  static const uint8_t mapped[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF
  };
  if (!addr) {
    return false;
  }
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in* const in = (const struct sockaddr_in*)addr;
    return net->family == AF_INET &&
           prefix_equal(net->addr, (const uint8_t*)&in->sin_addr, net->bits);
  }
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6* const in6 = (const struct sockaddr_in6*)addr;
    const uint8_t* const             a   = in6->sin6_addr.s6_addr;
    if (net->family == AF_INET6) {
      return prefix_equal(net->addr, a, net->bits);
    }
    return net->family == AF_INET && !memcmp(a, mapped, sizeof(mapped)) &&
           prefix_equal(net->addr, a + 12, net->bits);
  }
  return false;
}

bool
dsp_cidr_match_any(const DspCidr* const         nets,
                   const size_t                 n,
                   const struct sockaddr* const addr)
{
  for (size_t i = 0U; i < n; ++i) {
    if (dsp_cidr_match(&nets[i], addr)) {
      return true;
    }
  }
  return false;
}

const char*
dsp_cidr_format(const DspCidr* const net, char* const buf, const size_t size)
{
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(net->family, net->addr, text, sizeof(text))) {
    text[0] = '\0';
  }
  snprintf(buf, size, "%s/%u", text, net->bits);
  return buf;
}
