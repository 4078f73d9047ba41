/*
 * wgnm: the daemon proper, wgnm_run(). It owns the process once the command
 * line is resolved: state directory and identity, the admin UDP socket, the
 * interface (src/netif.c), the mesh core (src/mesh.c), the published view
 * (src/feed.c), the control socket (src/ctlsrv.c), the in-process TUI
 * (src/console.c), signals, and detaching into the background.
 *
 * Modes: interactive (no --daemon, on a terminal): the TUI runs in this
 * process and loop, logs go to the ring only. --daemon: headless, forked
 * into the background unless --foreground. Without --daemon and without a
 * terminal: headless in the foreground, logging to stderr.
 *
 * Start-up order, each step undone in reverse on failure or exit:
 *   (fork, for --daemon) → libev loop → state dir + identity + epoch →
 *   control socket → admin socket → interface → mesh → feed → TUI → run
 * A failure before the loop runs is reported on stderr (through the pipe
 * from a forked daemon to the parent that waits for it) with exit status 1.
 *
 * Detach (the TUI's d key, SIGHUP or loss of the terminal while the TUI
 * runs): fork with every signal blocked. The parent restores the terminal,
 * prints how to reattach and exits 0 without touching anything else. The
 * child calls setsid() and ev_loop_fork(), points stdio at /dev/null, logs to
 * syslog, drops the TUI without writing to the terminal, and supervises a
 * wireguard-go it did not start (netif_after_fork()). Sockets, routes, the
 * WireGuard device and every bit of mesh state simply carry on in the child.
 * SIGHUP without a TUI (--daemon, or after a detach) reloads the
 * configuration (wgnm_reload()); with the TUI on the terminal it detaches.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <sodium.h>

#include "platform/pktsample.h"
#include "platform/prepunch.h"
#include "proto/identity.h"
#include "proto/seal.h"
#include "src/console.h"
#include "src/ctlsrv.h"
#include "src/feed.h"
#include "src/log.h"
#include "src/mesh.h"
#include "src/netif.h"
#include "src/node.h"
#include "src/sdnotify.h"
#include "src/state.h"
#include "src/wgnm.h"
#include "tui/term.h"

struct daemon {
	const struct options *o; /* main's: what the node started with */
	int argc;                /* main's argv, parsed again by a reload */
	char *const *argv;
	const struct options *cur; /* in force: o, or reloaded */
	struct options *reloaded;  /* the last good reload's (owned), NULL before */
	struct ev_loop *loop;
	struct identity *id;
	uint32_t epoch;
	int admin_fd;
	ev_io admin_w;
	struct netif *nif;
	struct mesh *mesh;
	struct feed *feed;
	struct ctlsrv *ctl;
	struct console *console;
	bool interactive; /* the TUI is (or was to be) on our terminal */
	bool detached;    /* we are the child of a detach */
	int64_t start_time;
	int sample_fd;
	bool prepunch_warned; /* said once that pre-punching fails */
	ev_io sample_w;
	ev_signal sigint_w, sigterm_w, sighup_w;
	ev_timer exit_w;
	ev_timer detach_w; /* a detach asked from inside the TUI runs from here */
	ev_timer status_w;
	uint64_t status_gen;
	int status;
};

/* ---------------------------------------------------------------- admin socket */

static int
admin_open(uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in6 sin6;
	int fd, off = 0, buf = 4 << 20;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "admin socket: %s (wgnm needs IPv6 sockets)", strerror(errno));
		return -errno;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	/* the TTL of datagrams from static peers tells how far the internet is */
	{
		int on = 1;

		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		int e = errno;

		snprintf(err, errlen, "admin port %u: %s%s", port, strerror(e),
			 e == EADDRINUSE ? " (is another wgnm running? choose another with -u)" : "");
		close(fd);
		return -e;
	}
	return fd;
}

static int
admin_send(void *ctx, const struct endpoint *dst, const uint8_t *buf, size_t len)
{
	struct daemon *d = ctx;
	struct sockaddr_in6 sin6;
	ssize_t n;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(dst->port);
	if (dst->addr.family == AF_INET) {
		/* IPv4-mapped on the dual-stack socket */
		sin6.sin6_addr.s6_addr[10] = 0xff;
		sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6.sin6_addr.s6_addr[12], dst->addr.bytes, 4);
	} else if (dst->addr.family == AF_INET6) {
		sin6.sin6_addr = dst->addr.v6;
	} else {
		return -EAFNOSUPPORT;
	}
	do
		n = sendto(d->admin_fd, buf, len, 0, (struct sockaddr *)&sin6, sizeof(sin6));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static void
admin_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, admin_w));
	uint8_t buf[SEAL_MAX_DATAGRAM + 1];
	int i;

	(void)loop;
	(void)revents;
	/* bounded, so a flood cannot starve timers and the TUI */
	for (i = 0; i < 256; i++) {
		struct sockaddr_storage ss;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int)) * 2];
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh;
		struct cmsghdr *c;
		struct endpoint src;
		int ttl = -1;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(d->admin_fd, &mh, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("admin socket");
			return;
		}
		if (endpoint_from_sockaddr(&src, (struct sockaddr *)&ss, mh.msg_namelen) < 0)
			continue;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		mesh_underlay_ttl(d->mesh, &src, ttl);
		mesh_input(d->mesh, &src, buf, (size_t)n);
	}
}

/* ---------------------------------------------------------------- traffic sampling */

static void
sampled_cb(const struct ipaddr *remote, void *arg)
{
	struct daemon *d = arg;

	mesh_traffic(d->mesh, remote);
}

static void
sample_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, sample_w));

	(void)loop;
	(void)revents;
	pktsample_read(d->sample_fd, 64, sampled_cb, d);
}

/* (Re)open the sampler on the interface; without it every pair counts as in use. */
static void
sample_start(struct daemon *d)
{
	if (d->sample_fd >= 0) {
		ev_io_stop(d->loop, &d->sample_w);
		close(d->sample_fd);
	}
	d->sample_fd = pktsample_open(netif_ifindex(d->nif), d->o->admin_port);
	if (d->sample_fd < 0) {
		log_warnx("%s: cannot watch traffic (%s): direct paths are kept warm whether used "
			  "or not",
			  netif_ifname(d->nif), strerror(-d->sample_fd));
		mesh_set_traffic_sampled(d->mesh, false);
		return;
	}
	ev_io_init(&d->sample_w, sample_cb, d->sample_fd, EV_READ);
	ev_io_start(d->loop, &d->sample_w);
	mesh_set_traffic_sampled(d->mesh, true);
}

/* ---------------------------------------------------------------- identity */

static int
load_identity(struct daemon *d, char *err, size_t errlen)
{
	int created = 0, rc;
	char sid[IDENTITY_SHORT_LEN], why[128];

	rc = state_identity(d->o->statedir, &d->id, &created, err, errlen);
	if (rc < 0)
		return rc;
	/* With nodes: in net.yaml, everyone refuses a node not listed: do not even start. */
	if (config_member_check(d->o->net, identity_node_id(d->id), d->o->name, &d->o->address, why,
				sizeof(why)) < 0) {
		char key[sodium_base64_ENCODED_LEN(IDENTITY_ID_LEN, sodium_base64_VARIANT_ORIGINAL)];
		char a[IPADDR_STRLEN];

		sodium_bin2base64(key, sizeof(key), identity_node_id(d->id), IDENTITY_ID_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(err, errlen,
			 "this node %s (%s): every other node would refuse it. Its identity "
			 "(%s/identity) is %s; list it in nodes: as "
			 "{name: %s, wgIp: %s, identity: %s}",
			 why, d->o->config_path, d->o->statedir, key, d->o->name,
			 ipaddr_fmt(&d->o->address, a, sizeof(a)), key);
		return -EPERM;
	}
	if ((rc = state_next_epoch(d->o->statedir, &d->epoch, err, errlen)) < 0)
		return rc;
	identity_short(sid, identity_node_id(d->id));
	log_info("identity %s (%s, %s/identity), start #%u", sid, created ? "new" : "kept",
		 d->o->statedir, d->epoch);
	return 0;
}

/* ---------------------------------------------------------------- signals */

static void
exit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void
begin_shutdown(struct daemon *d, const char *why)
{
	if (ev_is_active(&d->exit_w))
		return;
	log_info("%s: leaving the mesh", why);
	sdnotify("STOPPING=1");
	mesh_stop(d->mesh);
	/* a moment for the BYEs (and a control client's RESULT) to leave before the interface goes */
	ev_timer_init(&d->exit_w, exit_cb, 0.05, 0.);
	ev_timer_start(d->loop, &d->exit_w);
}

static void
shutdown_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char why[32];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "signal %d", w->signum);
	begin_shutdown(w->data, why);
}

/*
 * Reload (SIGHUP of a headless daemon): parse argv again, which re-reads
 * net.yaml and peer.yaml into new structures, and switch to them only when
 * they are valid and change nothing that needs a restart. What a reload
 * changes: the static peers (added, removed, new endPoint or ports) and the
 * idle timeout. What it refuses, naming the setting: the shared key, the
 * subnet, this node's address, name, interface, ports, state directory,
 * existingInterface and mobile (what the node announces and how others route
 * through it). Verbosity comes from the command line, which a reload reads
 * unchanged, and is changed at run time over the control socket; a reload
 * leaves it alone. On any error the running configuration stays, every error
 * is logged with its file:line:column, and systemd gets READY=1 all the same.
 *
 * Ownership: d->o (main's) is never freed here; d->reloaded, the options of
 * the last good reload, is freed by the next good reload or by stop(), each
 * time after the mesh has been moved to newer options or freed. Pointers the
 * daemon handed out at start-up (name, ifname) point into d->o, and those
 * settings cannot change.
 */
static bool
reload_same(const char *what, const char *was, const char *now)
{
	if (strcmp(was, now) == 0)
		return true;
	log_warnx("reload: the %s changed (%s -> %s): restart wgnm to apply it", what, was, now);
	return false;
}

static bool
reload_same_port(const char *what, uint16_t was, uint16_t now)
{
	char a[8], b[8];

	snprintf(a, sizeof(a), "%u", was);
	snprintf(b, sizeof(b), "%u", now);
	return reload_same(what, a, b);
}

static bool
reload_same_flag(const char *what, bool was, bool now)
{
	return reload_same(what, was ? "on" : "off", now ? "on" : "off");
}

/* Every setting that needs a restart is unchanged (each one that is not is logged). */
static bool
reload_allowed(const struct options *o, const struct options *n)
{
	char a[IPADDR_STRLEN + 4], b[IPADDR_STRLEN + 4];
	bool ok = true;

	if (sodium_memcmp(o->net->shared_key, n->net->shared_key, CONFIG_KEY_LEN) != 0)
		ok = reload_same("shared key", config_key_fingerprint(o->net, a, sizeof(a)),
		                 config_key_fingerprint(n->net, b, sizeof(b)));
	ok &= reload_same("subnet", ipprefix_fmt(&o->net->subnet, a, sizeof(a)),
	                  ipprefix_fmt(&n->net->subnet, b, sizeof(b)));
	ok &= reload_same("node address", ipaddr_fmt(&o->address, a, sizeof(a)),
	                  ipaddr_fmt(&n->address, b, sizeof(b)));
	ok &= reload_same("node name", o->name, n->name);
	ok &= reload_same("interface", o->ifname, n->ifname);
	ok &= reload_same_flag("existingInterface setting", o->existing_interface,
	                       n->existing_interface);
	ok &= reload_same_port("WireGuard port", o->wg_port, n->wg_port);
	ok &= reload_same_port("admin port", o->admin_port, n->admin_port);
	ok &= reload_same("state directory", o->statedir, n->statedir);
	ok &= reload_same_flag("mobile setting", o->mobile, n->mobile);
	return ok;
}

static unsigned
idle_seconds(const struct options *o)
{
	struct mesh_params p;

	if (o->idle_timeout != 0)
		return o->idle_timeout;
	mesh_params_default(&p);
	return (unsigned)p.idle_timeout;
}

static void
wgnm_reload(struct daemon *d)
{
	struct config_diag *diag = malloc(sizeof(*diag));
	struct options *n = calloc(1, sizeof(*n));
	unsigned i;
	int rc;

	sdnotify_reloading();
	log_info("SIGHUP: reloading %s%s%s", d->o->config_path,
	         d->o->peer_path != NULL ? " and " : "",
	         d->o->peer_path != NULL ? d->o->peer_path : "");
	if (diag == NULL || n == NULL) {
		log_warnx("reload: out of memory");
		free(n);
		n = NULL;
		goto fail;
	}
	config_diag_init(diag);
	rc = cli_parse(n, d->argc, d->argv, diag);
	for (i = 0; i < diag->nwarnings; i++)
		log_warnx("%s", diag->warnings[i]);
	if (rc < 0) {
		for (i = 0; i < diag->nerrors; i++)
			log_warnx("%s", diag->errors[i]);
		if (diag->errors_dropped > 0)
			log_warnx("... and %u more errors", diag->errors_dropped);
		if (diag->nerrors == 0)
			log_warnx("reload: %s", strerror(-rc));
		goto fail;
	}
	if (n->mode != OPTIONS_RUN || !reload_allowed(d->cur, n))
		goto fail;
	if ((rc = mesh_set_statics(d->mesh, n->net)) < 0) {
		log_warnx("reload: static peers: %s", strerror(-rc));
		goto fail;
	}
	/* The mesh uses n->net from here on: the previous reload's options can go. */
	if (idle_seconds(n) != idle_seconds(d->cur))
		log_info("reload: idle timeout %u s -> %u s", idle_seconds(d->cur),
		         idle_seconds(n));
	mesh_set_idle_timeout(d->mesh, idle_seconds(n));
	if (d->reloaded != NULL) {
		cli_free(d->reloaded);
		free(d->reloaded);
	}
	d->reloaded = n;
	d->cur = n;
	log_info("reload: done");
	sdnotify("READY=1");
	free(diag);
	return;
fail:
	if (n != NULL) {
		cli_free(n);
		free(n);
	}
	log_warnx("reload failed: keeping the running configuration");
	sdnotify("READY=1");
	free(diag);
}

static void detach(struct daemon *d, const char *why);

static void
hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->console != NULL)
		detach(d, "SIGHUP");
	else
		wgnm_reload(d);
}

/* systemd's STATUS= line: what `systemctl status` shows. */
static void
status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	uint32_t i, span, nodes = 0, direct = 0, via = 0, down = 0;

	(void)loop;
	(void)revents;
	if (d->mesh == NULL || mesh_generation(d->mesh) == d->status_gen)
		return;
	d->status_gen = mesh_generation(d->mesh);
	span = mesh_node_span(d->mesh);
	for (i = 0; i < span; i++) {
		const struct node *n = mesh_node_at(d->mesh, i);

		if (n == NULL || n == mesh_self(d->mesh) || !n->has_record)
			continue;
		nodes++;
		direct += n->state == NODE_DIRECT;
		via += n->state == NODE_VIA_GATEWAY;
		down += n->state == NODE_DOWN;
	}
	sdnotify_status("%u nodes: %u direct, %u via gateway, %u down; WireGuard by %s", nodes,
			direct, via, down, netif_backend_name(d->nif));
}

/* ---------------------------------------------------------------- netif glue */

static void
netif_reset_cb(void *arg)
{
	struct daemon *d = arg;

	if (d->mesh != NULL) {
		mesh_wg_reset(d->mesh);
		sample_start(d); /* the interface is new: new ifindex */
	}
}

static void
netif_addresses_cb(void *arg)
{
	struct daemon *d = arg;

	if (d->mesh != NULL)
		mesh_addresses_changed(d->mesh);
}

/* ---------------------------------------------------------------- view, control socket, TUI */

static void
ctl_snapshot_cb(void *arg, view_msg_fn fn, void *fnarg)
{
	feed_snapshot(((struct daemon *)arg)->feed, fn, fnarg);
}

static void
ctl_shutdown_cb(void *arg)
{
	begin_shutdown(arg, "shutdown asked on the control socket");
}

static void
ctl_listen_cb(void *arg)
{
	feed_wake(((struct daemon *)arg)->feed);
}

static void
ctl_event_cb(const struct ctl_event *ev, void *arg)
{
	ctlsrv_event(arg, ev);
}

static bool
ctl_listening_cb(void *arg)
{
	return ctlsrv_listening(arg);
}

static int
open_ctl(struct daemon *d, char *err, size_t errlen)
{
	struct ctlsrv_config cc;
	char path[108];
	gid_t gid = 0;

	if (d->o->group != NULL) {
		struct group *g = getgrnam(d->o->group);

		if (g == NULL) {
			snprintf(err, errlen, "--group %s: no such group", d->o->group);
			return -ENOENT;
		}
		gid = g->gr_gid;
	}
	if (ctlsrv_default_path(path, sizeof(path), d->o->ifname) < 0) {
		snprintf(err, errlen, "control socket for %s: path too long", d->o->ifname);
		return -ENAMETOOLONG;
	}
	memset(&cc, 0, sizeof(cc));
	cc.path = path;
	cc.own_dir = true;
	cc.gid = gid;
	cc.snapshot_cb = ctl_snapshot_cb;
	cc.shutdown_cb = ctl_shutdown_cb;
	cc.listen_cb = ctl_listen_cb;
	cc.arg = d;
	return ctlsrv_open(d->loop, &cc, &d->ctl, err, errlen);
}

static int
start_feed(struct daemon *d, char *err, size_t errlen)
{
	const struct options *o = d->o;
	struct view_info vi;
	struct feed_sub sub;

	memset(&vi, 0, sizeof(vi));
	vi.ifname = o->ifname;
	vi.backend = netif_backend_name(d->nif);
	vi.subnet = o->net->subnet;
	vi.wg_port = o->wg_port;
	vi.admin_port = o->admin_port;
	vi.mobile = o->mobile;
	vi.start_time = d->start_time;
	d->feed = feed_new(d->loop, d->mesh, &vi);
	if (d->feed == NULL) {
		snprintf(err, errlen, "view: out of memory");
		return -ENOMEM;
	}
	memset(&sub, 0, sizeof(sub));
	sub.event_cb = ctl_event_cb;
	sub.listening_cb = ctl_listening_cb;
	sub.arg = d->ctl;
	return feed_subscribe(d->feed, &sub);
}

static void
detach_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	detach(w->data, "detach");
}

/* Called from inside the TUI's own watcher: the TUI must not be freed here. */
static void
console_action_cb(void *arg, enum console_action act)
{
	struct daemon *d = arg;

	if (act == CONSOLE_DETACH) {
		ev_timer_set(&d->detach_w, 0., 0.);
		ev_timer_start(d->loop, &d->detach_w);
	} else {
		begin_shutdown(d, "quit in the TUI");
	}
}

static void
open_console(struct daemon *d)
{
	int rc;

	ev_init(&d->detach_w, detach_cb);
	d->detach_w.data = d;
	rc = console_open(&d->console, d->loop, STDIN_FILENO, d->feed, console_action_cb, d);
	if (rc < 0) {
		log_warnx("cannot start the TUI on this terminal (%s); running headless in the "
		          "foreground",
		          strerror(-rc));
		return;
	}
	/* The screen is the TUI's now: log lines go to its log pane (the ring). */
	log_set_dest(LOG_TO_NONE);
}

static void null_stdio(void);

/*
 * Fork; the parent restores the terminal and exits 0, the child goes on as
 * the headless daemon (see the top of this file).
 */
static void
detach(struct daemon *d, const char *why)
{
	sigset_t all, old;
	pid_t pid;

	ev_timer_stop(d->loop, &d->detach_w);
	if (d->console == NULL)
		return;
	fflush(stdout);
	fflush(stderr);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_warn("%s: cannot fork to detach; the TUI stays", why);
		return;
	}
	if (pid > 0) {
		/* The parent: give the terminal back and go, touching nothing else. */
		console_close(d->console);
		printf("wgnm: %s keeps running in the background (pid %d).\n"
		       "Attach again with: wgnm-tui -i %s\n",
		       d->o->ifname, (int)pid, d->o->ifname);
		fflush(stdout);
		_exit(0);
	}
	setsid();
	ev_loop_fork(d->loop);
	console_abandon(d->console);
	d->console = NULL;
	d->detached = true;
	null_stdio();
	log_set_dest(LOG_TO_SYSLOG);
	netif_after_fork(d->nif);
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_info("%s: detached from the terminal, pid %d; attach with wgnm-tui -i %s", why,
	         (int)getpid(), d->o->ifname);
}

/* ---------------------------------------------------------------- run */

static int
start(struct daemon *d, char *err, size_t errlen)
{
	const struct options *o = d->o;
	struct netif_config nc;

	d->admin_fd = admin_open(o->admin_port, err, errlen);
	if (d->admin_fd < 0)
		return d->admin_fd;
	memset(&nc, 0, sizeof(nc));
	nc.ifname = o->ifname;
	nc.statedir = o->statedir;
	nc.existing = o->existing_interface;
	nc.listen_port = o->wg_port;
	nc.private_key = identity_wg_private(d->id);
	nc.address = o->address;
	nc.prefixlen = o->net->subnet.len;
	nc.overlay = o->net->subnet;
	mesh_probe_address(o->net->shared_key, identity_node_id(d->id), &nc.probe);
	nc.on_reset = netif_reset_cb;
	nc.on_addresses = netif_addresses_cb;
	nc.arg = d;
	return netif_up(d->loop, &nc, &d->nif, err, errlen);
}

/* mesh_io with the daemon as ctx: forward the OS operations to the netif. */
static int
io_wg_get(void *ctx, struct wg_device **out)
{
	return netif_wg_get(((struct daemon *)ctx)->nif, out);
}

static int
io_wg_set(void *ctx, const struct wg_device *delta)
{
	return netif_wg_set(((struct daemon *)ctx)->nif, delta);
}

static int
io_route(void *ctx, const struct ipprefix *dst, bool add)
{
	return netif_route(((struct daemon *)ctx)->nif, dst, add);
}

static void
io_forwarding(void *ctx, bool on)
{
	netif_forwarding(((struct daemon *)ctx)->nif, on);
}

static size_t
io_candidates(void *ctx, struct endpoint *out, size_t max)
{
	return netif_candidates(((struct daemon *)ctx)->nif, out, max);
}

static int
io_prepunch(void *ctx, const struct endpoint *dst, int ttl)
{
	struct daemon *d = ctx;
	int rc = prepunch_send(d->o->wg_port, dst, ttl);

	if (rc < 0 && !d->prepunch_warned) {
		/* once: it fails the same way every time (EPERM without CAP_NET_RAW) */
		d->prepunch_warned = true;
		log_warnx("cannot pre-punch NATs (%s): NAT traversal through Linux NATs may "
			  "fail",
			  strerror(-rc));
	}
	return rc;
}

static int
start_mesh(struct daemon *d, char *err, size_t errlen)
{
	const struct options *o = d->o;
	struct mesh_self_config mc;
	struct mesh_params params;
	struct mesh_io io;

	memset(&mc, 0, sizeof(mc));
	mc.net = o->net;
	mc.name = o->name;
	mc.address = o->address;
	mc.wg_port = o->wg_port;
	mc.admin_port = o->admin_port;
	mc.mobile = o->mobile;
	mc.epoch = d->epoch;
	memset(&io, 0, sizeof(io));
	io.ctx = d;
	io.send = admin_send;
	io.wg_get = io_wg_get;
	io.wg_set = io_wg_set;
	io.route = io_route;
	io.forwarding = io_forwarding;
	io.candidates = io_candidates;
	io.prepunch = io_prepunch;
	mesh_params_default(&params);
	if (o->idle_timeout != 0)
		params.idle_timeout = o->idle_timeout;
	d->mesh = mesh_new(d->loop, &mc, d->id, &io, &params);
	if (d->mesh == NULL) {
		snprintf(err, errlen, "mesh: cannot initialise");
		return -ENOMEM;
	}
	ev_io_init(&d->admin_w, admin_cb, d->admin_fd, EV_READ);
	ev_io_start(d->loop, &d->admin_w);
	sample_start(d);
	return mesh_start(d->mesh);
}

static void
stop(struct daemon *d)
{
	if (d->console != NULL) {
		console_close(d->console);
		d->console = NULL;
		log_set_dest(LOG_TO_STDERR);
	}
	feed_free(d->feed);
	d->feed = NULL;
	ctlsrv_close(d->ctl);
	d->ctl = NULL;
	if (d->sample_fd >= 0) {
		ev_io_stop(d->loop, &d->sample_w);
		close(d->sample_fd);
		d->sample_fd = -1;
	}
	if (d->mesh != NULL) {
		ev_io_stop(d->loop, &d->admin_w);
		mesh_free(d->mesh);
		d->mesh = NULL;
	}
	netif_down(d->nif);
	d->nif = NULL;
	if (d->admin_fd >= 0)
		close(d->admin_fd);
	d->admin_fd = -1;
	identity_free(d->id);
	d->id = NULL;
	/* after mesh_free: the mesh used reloaded->net */
	if (d->reloaded != NULL) {
		cli_free(d->reloaded);
		free(d->reloaded);
		d->reloaded = NULL;
	}
}

/*
 * --daemon without --foreground: the parent waits on a pipe until the child
 * is up (exit 0) or reports its start-up error (printed, exit 1).
 */
static int
detach_and_wait(int *report_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char msg[512];
		ssize_t n;
		size_t len = 0;

		close(p[1]);
		while (len < sizeof(msg) - 1 &&
		       (n = read(p[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			len += (size_t)n;
		}
		msg[len] = '\0';
		if (len > 0 && strcmp(msg, "ok") == 0)
			_exit(0);
		fprintf(stderr, "wgnm: %s\n", len > 0 ? msg : "the daemon died during start-up");
		_exit(1);
	}
	close(p[0]);
	setsid();
	*report_fd = p[1];
	return 0;
}

static void
report(int fd, const char *msg)
{
	ssize_t n;

	if (fd < 0)
		return;
	n = write(fd, msg, strlen(msg));
	(void)n;
	close(fd);
}

static void
null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int
wgnm_run(const struct options *o, int argc, char *const argv[])
{
	struct daemon d;
	char err[512] = "";
	int report_fd = -1, rc;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.cur = o;
	d.argc = argc;
	d.argv = argv;
	d.admin_fd = -1;
	d.start_time = (int64_t)time(NULL);
	d.interactive = !o->daemon && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (!o->daemon && !d.interactive)
		log_info("no terminal: running headless in the foreground");
	d.sample_fd = -1;
	if (sodium_init() < 0) {
		fprintf(stderr, "wgnm: libsodium failed to initialise\n");
		return 1;
	}
	if (o->daemon && !o->foreground) {
		if ((rc = detach_and_wait(&report_fd)) < 0) {
			fprintf(stderr, "wgnm: cannot detach: %s\n", strerror(-rc));
			return 1;
		}
		log_set_dest(LOG_TO_SYSLOG);
	}
	signal(SIGPIPE, SIG_IGN);
	d.loop = ev_default_loop(EVFLAG_AUTO);
	if (d.loop == NULL) {
		snprintf(err, sizeof(err), "cannot initialise libev");
		goto fail;
	}
	if (d.interactive) {
		/* Whatever path ends the process, the terminal comes back. */
		atexit(term_restore);
		log_set_fatal_hook(term_restore);
	}
	if (load_identity(&d, err, sizeof(err)) < 0 || open_ctl(&d, err, sizeof(err)) < 0 ||
	    start(&d, err, sizeof(err)) < 0 || start_mesh(&d, err, sizeof(err)) < 0 ||
	    start_feed(&d, err, sizeof(err)) < 0)
		goto fail;

	ev_signal_init(&d.sigint_w, shutdown_cb, SIGINT);
	ev_signal_init(&d.sigterm_w, shutdown_cb, SIGTERM);
	ev_signal_init(&d.sighup_w, hup_cb, SIGHUP);
	d.sigint_w.data = d.sigterm_w.data = d.sighup_w.data = &d;
	ev_signal_start(d.loop, &d.sigint_w);
	ev_signal_start(d.loop, &d.sigterm_w);
	ev_signal_start(d.loop, &d.sighup_w);

	log_info("%s: node %s at %s/%u up (WireGuard port %u, admin port %u)", o->ifname, o->name,
		 ipaddr_fmt(&o->address, err, sizeof(err)), o->net->subnet.len, o->wg_port,
		 o->admin_port);
	sdnotify("READY=1");
	ev_timer_init(&d.status_w, status_cb, 1., 2.);
	d.status_w.data = &d;
	ev_timer_start(d.loop, &d.status_w);
	if (report_fd >= 0) {
		report(report_fd, "ok");
		report_fd = -1;
		null_stdio();
	}
	if (d.interactive)
		open_console(&d);
	ev_run(d.loop, 0);
	stop(&d);
	log_info("%s: stopped", o->ifname);
	return 0;
fail:
	if (report_fd >= 0)
		report(report_fd, err);
	else
		fprintf(stderr, "wgnm: %s\n", err);
	stop(&d);
	return 1;
}
