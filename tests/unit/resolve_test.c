/* resolve: literals and names answered in the loop, cancel, free with work pending. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "src/resolve.h"
#include "tests/tap.h"

struct result {
	int calls;
	int rc;
	size_t n;
	char first[IPADDR_STRLEN];
};

static void
got_cb(void *arg, int rc, const struct ipaddr *addrs, size_t n)
{
	struct result *res = arg;

	res->calls++;
	res->rc = rc;
	res->n = n;
	if (n > 0)
		ipaddr_fmt(&addrs[0], res->first, sizeof(res->first));
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until *calls reaches want or 30 s pass (a slow resolver). */
static void
run_until(struct ev_loop *loop, int *calls, int want)
{
	ev_timer t;
	int i;

	ev_timer_init(&t, timeout_cb, 0.05, 0.);
	for (i = 0; i < 600 && *calls < want; i++) {
		ev_timer_start(loop, &t);
		ev_run(loop, EVRUN_ONCE);
		ev_timer_stop(loop, &t);
	}
}

int
main(void)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct resolver *r = resolver_new(loop);
	struct result lit = { 0 }, v6 = { 0 }, name = { 0 }, bad = { 0 }, gone = { 0 };
	uint64_t id;

	ok(r != NULL, "resolver created");
	is_int(resolver_query(r, "198.51.100.7", got_cb, &lit, NULL), 0, "literal queued");
	is_int(lit.calls, 0, "literal answered from the loop, not synchronously");
	run_until(loop, &lit.calls, 1);
	ok(lit.calls == 1 && lit.rc == 0 && lit.n == 1, "literal answered once");
	is_str(lit.first, "198.51.100.7", "literal address");

	resolver_query(r, "2001:db8::5", got_cb, &v6, NULL);
	run_until(loop, &v6.calls, 1);
	is_str(v6.first, "2001:db8::5", "IPv6 literal");

	resolver_query(r, "localhost", got_cb, &name, NULL);
	run_until(loop, &name.calls, 1);
	ok(name.calls == 1 && name.rc == 0 && name.n >= 1, "localhost resolves via the worker");
	ok(strcmp(name.first, "127.0.0.1") == 0 || strcmp(name.first, "::1") == 0,
	   "localhost is loopback (%s)", name.first);

	/*
	 * A name that cannot exist: answered once, as a failure — unless the
	 * machine's resolver answers everything (some DNS setups do), which is
	 * then reported, not failed.
	 */
	resolver_query(r, "no-such-host.invalid", got_cb, &bad, NULL);
	run_until(loop, &bad.calls, 1);
	ok(bad.calls == 1, "unknown name: answered exactly once");
	ok(bad.rc < 0 || (bad.rc == 0 && bad.n >= 1), "unknown name: a failure (%d) or, with a "
	   "catch-all resolver, an address", bad.rc);

	is_int(resolver_query(r, "", got_cb, &bad, NULL), -EINVAL, "empty name refused");

	resolver_query(r, "localhost", got_cb, &gone, &id);
	resolver_cancel(r, id);
	resolver_query(r, "198.51.100.8", got_cb, &lit, NULL);
	run_until(loop, &lit.calls, 2);
	is_int(gone.calls, 0, "cancelled query never calls back");

	resolver_query(r, "localhost", got_cb, &gone, NULL);
	resolver_free(r);
	ok(1, "free with a query pending returns");
	ev_loop_destroy(loop);
	return tap_done();
}
