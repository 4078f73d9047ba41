/*
 * meshsim: many mesh cores (src/mesh.c) in one process and one libev loop,
 * joined by a simulated underlay, simulated NATs and simulated WireGuard.
 * For logic tests of the core and for the control-plane benchmark; real
 * NATs and real WireGuard are tested in tests/net/.
 *
 * Vocabulary:
 *   node      one simulated host running one core (struct mesh) with its own
 *             identity, fake WireGuard device (platform/wg_fake) and underlay
 *             address. Named by a small index, in the order of
 *             meshsim_node_add().
 *   site      a LAN. Site 0 is "the internet": its members have public
 *             addresses 198.51.100.1-99 and reach each other directly. Every
 *             other site s is a private LAN 192.168.s.0/24 whose members reach
 *             each other directly; with a NAT (see below) they reach the
 *             internet from the NAT's public address 198.51.100.(100 + s).
 *             A site without a NAT (MESHSIM_NAT_NONE, s > 0) is an isolated LAN.
 *   NAT       endpoint-independent (EIM): an outgoing packet from
 *             inside-address:port creates a mapping to public-address:port
 *             (ports allocated from 20000 up) that admits packets from any
 *             remote. Endpoint-dependent ("symmetric", EDM): one mapping per
 *             (inside address:port, destination address:port), admitting
 *             replies only from that destination. Mappings never expire; no
 *             hairpinning (a packet from inside to the site's own public
 *             address is dropped); sites never reach each other's private
 *             addresses.
 *   tunnel    the WireGuard pair of two nodes. A pair has a handshake when
 *             both devices hold each other as a peer and one side's endpoint
 *             for the other (configured by the core, or learnt by roaming
 *             from an earlier handshake) gets a packet from its WireGuard port
 *             to the other's WireGuard port through the underlay and NAT model.
 *             The handshake is made on demand when a packet needs the tunnel
 *             (WireGuard queues the packet during its handshake, so it is not
 *             lost) and by a periodic sweep; a handshake is renewed after
 *             120 s and is dead after 180 s, as in WireGuard. On a handshake,
 *             the responder learns the initiator's endpoint as seen through
 *             the NATs (roaming); both devices report last_handshake (wall
 *             clock) and rx/tx bytes per peer, as a real device would.
 *
 * Admin datagrams (mesh_io.send) are routed when they are sent and delivered
 * later from the loop (an ev_timer, zero delay unless a latency is set):
 *   - to a probe address (IPv6, mesh_probe_address): through the sender's
 *     WireGuard peer whose allowed IPs contain it, one hop only (IPv6 is
 *     never forwarded), if the pair has a handshake; source = the sender's
 *     probe address.
 *   - to an overlay IPv4 address: hop by hop, each node picking the peer
 *     whose allowed IPs contain the destination (longest prefix), each hop
 *     needing a handshake, each receiver checking that the source is in the
 *     allowed IPs of the peer it came from (WireGuard's cryptokey filter),
 *     each intermediate node forwarding only if the core turned forwarding on
 *     (mesh_io.forwarding); at most MESHSIM_MAX_HOPS hops. Source = the
 *     sender's overlay address.
 *   - anything else: the underlay (NAT model), from the sender's admin port.
 * A datagram is delivered only to a node that is still running and only if
 * it arrives at that node's admin port.
 *
 * Time: the cores run in real time (CLOCK_MONOTONIC, wall clock), so tests
 * use short timers (struct mesh_params). Loss and latency are drawn from a
 * PRNG seeded by the caller, so the sim's own choices are reproducible; the
 * cores' own randomness (timer jitter, tokens) and real time are not.
 *
 * Ownership: the sim owns its nodes, their identities, cores and devices;
 * pointers it returns stay valid until the node is removed or the sim freed
 * (a core pointer only until the node is stopped, killed or restarted).
 */
#ifndef WGNM_TESTS_MESHSIM_H
#define WGNM_TESTS_MESHSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "proto/identity.h"
#include "proto/ipaddr.h"
#include "src/conf.h"
#include "src/mesh.h"
#include "src/node.h"

#define MESHSIM_MAX_HOPS   64  /* like an IPv4 TTL */
#define MESHSIM_MAX_SITES  154 /* NAT public addresses 198.51.100.101-254 */
#define MESHSIM_PUBLIC_MAX 99  /* public hosts 198.51.100.1-99 on site 0 */
#define MESHSIM_SITE_HOSTS 240 /* hosts per private site: 192.168.s.10-249 */

enum meshsim_nat {
	MESHSIM_NAT_NONE, /* public (site 0) or an isolated LAN */
	MESHSIM_NAT_EIM,  /* endpoint-independent mapping and filtering */
	MESHSIM_NAT_EDM,  /* endpoint-dependent ("symmetric") */
};

struct meshsim;

/*
 * A new sim on loop. subnet: the overlay ("10.1.0.0/16"); params: the cores'
 * timers (NULL: mesh_params_default). The shared key is derived from seed.
 * NULL on failure.
 */
struct meshsim *meshsim_new(struct ev_loop *loop, uint64_t seed, const char *subnet,
                            const struct mesh_params *params);
/* Stops everything (no BYEs) and frees it all. */
void meshsim_free(struct meshsim *sim);

/* A new site (LAN) behind a NAT of this kind. Returns its number (>= 1) or -ENOSPC. */
int meshsim_site_add(struct meshsim *sim, enum meshsim_nat nat);

struct meshsim_node_opts {
	const char *name;    /* required */
	const char *address; /* overlay address, required */
	unsigned site;       /* 0: a public host */
	bool is_static;      /* listed in net.yaml (must be added before the first start) */
	bool mobile;
	uint16_t wg_port;    /* 0: config_default_wg_port() */
	uint16_t admin_port; /* 0: config_default_admin_port() */
	/*
	 * Its own static peers (indices of nodes added before it): its net.yaml
	 * lists these instead of the shared list (every is_static node). Lets a
	 * test build chains and other graphs of static links.
	 */
	const unsigned *statics;
	size_t nstatics;
};

/*
 * Add a node (not started) with a fresh identity. Returns its index, or
 * -EINVAL (bad address/name/site), -ENOSPC (site full), -EBUSY (a static
 * after the config was built by the first start), -ENOMEM.
 */
int meshsim_node_add(struct meshsim *sim, const struct meshsim_node_opts *o);
/* Number of nodes ever added (indices 0..count-1). */
unsigned meshsim_node_count(const struct meshsim *sim);

/* Start the core of node i (first start: epoch 1). 0 or -errno. */
int meshsim_node_start(struct meshsim *sim, unsigned i);
int meshsim_start_all(struct meshsim *sim);
/* Clean leave: mesh_stop (BYE to neighbours, already routed), then the core is freed. */
void meshsim_node_stop(struct meshsim *sim, unsigned i);
/* Crash: the core is freed without a word; its WireGuard device is gone. */
void meshsim_node_kill(struct meshsim *sim, unsigned i);
/*
 * Free node i's core only (no BYE); its WireGuard device stays, as a kernel
 * device outlives its daemon. For measuring what one core allocates.
 */
void meshsim_core_free(struct meshsim *sim, unsigned i);
/* Start a stopped or killed node again: same identity, next epoch, empty device. */
int meshsim_node_restart(struct meshsim *sim, unsigned i);

bool meshsim_node_running(const struct meshsim *sim, unsigned i);
/* The running core of node i, or NULL. */
struct mesh *meshsim_mesh(const struct meshsim *sim, unsigned i);
const struct identity *meshsim_identity(const struct meshsim *sim, unsigned i);
const struct ipaddr *meshsim_address(const struct meshsim *sim, unsigned i);
/* The underlay address of node i (its private address behind a NAT). */
const struct ipaddr *meshsim_underlay(const struct meshsim *sim, unsigned i);
/* The net.yaml all nodes share (built at the first start; NULL before). */
const struct config *meshsim_config(const struct meshsim *sim);
/* Forwarding as the core of node i last set it. */
bool meshsim_forwarding(const struct meshsim *sim, unsigned i);
/* Kernel routes the core of node i holds now (adds minus removes). */
long meshsim_routes(const struct meshsim *sim, unsigned i);

/* Node j as the core of node i sees it (by identity), or NULL. */
const struct node *meshsim_view(const struct meshsim *sim, unsigned i, unsigned j);

/*
 * "ping" over the overlay: a packet from node from's overlay address to
 * `to` and the answer back, walking allowed IPs and handshakes as datagram
 * delivery does (no loss, no latency). Returns the number of hops of the way
 * there (>= 1) and fills path[0..max) with the nodes it went through (the
 * last is the destination), or:
 *   -ENETUNREACH  a node on the way has no peer whose allowed IPs hold it
 *   -EHOSTDOWN    the peer chosen belongs to no running node
 *   -ENOTCONN     no handshake possible on a hop
 *   -EACCES       the receiver of a hop does not accept the source from that peer
 *   -EHOSTUNREACH an intermediate node does not forward (or IPv6 would be forwarded)
 *   -ELOOP        more than MESHSIM_MAX_HOPS hops
 *   -ESRCH        from is not running
 */
int meshsim_reach(struct meshsim *sim, unsigned from, const struct ipaddr *to, unsigned *path,
                  size_t max);
/* meshsim_reach between two nodes' overlay addresses. */
int meshsim_reach_node(struct meshsim *sim, unsigned from, unsigned to, unsigned *path, size_t max);

/*
 * Every running node knows every other running node (record, state direct
 * or via gateway, not in conflict) and reaches it both ways (meshsim_reach).
 * O(N^2): for tests.
 */
bool meshsim_converged(struct meshsim *sim);
/* The same, with the first pair that is not there yet described in why. */
bool meshsim_converged_why(struct meshsim *sim, char *why, size_t len);

/* Run the loop until pred(sim, arg) holds (checked every 10 ms) or timeout s. 0 or -ETIMEDOUT. */
int meshsim_run_until(struct meshsim *sim, bool (*pred)(struct meshsim *, void *), void *arg,
                      double timeout);
/* Run the loop for s seconds. */
void meshsim_run_for(struct meshsim *sim, double s);

/* Loss (0..1) and one-way latency (s) for every datagram; per pair overrides below. */
void meshsim_set_loss(struct meshsim *sim, double loss);
void meshsim_set_latency(struct meshsim *sim, double latency);
/* Loss and latency between nodes a and b (both directions). 0 or -ENOMEM. */
int meshsim_link_set(struct meshsim *sim, unsigned a, unsigned b, double loss, double latency);

/* A copy of every datagram a core sends, before routing (e.g. to capture one). */
typedef void (*meshsim_tap_fn)(void *arg, unsigned from, const struct endpoint *dst,
                               const uint8_t *buf, size_t len);
void meshsim_set_tap(struct meshsim *sim, meshsim_tap_fn fn, void *arg);

/*
 * Put a datagram on the underlay from node from's admin port to dst
 * (NAT model applies), as if its core had sent it; delivered like any other.
 */
int meshsim_inject(struct meshsim *sim, unsigned from, const struct endpoint *dst,
                   const uint8_t *buf, size_t len);

struct meshsim_stats {
	uint64_t sent, sent_bytes; /* datagrams the cores sent */
	uint64_t delivered, delivered_bytes;
	uint64_t lost;          /* dropped by the loss rate */
	uint64_t unroutable;    /* no way to the destination (any reason) */
	uint64_t not_listening; /* arrived, but the node is down or the port is wrong */
	uint64_t handshakes;
};
const struct meshsim_stats *meshsim_stats(const struct meshsim *sim);
/* A core's admin drop counter by reason name (mesh_drop_reason_name); UINT64_MAX if no such reason. */
uint64_t meshsim_dropped(const struct meshsim *sim, unsigned i, const char *reason);

/*
 * Short timers for tests (in real time: everything is 5-25 times faster than
 * mesh_params_default) and no direct paths: membership and routing through
 * gateways only.
 */
void meshsim_params_fast(struct mesh_params *p);
/* Admin bytes node i's cores have sent (all incarnations). */
uint64_t meshsim_node_sent_bytes(const struct meshsim *sim, unsigned i);

#endif
