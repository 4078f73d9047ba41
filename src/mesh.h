/*
 * mesh: the mesh core of one node — membership, links, routing, reconcile.
 *
 * The core owns no sockets and no kernel handles: everything it does to the
 * outside goes through struct mesh_io (send a datagram; get/set the WireGuard
 * device; add/remove a kernel route; switch forwarding). The daemon plugs in
 * the real UDP socket, WireGuard backend and rtnetlink (src/netif.c); unit
 * tests and the control-plane benchmark plug in memory. Datagrams come in
 * through mesh_input(). Timers run on the libev loop given to mesh_new().
 *
 * See ARCHITECTURE.md ("Mesh core") for the message flows and timers, and
 * PROTOCOL.md for the wire format.
 */
#ifndef WGNM_MESH_H
#define WGNM_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "platform/wgdev.h"
#include "proto/identity.h"
#include "proto/ipaddr.h"
#include "src/conf.h"

struct mesh;
struct node;

struct mesh_io {
	void *ctx;
	/* Send one datagram (dst: any address family). 0 or -errno; never blocks. */
	int (*send)(void *ctx, const struct endpoint *dst, const uint8_t *buf, size_t len);
	/* Read the WireGuard device (caller frees) / apply a delta. */
	int (*wg_get)(void *ctx, struct wg_device **out);
	int (*wg_set)(void *ctx, const struct wg_device *delta);
	/* Kernel route for dst via the WireGuard interface; idempotent. */
	int (*route)(void *ctx, const struct ipprefix *dst, bool add);
	/* This node relays for others: IP forwarding on/off. */
	void (*forwarding)(void *ctx, bool on);
	/* Local candidate endpoints of the WireGuard port (LAN discovery). */
	size_t (*candidates)(void *ctx, struct endpoint *out, size_t max);
	/* Open our NAT towards dst from WireGuard's port with a short TTL (platform/prepunch.h). */
	int (*prepunch)(void *ctx, const struct endpoint *dst, int ttl);
};

/* Timers and thresholds (seconds). mesh_params_default() documents the defaults. */
struct mesh_params {
	double tick;             /* housekeeping period */
	double ping_interval;    /* a link's pinger sends one ping per interval */
	double dead_interval;    /* no ping/pong for this long: the link is down */
	double handshake_fresh;  /* a WireGuard handshake younger than this is "recent" */
	double hello_min;        /* first retry of a HELLO to a static peer */
	double hello_max;        /* retry backoff cap */
	double sync_interval;    /* anti-entropy HELLO to each neighbour */
	double wg_poll;          /* WireGuard device poll period */
	double resolve_interval; /* re-resolve static peers' DNS names */
	double gc_after;         /* forget a node down (or gone) this long */
	double conflict_grace;   /* a down holder keeps its address this long */
	double link_holddown;    /* a link that went down must work this long before it is again */
	double direct_ping_interval; /* pings on a direct (LAN/NAT) link in use */
	double direct_dead_interval; /* silence after which a direct link in use is down */
	double idle_timeout;     /* no data for this long: a pair is idle */
	double punch_timeout;    /* a direct link not up after this long has failed */
	bool direct_paths;       /* try LAN and NAT-traversed direct paths (default on) */

	/* Caps on what other members can make this node hold (PROTOCOL.md, "Caps"). */
	uint32_t nodes_max;    /* node ids held, self included; new ones beyond: dropped */
	uint32_t ls_frags_max; /* link-state fragments announced by all origins held */
	double rate;           /* authenticated datagrams per second per source address */
	double rate_burst;     /* bucket size: datagrams a source may send at once */
};

void mesh_params_default(struct mesh_params *p);

/* What the node is: everything from the resolved command line. */
struct mesh_self_config {
	const struct config *net; /* shared key, subnet, static peers (not copied: outlives mesh) */
	const char *name;
	struct ipaddr address;
	uint16_t wg_port;
	uint16_t admin_port;
	bool mobile;
	uint32_t epoch; /* boot epoch from the state directory */
};

/*
 * A new core. id is borrowed (outlives the mesh). Starts nothing: call
 * mesh_start(). NULL on failure with the reason logged.
 */
struct mesh *mesh_new(struct ev_loop *loop, const struct mesh_self_config *cfg,
		      const struct identity *id, const struct mesh_io *io,
		      const struct mesh_params *params);
void mesh_free(struct mesh *m);

/* Start timers and the first HELLOs to the static peers. */
int mesh_start(struct mesh *m);
/* Leave cleanly: BYE to every neighbour, stop timers. Routes are the caller's to remove. */
void mesh_stop(struct mesh *m);

/* A datagram arrived on the admin socket from src. */
void mesh_input(struct mesh *m, const struct endpoint *src, const uint8_t *buf, size_t len);
/*
 * The IP TTL (hop limit) of a datagram from src over the underlay, when the
 * socket reports it: from a static peer it tells how many routers lie
 * between us and the internet, which sizes the pre-punch TTL.
 */
void mesh_underlay_ttl(struct mesh *m, const struct endpoint *src, int ttl);

/* The local addresses changed (netlink monitor): refresh candidates, re-announce. */
void mesh_addresses_changed(struct mesh *m);
/*
 * Data to or from this overlay address crossed the WireGuard interface (a
 * sampled packet). Drives the keepalive policy: direct paths are kept warm,
 * and idle ones re-established, only for pairs in use.
 */
void mesh_traffic(struct mesh *m, const struct ipaddr *remote);
/* The daemon samples traffic: without it every pair counts as in use. */
void mesh_set_traffic_sampled(struct mesh *m, bool on);

/*
 * Reload: the static peers of a new net.yaml (same shared key and subnet as
 * the running one, else -EINVAL and nothing changes). net is borrowed like
 * mesh_self_config.net: it must outlive the mesh or the next call; the
 * previous config is no longer used once this returns 0. Kept entries (same
 * wgIp) keep their node and links, added ones are bound and linked, removed
 * ones lose their static link (the node stays a member, reached like any
 * other). Its nodes: list (if any) applies from now on: known nodes it does
 * not list, or lists under another name or address, are revoked (dropped
 * with their links, routes and WireGuard peers). Logs "reload: N static
 * peers (+added -removed, changed)". 0, -EINVAL, -EPERM (the new nodes: list
 * does not hold this node) or -ENOMEM (nothing changed).
 */
int mesh_set_statics(struct mesh *m, const struct config *net);
/* Reload: seconds without data before a pair is idle (mesh_params.idle_timeout). */
void mesh_set_idle_timeout(struct mesh *m, double s);

/* The WireGuard device was recreated (userspace restart): re-apply everything. */
void mesh_wg_reset(struct mesh *m);

/*
 * The probe address of a node in a network: an IPv6 ULA /128, fd + 40 bits
 * of a keyed hash of the shared key, subnet 0, and 64 bits of a hash of the
 * node id. Every member can compute any node's probe address.
 */
void mesh_probe_address(const uint8_t shared_key[CONFIG_KEY_LEN],
			const uint8_t node_id[IDENTITY_ID_LEN], struct ipaddr *out);
void mesh_probe_addr(const struct mesh *m, const uint8_t node_id[IDENTITY_ID_LEN],
		     struct ipaddr *out);

/* Counters for status output. */
#define MESH_STATS_TYPES 48 /* 0x10 .. 0x3f */
struct mesh_stats {
	uint64_t rx, tx;             /* datagrams */
	uint64_t dropped[16];        /* by reason, see mesh_drop_reason_name() */
	uint64_t send_errors;
	uint64_t wg_set_errors, route_errors;
	/* embedded records and link-state fragments: signature checked, or skipped as copies */
	uint64_t verified, verify_skipped;
	uint64_t tx_type[MESH_STATS_TYPES]; /* datagrams sent by type - 0x10 (later types: last) */
	uint64_t tx_flood;                  /* of those, records and link state flooded on */
};
const struct mesh_stats *mesh_stats(const struct mesh *m);
const char *mesh_drop_reason_name(unsigned reason);

/* NAT behaviour of this node as inferred from what public peers see. */
enum mesh_nat {
	MESH_NAT_UNKNOWN,
	MESH_NAT_NONE,                 /* reflexive endpoint = a local candidate */
	MESH_NAT_ENDPOINT_INDEPENDENT, /* same reflexive WG endpoint from every public peer */
	MESH_NAT_ENDPOINT_DEPENDENT,   /* different ones: "symmetric" */
};

/* What one neighbour sees of us (from its PONGs). */
struct mesh_reflexive {
	const struct node *seen_by;
	struct endpoint admin; /* our admin socket's address as it sees it */
	struct endpoint wg;    /* our WireGuard endpoint as its WireGuard sees it; port 0: none */
	double age_s;
};
size_t mesh_reflexive(const struct mesh *m, struct mesh_reflexive *out, size_t max);
enum mesh_nat mesh_nat_behaviour(const struct mesh *m);
/* This node's own address conflict text ("" if none). */
const char *mesh_self_conflict(const struct mesh *m);

/* Iteration over known nodes for views (TUI, status). */
struct node *mesh_node_at(const struct mesh *m, uint32_t index);
uint32_t mesh_node_span(const struct mesh *m);
const struct node *mesh_self(const struct mesh *m);
size_t mesh_node_count(const struct mesh *m);
/* The node by overlay address, NULL if none. */
const struct node *mesh_node_by_addr(const struct mesh *m, const struct ipaddr *a);
/* Has anything changed since the last call (for views that poll)? */
uint64_t mesh_generation(const struct mesh *m);

#endif
