// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "qmp.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define QMP_MAX_EVENTS 32U
#define QMP_BUF_SIZE 65536U

struct DspQmpImpl {
  int    fd;                         ///< Connected socket
  size_t len;                        ///< Bytes in `buf`
  char   buf[QMP_BUF_SIZE];          ///< Partial lines
  size_t head;                       ///< Oldest queued event
  size_t count;                      ///< Queued events
  char   events[QMP_MAX_EVENTS][48]; ///< Event names
  int    next_id;                    ///< Command id counter
};

static void
queue_event(DspQmp* const qmp, const char* const name)
{
  if (qmp->count == QMP_MAX_EVENTS) {
    // Drop the oldest: the newest state matters most
    qmp->head = (qmp->head + 1U) % QMP_MAX_EVENTS;
    --qmp->count;
  }
  const size_t slot = (qmp->head + qmp->count) % QMP_MAX_EVENTS;
  snprintf(qmp->events[slot], sizeof(qmp->events[slot]), "%s", name);
  ++qmp->count;
}

/// Read once (blocking up to timeout_ms); -1 on EOF or error.
static int
fill(DspQmp* const qmp, const int timeout_ms)
{
  struct pollfd pfd = { qmp->fd, POLLIN, 0 };
  const int     r   = poll(&pfd, 1, timeout_ms);
  if (r <= 0) {
    return r < 0 && errno != EINTR ? -1 : 0;
  }
  if (qmp->len == sizeof(qmp->buf)) {
    qmp->len = 0U; // an absurdly long line: drop it
  }
  const ssize_t n = recv(
    qmp->fd, qmp->buf + qmp->len, sizeof(qmp->buf) - qmp->len, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    return -1;
  }
  if (n > 0) {
    qmp->len += (size_t)n;
  }
  return 0;
}

/// Take one complete line as JSON (new reference) or NULL.
static json_t*
take_line(DspQmp* const qmp)
{
  char* const nl = (char*)memchr(qmp->buf, '\n', qmp->len);
  if (!nl) {
    return NULL;
  }
  const size_t  line_len = (size_t)(nl - qmp->buf);
  json_error_t  jerr;
  json_t* const obj = json_loadb(qmp->buf, line_len, 0, &jerr);
  memmove(qmp->buf, nl + 1, qmp->len - line_len - 1U);
  qmp->len -= line_len + 1U;
  return obj ? obj : json_object(); // skip garbage as an empty object
}

/// Queue it if it is an event; return true if it was one.
static bool
handle_event(DspQmp* const qmp, json_t* const obj)
{
  const char* const name = json_string_value(json_object_get(obj, "event"));
  if (name) {
    queue_event(qmp, name);
    return true;
  }
  return false;
}

static uint64_t
now_ms(void)
{
  return dsp_agent_now_ms();
}

/// Wait for a line satisfying `want_return`; queue events on the way.
static json_t*
wait_reply(DspQmp* const qmp,
           const int     timeout_ms,
           const bool    greeting,
           char* const   err,
           const size_t  err_size)
{
  const uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    json_t* obj = NULL;
    while ((obj = take_line(qmp))) {
      if (greeting ? json_object_get(obj, "QMP") != NULL
                   : (json_object_get(obj, "return") ||
                      json_object_get(obj, "error"))) {
        return obj;
      }
      handle_event(qmp, obj);
      json_decref(obj);
    }
    const uint64_t t = now_ms();
    if (t >= deadline) {
      snprintf(err, err_size, "QMP: no answer in %d ms", timeout_ms);
      return NULL;
    }
    if (fill(qmp, (int)(deadline - t)) < 0) {
      snprintf(err, err_size, "QMP: connection closed");
      return NULL;
    }
  }
}

DspQmp*
dsp_qmp_connect(const char* const path,
                const int         timeout_ms,
                char* const       err,
                const size_t      err_size)
{
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) {
    snprintf(err, err_size, "QMP: socket path too long: %s", path);
    return NULL;
  }
  memcpy(addr.sun_path, path, strlen(path) + 1U);

  DspQmp* const qmp = (DspQmp*)calloc(1U, sizeof(DspQmp));
  if (!qmp) {
    snprintf(err, err_size, "QMP: out of memory");
    return NULL;
  }
  const uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    qmp->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (qmp->fd >= 0 &&
        !connect(qmp->fd, (const struct sockaddr*)&addr, sizeof(addr))) {
      break;
    }
    const int e = errno;
    if (qmp->fd >= 0) {
      close(qmp->fd);
    }
    if (now_ms() >= deadline) {
      snprintf(
        err, err_size, "QMP: cannot connect to %s: %s", path, strerror(e));
      free(qmp);
      return NULL;
    }
    const struct timespec ts = { 0, 20000000L };
    nanosleep(&ts, NULL);
  }

  json_t* const hello = wait_reply(qmp, timeout_ms, true, err, err_size);
  if (!hello) {
    dsp_qmp_free(qmp);
    return NULL;
  }
  json_decref(hello);
  json_t* const caps =
    dsp_qmp_execute(qmp, "qmp_capabilities", NULL, timeout_ms, err, err_size);
  if (!caps) {
    dsp_qmp_free(qmp);
    return NULL;
  }
  json_decref(caps);
  return qmp;
}

void
dsp_qmp_free(DspQmp* const qmp)
{
  if (qmp) {
    close(qmp->fd);
    free(qmp);
  }
}

int
dsp_qmp_fd(const DspQmp* const qmp)
{
  return qmp->fd;
}

json_t*
dsp_qmp_execute(DspQmp* const     qmp,
                const char* const command,
                json_t* const     args,
                const int         timeout_ms,
                char* const       err,
                const size_t      err_size)
{
  json_t* const req =
    json_pack("{s:s, s:i}", "execute", command, "id", ++qmp->next_id);
  if (!req) {
    json_decref(args);
    snprintf(err, err_size, "QMP: out of memory");
    return NULL;
  }
  if (args) {
    json_object_set_new(req, "arguments", args);
  }
  char* const text = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  if (!text) {
    snprintf(err, err_size, "QMP: out of memory");
    return NULL;
  }
  const size_t len  = strlen(text);
  const bool   sent = send(qmp->fd, text, len, MSG_NOSIGNAL) == (ssize_t)len &&
                    send(qmp->fd, "\n", 1U, MSG_NOSIGNAL) == 1;
  free(text);
  if (!sent) {
    snprintf(err, err_size, "QMP: send %s: %s", command, strerror(errno));
    return NULL;
  }
  json_t* const reply = wait_reply(qmp, timeout_ms, false, err, err_size);
  if (!reply) {
    return NULL;
  }
  json_t* const ret = json_object_get(reply, "return");
  if (!ret) {
    const char* const desc = json_string_value(
      json_object_get(json_object_get(reply, "error"), "desc"));
    snprintf(err, err_size, "QMP: %s: %s", command, desc ? desc : "error");
    json_decref(reply);
    return NULL;
  }
  json_incref(ret);
  json_decref(reply);
  return ret;
}

int
dsp_qmp_pump(DspQmp* const qmp)
{
  int rc = 0;
  for (;;) {
    json_t* obj = NULL;
    while ((obj = take_line(qmp))) {
      handle_event(qmp, obj);
      json_decref(obj);
    }
    if (rc) {
      return rc;
    }
    const size_t before = qmp->len;
    if (fill(qmp, 0) < 0) {
      rc = -1; // parse what is left, then report
      continue;
    }
    if (qmp->len == before) {
      return 0;
    }
  }
}

bool
dsp_qmp_next_event(DspQmp* const qmp, char* const name, const size_t name_size)
{
  if (!qmp->count) {
    return false;
  }
  snprintf(name, name_size, "%s", qmp->events[qmp->head]);
  qmp->head = (qmp->head + 1U) % QMP_MAX_EVENTS;
  --qmp->count;
  return true;
}

int
dsp_qmp_vcpu_threads(DspQmp* const qmp,
                     int* const    tids,
                     const size_t  max,
                     char* const   err,
                     const size_t  err_size)
{
  json_t* const cpus =
    dsp_qmp_execute(qmp, "query-cpus-fast", NULL, 5000, err, err_size);
  if (!cpus) {
    return -1;
  }
  size_t n = 0U;
  for (size_t i = 0U; i < json_array_size(cpus) && n < max; ++i) {
    json_t* const tid = json_object_get(json_array_get(cpus, i), "thread-id");
    if (json_is_integer(tid)) {
      tids[n++] = (int)json_integer_value(tid);
    }
  }
  json_decref(cpus);
  return (int)n;
}
