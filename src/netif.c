/*
 * netif: bring the WireGuard interface up and down; see netif.h.
 *
 * Invariants: `created` says whether wgnm made the interface (and so may
 * delete it); addresses are removed on exit only if wgnm added them; routes
 * carry RTNL_PROTO_WGNM and are flushed by protocol on exit, so nobody else's
 * routes are touched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>

#include <linux/if_addr.h>

#include "platform/rtnl.h"
#include "platform/wg_kernel.h"
#include "platform/wg_uapi.h"
#include "platform/wg_userspace.h"
#include "src/log.h"
#include "src/netif.h"

struct netif {
	struct ev_loop *loop;
	struct netif_config cfg;
	char ifname[IFNAMSIZ];
	char backend[48];
	struct rtnl *rtnl;
	struct rtnl_monitor *mon;
	ev_io mon_w;
	int ifindex;
	bool created;
	bool addr_added, probe_added;

	const struct wg_backend_ops *ops;
	void *ops_ctx;
	struct wg_kernel *kernel;
	struct wg_userspace *userspace;
	struct wg_uapi_ctx uapi;

	struct rtnl_forwarding fwd;
	bool fwd_on;

	struct endpoint cand[8];
	size_t ncand;
	bool cand_valid;
};

static void
say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
netif_after_fork(struct netif *nif)
{
	if (nif != NULL && nif->userspace != NULL)
		wg_userspace_after_fork(nif->userspace);
}

const char *
netif_backend_name(const struct netif *nif)
{
	return nif->backend;
}

const char *
netif_ifname(const struct netif *nif)
{
	return nif->ifname;
}

int
netif_ifindex(const struct netif *nif)
{
	return nif->ifindex;
}

int
netif_wg_get(void *ctx, struct wg_device **out)
{
	struct netif *nif = ctx;

	return nif->ops->get(nif->ops_ctx, nif->ifname, out);
}

int
netif_wg_set(void *ctx, const struct wg_device *delta)
{
	struct netif *nif = ctx;
	struct wg_device *d = wg_device_clone(delta);
	int rc;

	if (d == NULL)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", nif->ifname);
	rc = nif->ops->set(nif->ops_ctx, d);
	wg_device_free(d);
	return rc;
}

int
netif_route(void *ctx, const struct ipprefix *dst, bool add)
{
	struct netif *nif = ctx;
	struct rtnl_route rt;
	int rc;

	memset(&rt, 0, sizeof(rt));
	rt.dst = *dst;
	rt.oif = nif->ifindex;
	rt.protocol = RTNL_PROTO_WGNM;
	rc = add ? rtnl_route_replace(nif->rtnl, &rt) : rtnl_route_del(nif->rtnl, &rt);
	return rc < 0 ? rc : 0;
}

void
netif_forwarding(void *ctx, bool on)
{
	struct netif *nif = ctx;
	int rc;

	if (on == nif->fwd_on)
		return;
	if (on) {
		rc = rtnl_forwarding_enable(&nif->fwd, false);
		if (rc < 0) {
			log_warnx("%s: cannot turn on IPv4 forwarding: %s; this node cannot relay",
				  nif->ifname, strerror(-rc));
			return;
		}
		log_info("%s: this node relays for others: IPv4 forwarding on", nif->ifname);
	} else {
		rtnl_forwarding_restore(&nif->fwd);
		log_info("%s: no longer relaying: IPv4 forwarding restored", nif->ifname);
	}
	nif->fwd_on = on;
}

/* Re-read the local candidates; true if the set changed. */
static bool
refresh_candidates(struct netif *nif)
{
	struct endpoint old[8];
	size_t nold = nif->ncand, i;
	struct rtnl_addr a[8];
	int n;

	memcpy(old, nif->cand, sizeof(old));
	n = rtnl_local_candidates(nif->rtnl, nif->ifindex, &nif->cfg.overlay, a, 8);
	nif->ncand = 0;
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		nif->cand[nif->ncand].addr = a[i].addr;
		nif->cand[nif->ncand].port = nif->cfg.listen_port;
		nif->ncand++;
	}
	nif->cand_valid = n >= 0;
	if (nold != nif->ncand)
		return true;
	for (i = 0; i < nold; i++)
		if (!endpoint_equal(&old[i], &nif->cand[i]))
			return true;
	return false;
}

size_t
netif_candidates(void *ctx, struct endpoint *out, size_t max)
{
	struct netif *nif = ctx;
	size_t i;

	if (!nif->cand_valid)
		refresh_candidates(nif);
	for (i = 0; i < nif->ncand && i < max; i++)
		out[i] = nif->cand[i];
	return i;
}

static void
monitor_event_cb(const struct rtnl_event *ev, void *arg)
{
	struct netif *nif = arg;

	switch (ev->type) {
	case RTNL_EV_ADDR_ADDED:
	case RTNL_EV_ADDR_REMOVED:
		if (ev->addr.ifindex == nif->ifindex)
			return;
		break;
	case RTNL_EV_LINK_CHANGED:
		if (!(ev->changed & IFF_UP) || ev->link.ifindex == nif->ifindex)
			return;
		break;
	case RTNL_EV_RESYNC:
	case RTNL_EV_LINK_REMOVED:
		break;
	default:
		return;
	}
	/* only a change of the candidate set matters (roaming), not every event */
	if (refresh_candidates(nif) && nif->cfg.on_addresses != NULL)
		nif->cfg.on_addresses(nif->cfg.arg);
}

static void
monitor_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct netif *nif = (struct netif *)((char *)w - offsetof(struct netif, mon_w));

	(void)loop;
	(void)revents;
	rtnl_monitor_read(nif->mon);
}

/* Keys, port, link up, addresses: everything a fresh interface needs. */
static int
configure(struct netif *nif, char *err, size_t errlen)
{
	struct wg_device *dev = wg_device_new(nif->ifname);
	int rc;

	if (dev == NULL)
		return -ENOMEM;
	dev->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	memcpy(dev->private_key, nif->cfg.private_key, WG_KEY_LEN);
	dev->listen_port = nif->cfg.listen_port;
	rc = nif->ops->set(nif->ops_ctx, dev);
	wg_device_free(dev);
	if (rc < 0) {
		say(err, errlen, "%s: cannot set WireGuard key and port %u: %s", nif->ifname,
		    nif->cfg.listen_port,
		    rc == -EADDRINUSE ? "the port is in use" : strerror(-rc));
		return rc;
	}
	nif->ifindex = rtnl_link_index(nif->rtnl, nif->ifname);
	if (nif->ifindex < 0) {
		say(err, errlen, "%s: interface vanished: %s", nif->ifname, strerror(-nif->ifindex));
		return nif->ifindex;
	}
	if (nif->created)
		rtnl_link_set_mtu(nif->rtnl, nif->ifindex, nif->cfg.mtu ? nif->cfg.mtu
									: NETIF_DEFAULT_MTU);
	rc = rtnl_link_set_up(nif->rtnl, nif->ifindex, true);
	if (rc < 0) {
		say(err, errlen, "%s: cannot set the link up: %s", nif->ifname, strerror(-rc));
		return rc;
	}
	rc = rtnl_addr_add(nif->rtnl, nif->ifindex, &nif->cfg.address, nif->cfg.prefixlen,
			   IFA_F_NOPREFIXROUTE);
	if (rc < 0) {
		char a[IPADDR_STRLEN];

		say(err, errlen, "%s: cannot add address %s/%u: %s", nif->ifname,
		    ipaddr_fmt(&nif->cfg.address, a, sizeof(a)), nif->cfg.prefixlen, strerror(-rc));
		return rc;
	}
	nif->addr_added = nif->addr_added || rc == 0;
	rc = rtnl_addr_add(nif->rtnl, nif->ifindex, &nif->cfg.probe, 128,
			   IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
	if (rc < 0) {
		say(err, errlen,
		    "%s: cannot add the probe address (IPv6): %s; wgnm needs IPv6 enabled on the "
		    "interface (sysctl net.ipv6.conf.all.disable_ipv6=0)",
		    nif->ifname, strerror(-rc));
		return rc;
	}
	nif->probe_added = nif->probe_added || rc == 0;
	return 0;
}

static void marker_write(struct netif *nif);

static void
userspace_restart_cb(void *arg)
{
	struct netif *nif = arg;
	char err[NETIF_ERR_MAX];

	log_warnx("%s: %s restarted; setting the interface up again", nif->ifname, nif->backend);
	marker_write(nif);
	nif->addr_added = nif->probe_added = false;
	if (configure(nif, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	if (nif->cfg.on_reset != NULL)
		nif->cfg.on_reset(nif->cfg.arg);
}

/* ------------------------------------------------------------ crash recovery */

static void
marker_path(const struct netif *nif, char *buf, size_t len)
{
	snprintf(buf, len, "%s/interface", nif->cfg.statedir);
}

static void
marker_write(struct netif *nif)
{
	char path[4096], tmp[4200];
	FILE *f;

	if (nif->cfg.statedir == NULL)
		return;
	marker_path(nif, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return;
	fprintf(f, "%s %s %ld\n", nif->ifname, nif->userspace != NULL ? "userspace" : "kernel",
		(long)(nif->userspace != NULL ? wg_userspace_pid(nif->userspace) : 0));
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

static void
marker_remove(struct netif *nif)
{
	char path[4096];

	if (nif->cfg.statedir == NULL)
		return;
	marker_path(nif, path, sizeof(path));
	unlink(path);
}

/* Is pid a process whose command line mentions ifname (our old wireguard-go)? */
static bool
pid_serves(pid_t pid, const char *ifname)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (i = 0; i < (size_t)n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, ifname) != NULL;
}

/*
 * The interface exists. If a previous run of ours created it and died
 * without cleaning up, remove it and return 0; otherwise -EEXIST.
 */
static int
reclaim(struct netif *nif)
{
	char path[4096], name[IFNAMSIZ + 1], kind[16];
	long pid = 0;
	FILE *f;
	int i, n;

	if (nif->cfg.statedir == NULL)
		return -EEXIST;
	marker_path(nif, path, sizeof(path));
	f = fopen(path, "re");
	if (f == NULL)
		return -EEXIST;
	n = fscanf(f, "%16s %15s %ld", name, kind, &pid);
	fclose(f);
	if (n != 3 || strcmp(name, nif->ifname) != 0)
		return -EEXIST;
	log_warnx("%s: left over by a previous run that did not exit cleanly; removing it",
		  nif->ifname);
	if (strcmp(kind, "userspace") == 0) {
		if (pid > 1 && pid_serves((pid_t)pid, nif->ifname))
			kill((pid_t)pid, SIGTERM);
		/* wait (bounded) until its socket and interface are gone */
		for (i = 0; i < 60; i++) {
			if (!wg_uapi_exists(nif->ifname) &&
			    rtnl_link_index(nif->rtnl, nif->ifname) < 0)
				break;
			if (i == 40 && pid > 1 && pid_serves((pid_t)pid, nif->ifname))
				kill((pid_t)pid, SIGKILL);
			usleep(50000);
		}
	} else {
		int idx = rtnl_link_index(nif->rtnl, nif->ifname);

		if (idx >= 0)
			rtnl_link_del(nif->rtnl, idx);
	}
	/* and until the old process is gone: it may still hold the UDP port */
	for (i = 0; pid > 1 && i < 60 && pid_serves((pid_t)pid, nif->ifname); i++) {
		if (i == 40)
			kill((pid_t)pid, SIGKILL);
		usleep(50000);
	}
	if (wg_uapi_exists(nif->ifname) || rtnl_link_index(nif->rtnl, nif->ifname) >= 0)
		return -EEXIST;
	{
		char sock[256];

		if (wg_uapi_path(NULL, nif->ifname, sock, sizeof(sock)) == 0)
			unlink(sock);
	}
	marker_remove(nif);
	return 0;
}

static int
choose_backend(struct netif *nif, char *err, size_t errlen)
{
	const char *force = getenv("WGNM_BACKEND");
	int ifindex = rtnl_link_index(nif->rtnl, nif->ifname);
	bool uapi = wg_uapi_exists(nif->ifname);
	int rc;

	if (nif->cfg.existing) {
		if (ifindex < 0 && !uapi) {
			say(err, errlen, "%s: no such interface (-e adopts an existing one)",
			    nif->ifname);
			return -ENODEV;
		}
		if (uapi) {
			nif->ops = &wg_uapi_ops;
			nif->ops_ctx = &nif->uapi;
			snprintf(nif->backend, sizeof(nif->backend), "existing (userspace)");
		} else {
			struct wg_device *dev = NULL;

			if ((rc = wg_kernel_open(&nif->kernel)) < 0 ||
			    (rc = wg_kernel_get(nif->kernel, nif->ifname, &dev)) < 0) {
				say(err, errlen, "%s: not a WireGuard interface: %s", nif->ifname,
				    wg_kernel_strerror(rc));
				return rc;
			}
			wg_device_free(dev);
			nif->ops = &wg_kernel_ops;
			nif->ops_ctx = nif->kernel;
			snprintf(nif->backend, sizeof(nif->backend), "existing (kernel)");
		}
		return 0;
	}
	if ((ifindex >= 0 || uapi) && reclaim(nif) < 0) {
		say(err, errlen,
		    "%s: an interface of this name already exists and wgnm did not create it; "
		    "use -e to adopt it, or -i to choose another name",
		    nif->ifname);
		return -EEXIST;
	}
	if ((force == NULL || strcmp(force, "userspace") != 0) && wg_kernel_available()) {
		rc = rtnl_link_add(nif->rtnl, nif->ifname, "wireguard");
		if (rc < 0) {
			say(err, errlen, "%s: cannot create a kernel WireGuard interface: %s",
			    nif->ifname, strerror(-rc));
			return rc;
		}
		nif->created = true;
		if ((rc = wg_kernel_open(&nif->kernel)) < 0) {
			say(err, errlen, "%s: %s", nif->ifname, wg_kernel_strerror(rc));
			return rc;
		}
		nif->ops = &wg_kernel_ops;
		nif->ops_ctx = nif->kernel;
		snprintf(nif->backend, sizeof(nif->backend), "kernel");
		return 0;
	}
	if (force != NULL && strcmp(force, "kernel") == 0) {
		say(err, errlen, "%s: WGNM_BACKEND=kernel but the %s", nif->ifname,
		    WG_KERNEL_ENOWG_MSG);
		return -EPROTONOSUPPORT;
	}
	{
		struct wg_userspace_config uc;

		memset(&uc, 0, sizeof(uc));
		uc.ifname = nif->ifname;
		uc.wggo_path = getenv("WGNM_WIREGUARD_GO");
		uc.child_log_fd = -1;
		uc.on_restart = userspace_restart_cb;
		uc.arg = nif;
		rc = wg_userspace_start(nif->loop, &uc, &nif->userspace);
		if (rc < 0) {
			say(err, errlen,
			    "%s: the %s, and no userspace WireGuard could be started: %s%s",
			    nif->ifname, WG_KERNEL_ENOWG_MSG,
			    rc == -ENOENT ? "install wireguard-go (or boringtun)" : strerror(-rc),
			    rc == -ENOENT ? "" : "");
			return rc;
		}
		nif->created = true;
		nif->ops = wg_userspace_backend(nif->userspace, &nif->ops_ctx);
		snprintf(nif->backend, sizeof(nif->backend), "%s",
			 wg_userspace_impl(nif->userspace));
	}
	return 0;
}

int
netif_up(struct ev_loop *loop, const struct netif_config *cfg, struct netif **out, char *err,
	 size_t errlen)
{
	struct netif *nif = calloc(1, sizeof(*nif));
	int rc;

	*out = NULL;
	if (nif == NULL)
		return -ENOMEM;
	nif->loop = loop;
	nif->cfg = *cfg;
	nif->fwd = (struct rtnl_forwarding)RTNL_FORWARDING_INIT;
	snprintf(nif->ifname, sizeof(nif->ifname), "%s", cfg->ifname);
	nif->ifindex = -1;
	rc = rtnl_open(&nif->rtnl);
	if (rc < 0) {
		say(err, errlen, "rtnetlink: %s", strerror(-rc));
		free(nif);
		return rc;
	}
	if ((rc = choose_backend(nif, err, errlen)) < 0 || (rc = configure(nif, err, errlen)) < 0) {
		netif_down(nif);
		return rc;
	}
	log_info("%s: WireGuard by %s, listening on UDP port %u", nif->ifname, nif->backend,
		 cfg->listen_port);
	if (nif->created)
		marker_write(nif);
	rc = rtnl_monitor_open(&nif->mon, 0, 0, monitor_event_cb, nif);
	if (rc < 0) {
		log_warnx("%s: no address monitor (%s): roaming will not be noticed", nif->ifname,
			  strerror(-rc));
	} else {
		ev_io_init(&nif->mon_w, monitor_cb, rtnl_monitor_fd(nif->mon), EV_READ);
		ev_io_start(loop, &nif->mon_w);
	}
	refresh_candidates(nif);
	*out = nif;
	return 0;
}

void
netif_down(struct netif *nif)
{
	if (nif == NULL)
		return;
	if (nif->mon != NULL) {
		ev_io_stop(nif->loop, &nif->mon_w);
		rtnl_monitor_close(nif->mon);
	}
	if (nif->fwd_on)
		netif_forwarding(nif, false);
	if (nif->ifindex >= 0) {
		rtnl_route_flush_proto(nif->rtnl, nif->ifindex, RTNL_PROTO_WGNM);
		if (!nif->created) {
			if (nif->probe_added)
				rtnl_addr_del(nif->rtnl, nif->ifindex, &nif->cfg.probe, 128);
			if (nif->addr_added)
				rtnl_addr_del(nif->rtnl, nif->ifindex, &nif->cfg.address,
					      nif->cfg.prefixlen);
		}
	}
	if (nif->created)
		marker_remove(nif);
	if (nif->userspace != NULL) {
		wg_userspace_stop(nif->userspace);
	} else if (nif->created && nif->ifindex >= 0) {
		rtnl_link_del(nif->rtnl, nif->ifindex);
	} else if (nif->created) {
		int idx = rtnl_link_index(nif->rtnl, nif->ifname);

		if (idx >= 0)
			rtnl_link_del(nif->rtnl, idx);
	}
	if (nif->kernel != NULL)
		wg_kernel_close(nif->kernel);
	rtnl_close(nif->rtnl);
	free(nif);
}
