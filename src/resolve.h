/*
 * resolve: asynchronous host name resolution for the libev loop.
 *
 * getaddrinfo() blocks (seconds, when DNS is slow), so it never runs in the
 * loop: a worker thread takes queries from a queue and hands answers back
 * through an ev_async; callbacks run in the loop thread. Address literals are
 * answered without the thread. The worker starts lazily and again after a
 * fork (detach), since threads do not survive fork().
 */
#ifndef WGNM_RESOLVE_H
#define WGNM_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "proto/ipaddr.h"

#define RESOLVE_MAX_ADDRS 8
#define RESOLVE_HOST_MAX 256

struct resolver;

/*
 * rc is 0 (n >= 1 addresses, IPv4 first) or -errno-like (-ENOENT: no such
 * name, -EAGAIN: temporary failure, -EINVAL: bad name). addrs is only valid
 * during the call.
 */
typedef void (*resolve_cb)(void *arg, int rc, const struct ipaddr *addrs, size_t n);

struct resolver *resolver_new(struct ev_loop *loop);
/* Pending callbacks are dropped. The worker is told to stop; not waited for long. */
void resolver_free(struct resolver *r);
/* Queue a lookup; *id (optional) names it for resolver_cancel(). 0 or -errno. */
int resolver_query(struct resolver *r, const char *host, resolve_cb cb, void *arg, uint64_t *id);
/* The callback of this query will not be called. */
void resolver_cancel(struct resolver *r, uint64_t id);

#endif
