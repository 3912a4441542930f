// The smallest binding to libnetfilter_queue Bulkhead needs: open a queue, hand each packet to
// one JavaScript function that returns the verdict, set it. Packets are read on the event loop
// (uv_poll on the netlink socket), so verdicts come from the same thread as everything else.
// If the function throws or returns garbage the packet gets the queue's fallback verdict.
// Verdicts: NF_DROP, NF_ACCEPT, or VERDICT_MANGLED (accept the packet as the function rewrote
// it in its buffer; the new length is the IP header's). Runs of accepted packets are confirmed
// with one batch verdict per read from the socket rather than one message each.

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#define RECV_BUFFER (256 * 1024)
/* Verdicts as in <linux/netfilter.h>, which clashes with the libc headers uv.h pulls in. */
#ifndef NF_DROP
#define NF_DROP 0
#define NF_ACCEPT 1
#endif
#define VERDICT_MANGLED 2

typedef struct {
  napi_env env;
  napi_ref callback;
  struct nfq_handle *h;
  struct nfq_q_handle *qh;
  uv_poll_t poll;
  int fd;
  int fallback; /* NF_ACCEPT or NF_DROP when the callback fails */
  int closed;
  unsigned long packets;
  unsigned long errors;
  char *buf;
  /* The newest packet accepted but not yet confirmed (batched), and whether there is one. */
  uint32_t batch_id;
  int batch_pending;
} queue_t;

static void flush_batch(queue_t *q) {
  if (!q->batch_pending) return;
  nfq_set_verdict_batch(q->qh, q->batch_id, NF_ACCEPT);
  q->batch_pending = 0;
}

/* The length an IP packet claims for itself, if it fits in `have` bytes; else -1. */
static int ip_length(const unsigned char *p, int have) {
  int len = -1;
  if (have >= 20 && (p[0] >> 4) == 4) len = (p[2] << 8) | p[3];
  else if (have >= 40 && (p[0] >> 4) == 6) len = 40 + ((p[4] << 8) | p[5]);
  return len > 0 && len <= have ? len : -1;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg;
  queue_t *q = data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  unsigned char *payload = NULL;
  int len = nfq_get_payload(nfa, &payload);
  int verdict = q->fallback;
  int mangled_len = -1;
  unsigned char *mangled = NULL;
  q->packets++;
  napi_env env = q->env;
  napi_handle_scope scope;
  if (len >= 0 && napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_value fn, global, buffer, result;
    void *copy;
    if (napi_get_reference_value(env, q->callback, &fn) == napi_ok && napi_get_global(env, &global) == napi_ok &&
        napi_create_buffer_copy(env, (size_t)len, payload, &copy, &buffer) == napi_ok) {
      if (napi_call_function(env, global, fn, 1, &buffer, &result) == napi_ok) {
        int32_t v;
        if (napi_get_value_int32(env, result, &v) == napi_ok && (v == NF_ACCEPT || v == NF_DROP)) verdict = v;
        else if (v == VERDICT_MANGLED && (mangled_len = ip_length(copy, len)) > 0) {
          verdict = NF_ACCEPT;
          /* The buffer lives until the handle scope closes: set the verdict before that. */
          mangled = copy;
        } else q->errors++;
      } else {
        bool pending = false;
        napi_value ex;
        napi_is_exception_pending(env, &pending);
        if (pending) napi_get_and_clear_last_exception(env, &ex);
        q->errors++;
      }
    }
    if (q->closed) {
      /* The function closed the queue: the kernel has flushed what was queued. */
      napi_close_handle_scope(env, scope);
      return 0;
    }
    if (mangled) {
      flush_batch(q);
      nfq_set_verdict(qh, id, NF_ACCEPT, (uint32_t)mangled_len, mangled);
    }
    napi_close_handle_scope(env, scope);
    if (mangled) return 0;
  }
  if (verdict == NF_ACCEPT) {
    q->batch_id = id;
    q->batch_pending = 1;
    return 0;
  }
  flush_batch(q);
  return nfq_set_verdict(qh, id, (uint32_t)verdict, 0, NULL);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  queue_t *q = handle->data;
  if (status < 0 || q->closed) return;
  for (;;) {
    ssize_t n = recv(q->fd, q->buf, RECV_BUFFER, MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && errno == ENOBUFS) {
        /* The kernel dropped queue messages (its fail-open or fail-closed flag decides them); keep reading. */
        q->errors++;
        continue;
      }
      break;
    }
    nfq_handle_packet(q->h, q->buf, (int)n);
    if (q->closed) return;
  }
  /* Everything read is decided: confirm the accepted run before waiting for more. */
  if (!q->closed) flush_batch(q);
}

static napi_value throw_error(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno ? errno : EIO));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void on_closed(uv_handle_t *handle) {
  queue_t *q = handle->data;
  free(q->buf);
  free(q);
}

static void close_queue(queue_t *q) {
  if (q->closed) return;
  flush_batch(q);
  q->closed = 1;
  uv_poll_stop(&q->poll);
  nfq_destroy_queue(q->qh);
  nfq_close(q->h);
  napi_delete_reference(q->env, q->callback);
  uv_close((uv_handle_t *)&q->poll, on_closed);
}

/* open(queueNumber, maxLength, failOpen, callback) -> handle */
static napi_value open_queue(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t num, maxlen;
  bool fail_open;
  if (argc < 4 || napi_get_value_uint32(env, argv[0], &num) != napi_ok || napi_get_value_uint32(env, argv[1], &maxlen) != napi_ok ||
      napi_get_value_bool(env, argv[2], &fail_open) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(queueNumber, maxLength, failOpen, callback)");
    return NULL;
  }
  queue_t *q = calloc(1, sizeof *q);
  q->buf = malloc(RECV_BUFFER);
  q->env = env;
  q->fallback = fail_open ? NF_ACCEPT : NF_DROP;
  errno = 0;
  q->h = nfq_open();
  if (!q->h) {
    free(q->buf);
    free(q);
    return throw_error(env, "cannot open netfilter queue handle (needs CAP_NET_ADMIN)");
  }
  q->qh = nfq_create_queue(q->h, (uint16_t)num, on_packet, q);
  if (!q->qh) {
    nfq_close(q->h);
    free(q->buf);
    free(q);
    return throw_error(env, "cannot bind the queue (is another process bound to it?)");
  }
  nfq_set_mode(q->qh, NFQNL_COPY_PACKET, 0xffff);
  nfq_set_queue_maxlen(q->qh, maxlen);
  /* When the queue is full the kernel decides alone: accept for fail-open conduits. */
  if (fail_open) nfq_set_queue_flags(q->qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  q->fd = nfq_fd(q->h);
  int size = 4 * 1024 * 1024;
  setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  napi_create_reference(env, argv[3], 1, &q->callback);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &q->poll, q->fd);
  q->poll.data = q;
  uv_poll_start(&q->poll, UV_READABLE, on_readable);
  napi_value handle;
  napi_create_external(env, q, NULL, NULL, &handle);
  return handle;
}

static queue_t *unwrap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *q = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &q) != napi_ok) napi_throw_type_error(env, NULL, "expected a queue handle");
  return q;
}

static napi_value close_fn(napi_env env, napi_callback_info info) {
  queue_t *q = unwrap(env, info);
  if (q) close_queue(q);
  return NULL;
}

/* stats(handle) -> [packets, errors] */
static napi_value stats_fn(napi_env env, napi_callback_info info) {
  queue_t *q = unwrap(env, info);
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, q && !q->closed ? (double)q->packets : 0, &a);
  napi_create_double(env, q && !q->closed ? (double)q->errors : 0, &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_queue, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_fn, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats_fn, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
