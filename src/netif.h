/*
 * netif: this node's WireGuard interface and everything else it changes in
 * the operating system: which WireGuard implementation serves the interface,
 * its keys and port, its addresses, the routes wgnm installs, forwarding,
 * and the local addresses other nodes may reach it on.
 *
 * Backend choice (netif_up):
 *   -e (existing)   the interface must exist; a live UAPI socket means a
 *                   userspace implementation serves it, otherwise the kernel.
 *                   On exit it is left in place (only wgnm's routes and
 *                   addresses are removed).
 *   otherwise       an interface of that name that wgnm did not create is
 *                   refused. Kernel WireGuard if the kernel has it (created
 *                   over rtnetlink), else wireguard-go (then boringtun) as a
 *                   supervised child. WGNM_BACKEND=userspace forces the latter.
 *                   On exit the interface is deleted (kernel) or the child is
 *                   stopped (which removes it).
 *
 * Crash recovery: what wgnm creates is recorded in <statedir>/interface
 * (name, backend, wireguard-go pid) and the record removed on a clean exit.
 * An interface found at start that this record says a previous run created
 * is reclaimed (the old wireguard-go is stopped, or the kernel interface
 * deleted) instead of refused.
 *
 * Every failure is returned with a sentence naming the interface.
 */
#ifndef WGNM_NETIF_H
#define WGNM_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "platform/wgdev.h"
#include "proto/ipaddr.h"

#define NETIF_ERR_MAX 256
#define NETIF_DEFAULT_MTU 1420

struct netif;

struct netif_config {
	const char *ifname;
	const char *statedir; /* where the "interface" marker lives (crash recovery) */
	bool existing;
	uint16_t listen_port;
	const uint8_t *private_key; /* WG_KEY_LEN bytes */
	struct ipaddr address;      /* overlay address */
	uint8_t prefixlen;          /* the subnet's */
	struct ipprefix overlay;    /* the subnet, excluded from candidates */
	struct ipaddr probe;        /* probe address (IPv6) */
	unsigned mtu;               /* 0: NETIF_DEFAULT_MTU */
	/* Called after a userspace implementation restarted and the interface is set up again. */
	void (*on_reset)(void *arg);
	/* Called when local addresses changed (roaming). */
	void (*on_addresses)(void *arg);
	void *arg;
};

int netif_up(struct ev_loop *loop, const struct netif_config *cfg, struct netif **out, char *err,
	     size_t errlen);
/* Remove what netif_up added (routes, addresses, forwarding; the interface unless existing). */
void netif_down(struct netif *nif);

/*
 * In the child of a fork whose parent exits without cleaning up (detach):
 * keep supervising a userspace implementation the parent started.
 */
void netif_after_fork(struct netif *nif);

/* "kernel", "wireguard-go", "boringtun", "existing (kernel)", "existing (wireguard-go)". */
const char *netif_backend_name(const struct netif *nif);
const char *netif_ifname(const struct netif *nif);
int netif_ifindex(const struct netif *nif);

/* The mesh_io operations (ctx = the netif). */
int netif_wg_get(void *ctx, struct wg_device **out);
int netif_wg_set(void *ctx, const struct wg_device *delta);
int netif_route(void *ctx, const struct ipprefix *dst, bool add);
void netif_forwarding(void *ctx, bool on);
size_t netif_candidates(void *ctx, struct endpoint *out, size_t max);

#endif
