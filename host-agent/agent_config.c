// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "agent_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dsp_agent_config_init(DspAgentConfig* const cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->accel            = DSP_ACCEL_AUTO;
  cfg->memory_mib       = 512U;
  cfg->core             = -1;
  cfg->boot_disks       = true;
  cfg->tcg_tb_size      = 64U;
  cfg->state_size       = 16U * 1024U * 1024U;
  cfg->guest_port       = 9000U;
  cfg->forward_port     = 19000U;
  cfg->listen_port      = 0U;
  cfg->health           = DSP_HEALTH_OSC;
  cfg->health_interval  = 1000U;
  cfg->health_timeout   = 10000U;
  cfg->boot_grace       = 120000U;
  cfg->restart          = DSP_RESTART_ALWAYS;
  cfg->backoff_initial  = 1000U;
  cfg->backoff_max      = 30000U;
  cfg->backoff_reset    = 60000U;
  cfg->netjack_port     = 4713U;
  cfg->netjack_channels = 2U;
  cfg->netjack_latency  = 2U;
  snprintf(cfg->netjack_master, sizeof(cfg->netjack_master), "10.0.2.2");
  snprintf(cfg->netjack_name, sizeof(cfg->netjack_name), "dspguest");
}

static void
free_str(char** const s)
{
  free(*s);
  *s = NULL;
}

void
dsp_agent_config_cleanup(DspAgentConfig* const cfg)
{
  free_str(&cfg->qemu);
  free_str(&cfg->machine);
  free_str(&cfg->kernel);
  free_str(&cfg->initrd);
  free_str(&cfg->append);
  free_str(&cfg->disk);
  free_str(&cfg->run_dir);
  free_str(&cfg->console_log);
  free_str(&cfg->state_file);
  free_str(&cfg->listen_addr);
  for (size_t i = 0U; i < cfg->n_vfio; ++i) {
    free_str(&cfg->vfio[i]);
  }
  for (size_t i = 0U; i < cfg->n_extra; ++i) {
    free_str(&cfg->extra[i]);
  }
  dsp_agent_config_init(cfg);
}

typedef struct {
  const char* name;
  unsigned    line;
  char*       err;
  size_t      err_size;
} ParseCtx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(const ParseCtx* const ctx, const char* const fmt, ...)
{
  const int n =
    snprintf(ctx->err, ctx->err_size, "%s:%u: ", ctx->name, ctx->line);
  if (n >= 0 && (size_t)n < ctx->err_size) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(ctx->err + n, ctx->err_size - (size_t)n, fmt, args);
    va_end(args);
  }
  return -1;
}

static int
set_str(char** const dst, const char* const value)
{
  char* const copy = strdup(value);
  if (!copy) {
    return -1;
  }
  free(*dst);
  *dst = copy;
  return 0;
}

static int
parse_uint(const ParseCtx* const ctx,
           const char* const     key,
           const char* const     value,
           const unsigned long   max,
           unsigned* const       out)
{
  char* end             = NULL;
  errno                 = 0;
  const unsigned long v = strtoul(value, &end, 10);
  if (!isdigit((unsigned char)value[0]) || *end || errno || v > max) {
    return fail(
      ctx, "%s: expected an integer 0..%lu, got \"%s\"", key, max, value);
  }
  *out = (unsigned)v;
  return 0;
}

static int
parse_bool(const ParseCtx* const ctx,
           const char* const     key,
           const char* const     value,
           bool* const           out)
{
  if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1")) {
    *out = true;
  } else if (!strcmp(value, "false") || !strcmp(value, "no") ||
             !strcmp(value, "0")) {
    *out = false;
  } else {
    return fail(ctx, "%s: expected true or false, got \"%s\"", key, value);
  }
  return 0;
}

/// A name that goes on the guest's kernel command line: 1..size-1 of
/// A-Z a-z 0-9 _ - .
static int
parse_name(const ParseCtx* const ctx,
           const char* const     key,
           const char* const     value,
           char* const           out,
           const size_t          size)
{
  const size_t n = strlen(value);
  if (!n || n >= size ||
      strspn(value,
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
             "0123456789_-.") != n) {
    return fail(ctx,
                "%s: expected 1 to %zu characters from A-Z a-z 0-9 _ - ., "
                "got \"%s\"",
                key,
                size - 1U,
                value);
  }
  memcpy(out, value, n + 1U);
  return 0;
}

static int
parse_size(const ParseCtx* const ctx,
           const char* const     key,
           const char* const     value,
           uint64_t* const       out)
{
  char* end                    = NULL;
  errno                        = 0;
  const unsigned long long v   = strtoull(value, &end, 10);
  uint64_t                 mul = 1U;
  if (!isdigit((unsigned char)value[0]) || errno) {
    return fail(ctx, "%s: expected a size such as 16M, got \"%s\"", key, value);
  }
  if (!strcmp(end, "K") || !strcmp(end, "k")) {
    mul = 1024U;
  } else if (!strcmp(end, "M")) {
    mul = 1024U * 1024U;
  } else if (!strcmp(end, "G")) {
    mul = 1024U * 1024U * 1024U;
  } else if (*end) {
    return fail(ctx, "%s: expected a size such as 16M, got \"%s\"", key, value);
  }
  if (v == 0U || v > UINT64_MAX / mul) {
    return fail(ctx, "%s: size out of range: \"%s\"", key, value);
  }
  *out = (uint64_t)v * mul;
  return 0;
}

static int
parse_allow(const ParseCtx* const ctx,
            DspAgentConfig* const cfg,
            const char* const     value)
{
  // A comma-separated list of ADDR or ADDR/BITS (engine/common/cidr.h)
  char buf[256];
  if (strlen(value) >= sizeof(buf)) {
    return fail(ctx, "allow: value too long");
  }
  memcpy(buf, value, strlen(value) + 1U);
  char* save = NULL;
  for (char* tok = strtok_r(buf, ", \t", &save); tok;
       tok       = strtok_r(NULL, ", \t", &save)) {
    if (cfg->n_allow == DSP_AGENT_MAX_ALLOW) {
      return fail(ctx, "allow: more than %d entries", DSP_AGENT_MAX_ALLOW);
    }
    DspError err;
    dsp_error_clear(&err);
    if (dsp_cidr_parse(tok, "allow", &cfg->allow[cfg->n_allow], &err)) {
      return fail(ctx, "allow: %s", err.message);
    }
    ++cfg->n_allow;
  }
  return 0;
}

static int
parse_listen(const ParseCtx* const ctx,
             DspAgentConfig* const cfg,
             const char* const     value)
{
  // PORT or ADDR:PORT
  const char* const colon = strrchr(value, ':');
  const char* const port  = colon ? colon + 1 : value;
  if (parse_uint(ctx, "listen", port, 65535U, &cfg->listen_port)) {
    return -1;
  }
  char addr[64] = "127.0.0.1";
  if (colon) {
    const size_t   len = (size_t)(colon - value);
    struct in_addr in;
    if (len >= sizeof(addr)) {
      return fail(ctx, "listen: address too long");
    }
    memcpy(addr, value, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &in) != 1) {
      return fail(ctx,
                  "listen: expected ADDR:PORT with an IPv4 address, got \"%s\"",
                  value);
    }
  }
  return set_str(&cfg->listen_addr, addr);
}

static int
add_str(const ParseCtx* const ctx,
        const char* const     key,
        char** const          array,
        size_t* const         n,
        const size_t          max,
        const char* const     value)
{
  if (*n == max) {
    return fail(ctx, "%s: more than %zu entries", key, max);
  }
  array[*n] = strdup(value);
  if (!array[*n]) {
    return fail(ctx, "out of memory");
  }
  ++*n;
  return 0;
}

#define STR_KEY(sec, k, field)                                           \
  if (!strcmp(section, sec) && !strcmp(key, k)) {                        \
    return set_str(&cfg->field, value) ? fail(ctx, "out of memory") : 0; \
  }

static int
set_key(const ParseCtx* const ctx,
        DspAgentConfig* const cfg,
        const char* const     section,
        const char* const     key,
        const char* const     value)
{
  unsigned u = 0U;

  STR_KEY("vm", "qemu", qemu)
  STR_KEY("vm", "machine", machine)
  STR_KEY("vm", "kernel", kernel)
  STR_KEY("vm", "initrd", initrd)
  STR_KEY("vm", "append", append)
  STR_KEY("vm", "disk", disk)
  STR_KEY("vm", "run_dir", run_dir)
  STR_KEY("vm", "console_log", console_log)
  STR_KEY("state", "file", state_file)

  if (!strcmp(section, "vm")) {
    if (!strcmp(key, "accel")) {
      if (!strcmp(value, "auto")) {
        cfg->accel = DSP_ACCEL_AUTO;
      } else if (!strcmp(value, "kvm")) {
        cfg->accel = DSP_ACCEL_KVM;
      } else if (!strcmp(value, "tcg")) {
        cfg->accel = DSP_ACCEL_TCG;
      } else {
        return fail(ctx, "accel: expected auto, kvm or tcg, got \"%s\"", value);
      }
      return 0;
    }
    if (!strcmp(key, "memory")) {
      return parse_uint(ctx, key, value, 1048576UL, &cfg->memory_mib);
    }
    if (!strcmp(key, "core")) {
      if (!strcmp(value, "none")) {
        cfg->core = -1;
        return 0;
      }
      if (parse_uint(ctx, key, value, 4095U, &u)) {
        return -1;
      }
      cfg->core = (int)u;
      return 0;
    }
    if (!strcmp(key, "fifo_priority")) {
      if (parse_uint(ctx, key, value, 99U, &u)) {
        return -1;
      }
      cfg->fifo_priority = (int)u;
      return 0;
    }
    if (!strcmp(key, "tcg_tb_size")) {
      return parse_uint(ctx, key, value, 65536U, &cfg->tcg_tb_size);
    }
    if (!strcmp(key, "boot_disks")) {
      return parse_bool(ctx, key, value, &cfg->boot_disks);
    }
    if (!strcmp(key, "vfio")) {
      return add_str(
        ctx, key, cfg->vfio, &cfg->n_vfio, DSP_AGENT_MAX_VFIO, value);
    }
    if (!strcmp(key, "extra_arg")) {
      return add_str(
        ctx, key, cfg->extra, &cfg->n_extra, DSP_AGENT_MAX_EXTRA, value);
    }
  } else if (!strcmp(section, "state")) {
    if (!strcmp(key, "size")) {
      return parse_size(ctx, key, value, &cfg->state_size);
    }
  } else if (!strcmp(section, "osc")) {
    if (!strcmp(key, "guest_port")) {
      return parse_uint(ctx, key, value, 65535U, &cfg->guest_port);
    }
    if (!strcmp(key, "forward_port")) {
      return parse_uint(ctx, key, value, 65535U, &cfg->forward_port);
    }
    if (!strcmp(key, "listen")) {
      return parse_listen(ctx, cfg, value);
    }
    if (!strcmp(key, "allow")) {
      return parse_allow(ctx, cfg, value);
    }
  } else if (!strcmp(section, "health")) {
    if (!strcmp(key, "mode")) {
      if (!strcmp(value, "osc")) {
        cfg->health = DSP_HEALTH_OSC;
      } else if (!strcmp(value, "none")) {
        cfg->health = DSP_HEALTH_NONE;
      } else {
        return fail(ctx, "mode: expected osc or none, got \"%s\"", value);
      }
      return 0;
    }
    if (!strcmp(key, "interval_ms")) {
      return parse_uint(ctx, key, value, 3600000UL, &cfg->health_interval);
    }
    if (!strcmp(key, "timeout_ms")) {
      return parse_uint(ctx, key, value, 3600000UL, &cfg->health_timeout);
    }
    if (!strcmp(key, "boot_grace_ms")) {
      return parse_uint(ctx, key, value, 3600000UL, &cfg->boot_grace);
    }
  } else if (!strcmp(section, "restart")) {
    if (!strcmp(key, "policy")) {
      if (!strcmp(value, "always")) {
        cfg->restart = DSP_RESTART_ALWAYS;
      } else if (!strcmp(value, "on-failure")) {
        cfg->restart = DSP_RESTART_ON_FAILURE;
      } else if (!strcmp(value, "never")) {
        cfg->restart = DSP_RESTART_NEVER;
      } else {
        return fail(ctx,
                    "policy: expected always, on-failure or never, got \"%s\"",
                    value);
      }
      return 0;
    }
    if (!strcmp(key, "backoff_initial_ms")) {
      return parse_uint(ctx, key, value, 3600000UL, &cfg->backoff_initial);
    }
    if (!strcmp(key, "backoff_max_ms")) {
      return parse_uint(ctx, key, value, 3600000UL, &cfg->backoff_max);
    }
    if (!strcmp(key, "backoff_reset_ms")) {
      return parse_uint(ctx, key, value, 86400000UL, &cfg->backoff_reset);
    }
    if (!strcmp(key, "max_restarts")) {
      return parse_uint(ctx, key, value, 1000000UL, &cfg->max_restarts);
    }
  } else if (!strcmp(section, "audio")) {
    if (!strcmp(key, "netjack")) {
      return parse_bool(ctx, key, value, &cfg->netjack);
    }
    if (!strcmp(key, "netjack_port")) {
      return parse_uint(ctx, key, value, 65535U, &cfg->netjack_port);
    }
    if (!strcmp(key, "netjack_master")) {
      struct in_addr a;
      if (inet_pton(AF_INET, value, &a) != 1) {
        return fail(ctx,
                    "netjack_master: expected an IPv4 address (the host "
                    "as the guest sees it, e.g. 10.0.2.2), got \"%s\"",
                    value);
      }
      snprintf(cfg->netjack_master, sizeof(cfg->netjack_master), "%s", value);
      return 0;
    }
    if (!strcmp(key, "netjack_name")) {
      return parse_name(
        ctx, key, value, cfg->netjack_name, sizeof(cfg->netjack_name));
    }
    if (!strcmp(key, "netjack_channels")) {
      if (parse_uint(ctx, key, value, 64U, &cfg->netjack_channels)) {
        return -1;
      }
      return cfg->netjack_channels
               ? 0
               : fail(ctx, "netjack_channels: expected 1 to 64, got 0");
    }
    if (!strcmp(key, "netjack_latency")) {
      return parse_uint(ctx, key, value, 10U, &cfg->netjack_latency);
    }
    if (!strcmp(key, "netjack_load_manager")) {
      return parse_bool(ctx, key, value, &cfg->netjack_load_manager);
    }
    if (!strcmp(key, "netjack_server")) {
      return parse_name(
        ctx, key, value, cfg->netjack_server, sizeof(cfg->netjack_server));
    }
  } else {
    return fail(ctx, "unknown section [%s]", section);
  }
  return fail(ctx, "unknown key \"%s\" in [%s]", key, section);
}

#undef STR_KEY

static char*
trim(char* s)
{
  while (isspace((unsigned char)*s)) {
    ++s;
  }
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1U])) {
    s[--n] = '\0';
  }
  return s;
}

static int
check(const ParseCtx* const ctx, const DspAgentConfig* const cfg)
{
  if (!cfg->kernel == !cfg->disk) {
    return fail(ctx, "[vm] needs exactly one of kernel or disk");
  }
  if (cfg->initrd && !cfg->kernel) {
    return fail(ctx, "[vm] initrd needs kernel");
  }
  if (!cfg->state_file) {
    return fail(ctx, "[state] file is required");
  }
  if (cfg->state_size & (cfg->state_size - 1U)) {
    return fail(ctx, "[state] size must be a power of two (ivshmem BAR)");
  }
  if (cfg->netjack_load_manager && !cfg->netjack) {
    return fail(ctx,
                "[audio] netjack_load_manager = true needs netjack = true");
  }
  if (cfg->backoff_max < cfg->backoff_initial) {
    return fail(ctx,
                "[restart] backoff_max_ms is less than backoff_initial_ms");
  }
  return 0;
}

int
dsp_agent_config_parse(DspAgentConfig* const cfg,
                       const char* const     text,
                       const char* const     name,
                       char* const           err,
                       const size_t          err_size)
{
  ParseCtx ctx         = { name, 0U, err, err_size };
  char     section[32] = "";
  char*    copy        = strdup(text);
  if (!copy) {
    return fail(&ctx, "out of memory");
  }

  int   rc   = 0;
  char* save = NULL;
  char* line = copy;
  for (char* next = NULL; line && !rc; line = next) {
    ++ctx.line;
    next = strchr(line, '\n');
    if (next) {
      *next++ = '\0';
    }
    // Comments: a line starting with # or ;, or " #" after a value
    char* const hash = strstr(line, " #");
    if (hash) {
      *hash = '\0';
    }
    char* const s = trim(line);
    if (!*s || *s == '#' || *s == ';') {
      continue;
    }
    if (*s == '[') {
      char* const close = strchr(s, ']');
      if (!close || close[1] || (size_t)(close - s - 1) >= sizeof(section)) {
        rc = fail(&ctx, "expected [section]");
        break;
      }
      *close = '\0';
      memcpy(section, s + 1, strlen(s + 1) + 1U);
      continue;
    }
    char* const eq = strchr(s, '=');
    if (!eq) {
      rc = fail(&ctx, "expected key = value");
      break;
    }
    *eq                     = '\0';
    const char* const key   = trim(s);
    const char* const value = trim(eq + 1);
    if (!*section) {
      rc = fail(&ctx, "key \"%s\" before any [section]", key);
    } else {
      rc = set_key(&ctx, cfg, section, key, value);
    }
  }
  (void)save;
  free(copy);
  if (rc) {
    return rc;
  }

  ctx.line = 0U;
  if (!cfg->qemu && set_str(&cfg->qemu, "qemu-system-x86_64")) {
    return fail(&ctx, "out of memory");
  }
  if (!cfg->machine && set_str(&cfg->machine, "q35")) {
    return fail(&ctx, "out of memory");
  }
  if (!cfg->append && set_str(&cfg->append, "console=ttyS0")) {
    return fail(&ctx, "out of memory");
  }
  if (!cfg->run_dir && set_str(&cfg->run_dir, "/run/dspagent")) {
    return fail(&ctx, "out of memory");
  }
  if (!cfg->listen_addr && set_str(&cfg->listen_addr, "127.0.0.1")) {
    return fail(&ctx, "out of memory");
  }
  return check(&ctx, cfg);
}

int
dsp_agent_config_load(DspAgentConfig* const cfg,
                      const char* const     path,
                      char* const           err,
                      const size_t          err_size)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return -1;
  }
  char*  text = NULL;
  size_t len  = 0U;
  size_t cap  = 0U;
  for (;;) {
    if (len + 4096U + 1U > cap) {
      cap             = cap ? cap * 2U : 8192U;
      char* const big = (char*)realloc(text, cap);
      if (!big) {
        free(text);
        fclose(f);
        snprintf(err, err_size, "%s: out of memory", path);
        return -1;
      }
      text = big;
    }
    const size_t n = fread(text + len, 1U, 4096U, f);
    len += n;
    if (n < 4096U) {
      break;
    }
  }
  const int read_err = ferror(f);
  fclose(f);
  if (read_err || len > 1048576U) {
    free(text);
    snprintf(err, err_size, "%s: cannot read (or larger than 1 MiB)", path);
    return -1;
  }
  text[len]    = '\0';
  const int rc = dsp_agent_config_parse(cfg, text, path, err, err_size);
  free(text);
  return rc;
}

bool
dsp_agent_config_allows(const DspAgentConfig* const cfg, const uint32_t addr)
{
  if ((addr >> 24U) == 127U) {
    return true; // loopback is always allowed
  }
  struct sockaddr_in in;
  memset(&in, 0, sizeof(in));
  in.sin_family      = AF_INET;
  in.sin_addr.s_addr = htonl(addr);
  return dsp_cidr_match_any(
    cfg->allow, cfg->n_allow, (const struct sockaddr*)&in);
}
