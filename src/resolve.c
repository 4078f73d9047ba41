/*
 * resolve: one worker thread, two queues (todo, done) under one mutex.
 *
 * Ownership: a query is owned by the todo queue, then by the worker while it
 * resolves, then by the done queue, then freed by the loop thread after the
 * callback. Cancelling only marks the query; whoever holds it frees it.
 * resolver_free() hands the resolver itself to a running worker, which frees
 * it on its way out.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/log.h"
#include "src/resolve.h"

struct query {
	uint64_t id;
	char host[RESOLVE_HOST_MAX];
	resolve_cb cb;
	void *arg;
	bool cancelled;
	int rc;
	struct ipaddr addrs[RESOLVE_MAX_ADDRS];
	size_t naddrs;
	struct query *next;
};

struct resolver {
	struct ev_loop *loop;
	ev_async done_async;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct query *todo, *todo_tail, *done, *done_tail;
	struct query *busy; /* the one the worker holds */
	pid_t worker_pid;   /* process the worker runs in; 0 = none */
	pthread_t worker;
	bool stop;
	uint64_t next_id;
};

static void
push(struct query **head, struct query **tail, struct query *q)
{
	q->next = NULL;
	if (*tail != NULL)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

static struct query *
pop(struct query **head, struct query **tail)
{
	struct query *q = *head;

	if (q != NULL) {
		*head = q->next;
		if (*head == NULL)
			*tail = NULL;
	}
	return q;
}

static void
lookup(struct query *q)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc, pass;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(q->host, NULL, &hints, &res);
	switch (rc) {
	case 0:
		break;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		q->rc = -ENOENT;
		return;
	case EAI_AGAIN:
		q->rc = -EAGAIN;
		return;
	default:
		q->rc = -EINVAL;
		return;
	}
	/* IPv4 first, then IPv6, no duplicates. */
	for (pass = 0; pass < 2; pass++) {
		for (ai = res; ai != NULL && q->naddrs < RESOLVE_MAX_ADDRS; ai = ai->ai_next) {
			struct endpoint e;
			size_t i;
			bool dup = false;

			if ((pass == 0) != (ai->ai_family == AF_INET))
				continue;
			if (endpoint_from_sockaddr(&e, ai->ai_addr, ai->ai_addrlen) < 0)
				continue;
			for (i = 0; i < q->naddrs; i++)
				dup |= ipaddr_equal(&q->addrs[i], &e.addr);
			if (!dup)
				q->addrs[q->naddrs++] = e.addr;
		}
	}
	freeaddrinfo(res);
	q->rc = q->naddrs > 0 ? 0 : -ENOENT;
}

static void *
worker_main(void *arg)
{
	struct resolver *r = arg;
	struct query *q;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stop && r->todo == NULL)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stop)
			break;
		q = pop(&r->todo, &r->todo_tail);
		r->busy = q;
		pthread_mutex_unlock(&r->lock);
		lookup(q);
		pthread_mutex_lock(&r->lock);
		r->busy = NULL;
		if (r->stop) {
			free(q);
			break;
		}
		push(&r->done, &r->done_tail, q);
		ev_async_send(r->loop, &r->done_async);
	}
	pthread_mutex_unlock(&r->lock);
	/* resolver_free() handed r over to us: nobody else touches it now. */
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
	return NULL;
}

static void
done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct resolver *r = (struct resolver *)((char *)w - offsetof(struct resolver, done_async));
	struct query *list, *q;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&r->lock);
	list = r->done;
	r->done = r->done_tail = NULL;
	pthread_mutex_unlock(&r->lock);
	while ((q = list) != NULL) {
		list = q->next;
		if (!q->cancelled)
			q->cb(q->arg, q->rc, q->addrs, q->naddrs);
		free(q);
	}
}

struct resolver *
resolver_new(struct ev_loop *loop)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->loop = loop;
	r->next_id = 1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	ev_async_init(&r->done_async, done_cb);
	ev_async_start(loop, &r->done_async);
	ev_unref(loop); /* an idle resolver does not keep the loop alive */
	return r;
}

static int
ensure_worker(struct resolver *r)
{
	pthread_attr_t attr;
	int rc;

	if (r->worker_pid == getpid())
		return 0;
	/*
	 * No worker in this process (first use, or we are the child of a fork:
	 * the old thread stayed in the parent). Whatever it held is lost here.
	 */
	r->busy = NULL;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&r->worker, &attr, worker_main, r);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -rc;
	r->worker_pid = getpid();
	return 0;
}

int
resolver_query(struct resolver *r, const char *host, resolve_cb cb, void *arg, uint64_t *id)
{
	struct query *q;
	int rc;

	if (strlen(host) >= RESOLVE_HOST_MAX || host[0] == '\0')
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->id = r->next_id++;
	strcpy(q->host, host);
	q->cb = cb;
	q->arg = arg;
	if (id != NULL)
		*id = q->id;
	if (ipaddr_parse(&q->addrs[0], host) == 0) {
		q->naddrs = 1;
		q->rc = 0;
		pthread_mutex_lock(&r->lock);
		push(&r->done, &r->done_tail, q);
		pthread_mutex_unlock(&r->lock);
		ev_async_send(r->loop, &r->done_async);
		return 0;
	}
	if ((rc = ensure_worker(r)) < 0) {
		free(q);
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	push(&r->todo, &r->todo_tail, q);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void
resolver_cancel(struct resolver *r, uint64_t id)
{
	struct query *q;

	pthread_mutex_lock(&r->lock);
	for (q = r->todo; q != NULL; q = q->next)
		if (q->id == id)
			q->cancelled = true;
	for (q = r->done; q != NULL; q = q->next)
		if (q->id == id)
			q->cancelled = true;
	if (r->busy != NULL && r->busy->id == id)
		r->busy->cancelled = true;
	pthread_mutex_unlock(&r->lock);
}

void
resolver_free(struct resolver *r)
{
	struct query *q;
	bool worker_alive;

	if (r == NULL)
		return;
	ev_ref(r->loop);
	ev_async_stop(r->loop, &r->done_async);
	pthread_mutex_lock(&r->lock);
	while ((q = pop(&r->todo, &r->todo_tail)) != NULL)
		free(q);
	while ((q = pop(&r->done, &r->done_tail)) != NULL)
		free(q);
	worker_alive = r->worker_pid == getpid();
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	/*
	 * A running worker frees r when it sees stop (it may be stuck in
	 * getaddrinfo() for a while; the caller does not wait for it).
	 */
	if (!worker_alive)
		free(r);
}
