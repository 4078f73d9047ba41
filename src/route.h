/*
 * route: the link-state database and shortest-path computation.
 *
 * Vocabulary:
 *   node      an index 0..capacity-1 chosen by the caller (the node table);
 *             each node has a 32-byte id (its identity public key) used only
 *             for deterministic tie-breaks, identical on every node.
 *   link      origin → neighbour with a cost, as announced by the origin.
 *             A link is usable only when both ends announce it ("two-way").
 *   relay     a node that may carry traffic for others (a gateway). Paths
 *             never transit a node that is not a relay (mobile nodes, nodes
 *             that opted out); they may still start or end there.
 *   next hop  the first node on the path from self: the WireGuard peer whose
 *             allowed IPs hold the destination's address.
 *
 * route_compute() runs one Dijkstra from self over the two-way links,
 * O((V + E) log V). It is called once per change batch (the core marks the
 * database dirty and recomputes at most once per loop iteration), never per
 * received packet. Paths are compared by cost, then by a sum of small
 * per-link perturbations that depend only on the two ends' ids: shortest
 * paths are unique, the same seen from either end, and consistent hop by hop
 * (each relay on a path routes both ends along it), which WireGuard's source
 * filter needs. No history: the same database always gives the same routes,
 * so equal paths do not flap. Cost hysteresis is applied where link costs are
 * produced (the core only re-announces a link when its cost moves by more
 * than a threshold), so a route changes only when the announced topology does.
 */
#ifndef WGNM_ROUTE_H
#define WGNM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTE_NONE UINT32_MAX
#define ROUTE_COST_INF UINT32_MAX
#define ROUTE_ID_LEN 32

struct route_link {
	uint32_t neighbour;
	uint16_t cost; /* 1..65535 */
};

struct route_entry {
	uint32_t next_hop; /* ROUTE_NONE: unreachable (or self) */
	uint32_t cost;     /* ROUTE_COST_INF when unreachable */
	uint16_t hops;
};

struct lsdb;

/* A database for node indices 0..capacity-1; grows with lsdb_reserve(). NULL on ENOMEM. */
struct lsdb *lsdb_new(uint32_t capacity);
void lsdb_free(struct lsdb *db);
int lsdb_reserve(struct lsdb *db, uint32_t capacity);
uint32_t lsdb_capacity(const struct lsdb *db);

/* Declare a node present (with its id and relay flag) or absent (drops its links). */
int lsdb_node_set(struct lsdb *db, uint32_t node, const uint8_t id[ROUTE_ID_LEN], bool relay);
void lsdb_node_clear(struct lsdb *db, uint32_t node);
bool lsdb_node_present(const struct lsdb *db, uint32_t node);

/*
 * Replace all links announced by origin. Links to absent nodes, to self and
 * duplicates are kept but ignored by the computation until they make sense.
 * Returns 1 if anything changed, 0 if identical, -ENOMEM.
 */
int lsdb_set_links(struct lsdb *db, uint32_t origin, const struct route_link *links, size_t n);
size_t lsdb_links(const struct lsdb *db, uint32_t origin, const struct route_link **out);
/* Cost of the two-way link a–b (max of the two announcements), or ROUTE_COST_INF. */
uint32_t lsdb_link_cost(const struct lsdb *db, uint32_t a, uint32_t b);

/*
 * Shortest paths from self into table (lsdb_capacity() entries, overwritten).
 * Returns 0 or -ENOMEM.
 */
int route_compute(const struct lsdb *db, uint32_t self, struct route_entry *table);

/* Reset a table to "nothing reachable". */
void route_table_clear(struct route_entry *table, uint32_t n);

#endif
