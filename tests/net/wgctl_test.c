/*
 * wgctl_test: drives the UAPI backend and the userspace supervisor for
 * tests/net/uapi_wggo.sh, using only wgnm code (no wg tool, no shell-outs).
 *
 *   wgctl_test [-d SOCKDIR] [-t MS] get IF          print the device like `wg show IF dump`
 *   wgctl_test [-d SOCKDIR] [-t MS] set IF SPEC...  apply a tests/wgspec.h request
 *   wgctl_test [-d SOCKDIR] exists IF               exit 0 if a UAPI socket answers
 *   wgctl_test bulk IF N                             set N peers in one call, read back
 *   wgctl_test semantics IF                          run the semantic table (TAP comments)
 *   wgctl_test supervise IF STATEFILE [SPEC...]      run wireguard-go supervised until
 *                                                    SIGTERM; STATEFILE gets
 *                                                    "pid=N restarts=M impl=X" on start and
 *                                                    after each restart, when SPEC (if any)
 *                                                    has been re-applied
 *   wgctl_test hang SOCKDIR IF                       a UAPI listener that accepts and never
 *                                                    answers
 * Exit status: 0 on success, 1 on failure (the error on stderr).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "platform/wg_uapi.h"
#include "platform/wg_userspace.h"
#include "src/log.h"
#include "tests/wgspec.h"

static struct wg_uapi_ctx uctx;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
key_b64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN], int present)
{
	if (present)
		wg_key_to_base64(out, key);
	else
		strcpy(out, "(none)");
}

/* The format of `wg show IF dump`. */
static void
print_dump(const struct wg_device *dev)
{
	const struct wg_peer *p;
	const struct wg_allowedip *a;
	char k1[WG_KEY_B64_LEN], k2[WG_KEY_B64_LEN], s[ENDPOINT_STRLEN];

	key_b64(k1, dev->private_key, dev->flags & WGDEV_HAS_PRIVATE_KEY);
	key_b64(k2, dev->public_key, dev->flags & WGDEV_HAS_PUBLIC_KEY);
	printf("%s\t%s\t%u\t", k1, k2, (unsigned)dev->listen_port);
	if ((dev->flags & WGDEV_HAS_FWMARK) && dev->fwmark)
		printf("0x%x\n", (unsigned)dev->fwmark);
	else
		printf("off\n");
	for (p = dev->first_peer; p != NULL; p = p->next) {
		key_b64(k1, p->public_key, 1);
		key_b64(k2, p->preshared_key, p->flags & WGPEER_HAS_PRESHARED_KEY);
		printf("%s\t%s\t%s\t", k1, k2,
		       (p->flags & WGPEER_HAS_ENDPOINT) ? endpoint_fmt(&p->endpoint, s, sizeof(s))
		                                        : "(none)");
		for (a = p->first_allowedip; a != NULL; a = a->next)
			printf("%s%s", a == p->first_allowedip ? "" : ",",
			       ipprefix_fmt(&a->prefix, s, sizeof(s)));
		if (p->first_allowedip == NULL)
			printf("(none)");
		printf("\t%lld\t%" PRIu64 "\t%" PRIu64 "\t", (long long)p->last_handshake.tv_sec,
		       p->rx_bytes, p->tx_bytes);
		if (p->keepalive_s)
			printf("%u\n", (unsigned)p->keepalive_s);
		else
			printf("off\n");
	}
}

static int
cmd_get(const char *ifname)
{
	struct wg_device *dev = NULL;
	int64_t t0 = now_ms();
	int rc = wg_uapi_get(&uctx, ifname, &dev);

	if (rc < 0) {
		fprintf(stderr, "get %s: %s (%d) after %lld ms\n", ifname, strerror(-rc), rc,
		        (long long)(now_ms() - t0));
		return 1;
	}
	print_dump(dev);
	wg_device_free(dev);
	return 0;
}

static char *
join(int argc, char **argv)
{
	size_t n = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = calloc(1, n);
	if (s == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		strcat(s, argv[i]);
		strcat(s, " ");
	}
	return s;
}

static int
apply_spec(const char *ifname, const char *spec)
{
	struct wg_device *req = NULL;
	int rc = wgspec_parse(ifname, spec, &req);

	if (rc < 0) {
		fprintf(stderr, "bad spec: %s\n", spec);
		return rc;
	}
	rc = wg_uapi_set(&uctx, req);
	wg_device_free(req);
	if (rc < 0)
		fprintf(stderr, "set %s: %s (%d)\n", ifname, strerror(-rc), rc);
	return rc;
}

static int
cmd_set(const char *ifname, int argc, char **argv)
{
	char *spec = join(argc, argv);
	int rc = spec ? apply_spec(ifname, spec) : -ENOMEM;

	free(spec);
	return rc < 0 ? 1 : 0;
}

static int
cmd_bulk(const char *ifname, unsigned n)
{
	struct wg_device *req = wg_device_new(ifname), *got = NULL;
	struct wg_peer *p;
	const struct wg_peer *q;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	int64_t t0, t1, t2;
	unsigned i, bad = 0;
	int rc;

	req->flags |= WGDEV_REPLACE_PEERS;
	for (i = 0; i < n; i++) {
		struct ipprefix pre;
		char s[64];

		wg_key_generate_private(priv);
		wg_key_public_from_private(pub, priv);
		p = wg_device_add_peer(req, pub);
		snprintf(s, sizeof(s), "10.%u.%u.%u/32", 100 + i / 65536, (i / 256) % 256, i % 256);
		ipprefix_parse(&pre, s, false);
		wg_peer_add_allowedip(p, &pre);
		snprintf(s, sizeof(s), "203.0.113.%u:%u", 1 + i % 250, 10000 + i);
		endpoint_parse(&p->endpoint, s);
		p->flags |= WGPEER_HAS_ENDPOINT;
	}
	t0 = now_ms();
	rc = wg_uapi_set(&uctx, req);
	t1 = now_ms();
	if (rc == 0)
		rc = wg_uapi_get(&uctx, ifname, &got);
	t2 = now_ms();
	if (rc < 0) {
		fprintf(stderr, "bulk: %s (%d)\n", strerror(-rc), rc);
		wg_device_free(req);
		return 1;
	}
	for (q = req->first_peer; q != NULL; q = q->next) {
		const struct wg_peer *g = wg_device_find_peer(got, q->public_key);

		if (g == NULL || wg_peer_allowedip_count(g) != 1 ||
		    memcmp(&g->first_allowedip->prefix, &q->first_allowedip->prefix,
		           sizeof(struct ipprefix)) != 0 ||
		    !endpoint_equal(&g->endpoint, &q->endpoint))
			bad++;
	}
	printf("bulk: set %u peers in %lld ms, read back %zu in %lld ms, %u mismatched\n", n,
	       (long long)(t1 - t0), wg_device_peer_count(got), (long long)(t2 - t1), bad);
	rc = (bad == 0 && wg_device_peer_count(got) == n) ? 0 : 1;
	wg_device_free(req);
	wg_device_free(got);
	return rc;
}

static void
sem_report_cb(void *arg, size_t i, int pass, int rc, const char *got)
{
	(void)arg;
	printf("%s %zu - %s\n", pass ? "ok" : "not ok", i + 1, wgsem_table[i].what);
	if (!pass)
		printf("  set \"%s\" rc=%d\n    got: %s\n   want: %s\n", wgsem_table[i].set, rc,
		       got, wgsem_table[i].want);
}

static int
cmd_semantics(const char *ifname)
{
	size_t failed = wgsem_run(&wg_uapi_ops, &uctx, ifname, sem_report_cb, NULL);

	printf("%zu of %zu steps failed\n", failed, wgsem_table_len);
	return failed ? 1 : 0;
}

/* ---- supervise ------------------------------------------------------------ */

struct sup {
	struct wg_userspace *us;
	const char *ifname;
	const char *statefile;
	char *spec;
	ev_signal term_w, int_w;
};

static void
sup_write_state(struct sup *s, const char *extra)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->statefile);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "pid=%d restarts=%u impl=%s%s\n", (int)wg_userspace_pid(s->us),
	        wg_userspace_restarts(s->us), wg_userspace_impl(s->us), extra);
	fclose(f);
	rename(tmp, s->statefile);
}

static void
sup_restart_cb(void *arg)
{
	struct sup *s = arg;
	int rc = 0;

	if (s->spec != NULL)
		rc = apply_spec(s->ifname, s->spec);
	sup_write_state(s, rc < 0 ? " reapply=failed" : " reapply=ok");
}

static void
sup_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static int
cmd_supervise(const char *ifname, const char *statefile, int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct wg_userspace_config cfg = {
	    .ifname = ifname,
	    .child_log_fd = getenv("WGCTL_CHILD_LOG") ? 2 : -1,
	    .backoff_min_ms = 100,
	    .on_restart = sup_restart_cb,
	};
	struct sup s = {.ifname = ifname, .statefile = statefile};
	int rc;

	cfg.arg = &s;
	if (argc > 0)
		s.spec = join(argc, argv);
	rc = wg_userspace_start(loop, &cfg, &s.us);
	if (rc < 0) {
		fprintf(stderr, "supervise %s: %s (%d)\n", ifname, strerror(-rc), rc);
		free(s.spec);
		return 1;
	}
	if (s.spec != NULL && apply_spec(ifname, s.spec) < 0) {
		wg_userspace_stop(s.us);
		free(s.spec);
		return 1;
	}
	ev_signal_init(&s.term_w, sup_signal_cb, SIGTERM);
	ev_signal_init(&s.int_w, sup_signal_cb, SIGINT);
	ev_signal_start(loop, &s.term_w);
	ev_signal_start(loop, &s.int_w);
	sup_write_state(&s, "");
	ev_run(loop, 0);
	wg_userspace_stop(s.us);
	free(s.spec);
	return 0;
}

/* ---- hang: accept, never answer ----------------------------------------- */

static int
cmd_hang(const char *sockdir, const char *ifname)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct wg_uapi_ctx c = {.sockdir = sockdir};
	int fd, n = 0;

	if (wg_uapi_path(&c, ifname, sun.sun_path, sizeof(sun.sun_path)) < 0)
		return 1;
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
		perror("hang: listen");
		return 1;
	}
	for (;;) {
		int c2 = accept(fd, NULL, NULL);

		if (c2 >= 0 && n < 64)
			n++; /* kept open, never read or answered */
		else if (c2 >= 0)
			close(c2);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: wgctl_test [-d sockdir] [-t ms] get|set|exists|bulk|semantics|"
	                "supervise|hang ...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int opt;

	log_init(LOG_TO_STDERR, getenv("WGCTL_DEBUG") ? 1 : 0, "wgctl_test");
	while ((opt = getopt(argc, argv, "+d:t:")) != -1) {
		switch (opt) {
		case 'd':
			uctx.sockdir = optarg;
			break;
		case 't':
			uctx.timeout_ms = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		return usage();
	if (strcmp(argv[0], "get") == 0)
		return cmd_get(argv[1]);
	if (strcmp(argv[0], "set") == 0)
		return cmd_set(argv[1], argc - 2, argv + 2);
	if (strcmp(argv[0], "exists") == 0)
		return wg_uapi_ctx_exists(&uctx, argv[1]) ? 0 : 1;
	if (strcmp(argv[0], "bulk") == 0 && argc == 3)
		return cmd_bulk(argv[1], (unsigned)strtoul(argv[2], NULL, 10));
	if (strcmp(argv[0], "semantics") == 0)
		return cmd_semantics(argv[1]);
	if (strcmp(argv[0], "supervise") == 0 && argc >= 3)
		return cmd_supervise(argv[1], argv[2], argc - 3, argv + 3);
	if (strcmp(argv[0], "hang") == 0 && argc == 3)
		return cmd_hang(argv[1], argv[2]);
	return usage();
}
