/* route: shortest paths, two-way rule, relays, equal-cost paths both ways, a gateway dying. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/route.h"
#include "tests/tap.h"

#define N 8

static struct lsdb *
graph(uint32_t n, const char *relays)
{
	struct lsdb *db = lsdb_new(n);
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t id[ROUTE_ID_LEN] = { 0 };

		id[0] = (uint8_t)(0x10 + i); /* id order = index order */
		lsdb_node_set(db, i, id, relays == NULL || strchr(relays, (int)('a' + i)) != NULL);
	}
	return db;
}

/* Two-way link a–b with the same cost both ways; appends to existing links. */
static void
link2(struct lsdb *db, uint32_t a, uint32_t b, uint16_t cost)
{
	const struct route_link *old;
	struct route_link buf[64];
	size_t n, k;
	uint32_t ends[2] = { a, b }, other[2] = { b, a };

	for (k = 0; k < 2; k++) {
		n = lsdb_links(db, ends[k], &old);
		if (n > 0)
			memcpy(buf, old, n * sizeof(*buf));
		buf[n].neighbour = other[k];
		buf[n].cost = cost;
		lsdb_set_links(db, ends[k], buf, n + 1);
	}
}

static void
unlink_node_links(struct lsdb *db, uint32_t a)
{
	lsdb_set_links(db, a, NULL, 0);
}

int
main(void)
{
	struct route_entry t[N];
	struct lsdb *db;

	/* Line a-b-c-d: d reached via b, cost adds up, hops counted. */
	db = graph(4, NULL);
	link2(db, 0, 1, 10);
	link2(db, 1, 2, 10);
	link2(db, 2, 3, 5);
	route_table_clear(t, 4);
	is_int(route_compute(db, 0, t), 0, "line: compute");
	is_int(t[3].next_hop, 1, "line: d via b");
	is_int(t[3].cost, 25, "line: cost 25");
	is_int(t[3].hops, 3, "line: 3 hops");
	is_int(t[0].next_hop, ROUTE_NONE, "line: self has no next hop");
	lsdb_free(db);

	/* One-way announcements are not links. */
	db = graph(2, NULL);
	{
		struct route_link l = { 1, 10 };

		is_int(lsdb_set_links(db, 0, &l, 1), 1, "set links reports a change");
		is_int(lsdb_set_links(db, 0, &l, 1), 0, "identical links report no change");
	}
	route_table_clear(t, 2);
	route_compute(db, 0, t);
	is_int(t[1].next_hop, ROUTE_NONE, "one-way link is unusable");
	is_int(lsdb_link_cost(db, 0, 1), ROUTE_COST_INF, "one-way link has no cost");
	lsdb_free(db);

	/*
	 * Star: b (1) is the public gateway; a (0), c (2), d (3) behind NATs.
	 * a reaches c and d via b.
	 */
	db = graph(4, NULL);
	link2(db, 0, 1, 10);
	link2(db, 2, 1, 10);
	link2(db, 3, 1, 10);
	route_table_clear(t, 4);
	route_compute(db, 0, t);
	ok(t[1].next_hop == 1 && t[2].next_hop == 1 && t[3].next_hop == 1,
	   "star: everything via the gateway");
	/* c and d become direct on their LAN: d's path from c is direct. */
	link2(db, 2, 3, 5);
	route_table_clear(t, 4);
	route_compute(db, 2, t);
	is_int(t[3].next_hop, 3, "LAN link: c reaches d directly");
	is_int(t[0].next_hop, 1, "LAN link: c still reaches a via b");
	lsdb_free(db);

	/* Non-relay nodes are never transit: a-m-c where m is mobile. */
	db = graph(3, "ac"); /* b (index 1) is not a relay */
	link2(db, 0, 1, 1);
	link2(db, 1, 2, 1);
	route_table_clear(t, 3);
	route_compute(db, 0, t);
	is_int(t[1].next_hop, 1, "non-relay is reachable itself");
	is_int(t[2].next_hop, ROUTE_NONE, "non-relay carries no transit");
	lsdb_free(db);

	/*
	 * Equal costs: a (0) reaches d (3) via b (1) or c (2). The choice is the
	 * database's alone (no history) and d chooses the same path back.
	 */
	db = graph(4, NULL);
	link2(db, 0, 1, 10);
	link2(db, 0, 2, 10);
	link2(db, 1, 3, 10);
	link2(db, 2, 3, 10);
	route_table_clear(t, 4);
	route_compute(db, 0, t);
	{
		uint32_t first = t[3].next_hop;
		struct route_entry back[4];

		ok(first == 1 || first == 2, "tie: a reaches d via b or c");
		is_int(t[3].cost, 20, "tie: cost 20");
		t[3].next_hop = first == 1 ? 2 : 1;
		route_compute(db, 0, t);
		is_int(t[3].next_hop, first, "tie: the input table does not matter");
		route_table_clear(back, 4);
		route_compute(db, 3, back);
		is_int(back[0].next_hop, first, "tie: d reaches a through the same gateway");
	}
	/* A strictly better path wins. */
	link2(db, 0, 3, 5);
	route_compute(db, 0, t);
	is_int(t[3].next_hop, 3, "better path wins over an equal pair");
	lsdb_free(db);

	/* Gateway dying: two gateways b, c; b dies → d via c. */
	db = graph(4, NULL);
	link2(db, 0, 1, 10);
	link2(db, 0, 2, 20);
	link2(db, 1, 3, 10);
	link2(db, 2, 3, 10);
	route_table_clear(t, 4);
	route_compute(db, 0, t);
	is_int(t[3].next_hop, 1, "two gateways: cheaper b used");
	lsdb_node_clear(db, 1);
	route_compute(db, 0, t);
	is_int(t[3].next_hop, 2, "gateway b gone: d via c");
	is_int(t[3].cost, 30, "gateway b gone: cost via c");
	is_int(t[1].next_hop, ROUTE_NONE, "dead gateway unreachable");
	/* c withdraws all links: d unreachable. */
	unlink_node_links(db, 2);
	route_compute(db, 0, t);
	is_int(t[3].next_hop, ROUTE_NONE, "no gateway left: d unreachable");
	is_int(t[3].cost, ROUTE_COST_INF, "unreachable cost is infinite");
	lsdb_free(db);

	/* Random graphs: costs agree with Floyd–Warshall (all nodes relays). */
	{
		enum { M = 40 };
		static uint32_t fw[M][M];
		struct route_entry rt[M];
		int round, bad = 0;
		uint32_t i, j, k;

		srand(7);
		for (round = 0; round < 20; round++) {
			db = graph(M, NULL);
			for (i = 0; i < M; i++)
				for (j = 0; j < M; j++)
					fw[i][j] = i == j ? 0 : ROUTE_COST_INF;
			for (k = 0; k < 3 * M; k++) {
				uint32_t a = (uint32_t)rand() % M, b = (uint32_t)rand() % M;
				uint16_t c = (uint16_t)(1 + rand() % 50);

				if (a == b || fw[a][b] != ROUTE_COST_INF)
					continue;
				link2(db, a, b, c);
				fw[a][b] = fw[b][a] = c;
			}
			for (k = 0; k < M; k++)
				for (i = 0; i < M; i++)
					for (j = 0; j < M; j++)
						if (fw[i][k] != ROUTE_COST_INF &&
						    fw[k][j] != ROUTE_COST_INF &&
						    fw[i][k] + fw[k][j] < fw[i][j])
							fw[i][j] = fw[i][k] + fw[k][j];
			route_table_clear(rt, M);
			route_compute(db, 0, rt);
			for (j = 1; j < M; j++) {
				if (rt[j].cost != fw[0][j])
					bad++;
				/* The next hop is a neighbour and lies on a shortest path. */
				if (rt[j].next_hop != ROUTE_NONE &&
				    lsdb_link_cost(db, 0, rt[j].next_hop) + fw[rt[j].next_hop][j] !=
					    rt[j].cost)
					bad++;
			}
			lsdb_free(db);
		}
		is_int(bad, 0, "20 random graphs: costs and next hops match Floyd-Warshall");
	}

	/*
	 * Random graphs full of equal-cost paths (costs 10 or 100, some
	 * non-relays): forwarding is consistent both ways. Walking from a
	 * towards b, each node V that receives from U routes a back via U —
	 * what WireGuard's source filter at V needs — and the walk ends at b.
	 */
	{
		enum { M = 30 };
		static struct route_entry all[M][M];
		int round, bad = 0, walks = 0;
		uint32_t a, b, k;

		srand(11);
		for (round = 0; round < 30; round++) {
			db = graph(M, NULL);
			for (k = 0; k < M; k++) {
				uint8_t id[ROUTE_ID_LEN] = { 0 };

				id[0] = (uint8_t)(0x10 + k); /* as graph() */
				if (rand() % 5 == 0)
					lsdb_node_set(db, k, id, false); /* not a relay */
			}
			for (k = 0; k < 3 * M; k++) {
				a = (uint32_t)rand() % M;
				b = (uint32_t)rand() % M;
				if (a != b && lsdb_link_cost(db, a, b) == ROUTE_COST_INF)
					link2(db, a, b, rand() % 3 ? 10 : 100);
			}
			for (a = 0; a < M; a++) {
				route_table_clear(all[a], M);
				route_compute(db, a, all[a]);
			}
			for (a = 0; a < M; a++)
				for (b = 0; b < M; b++) {
					uint32_t u = a, v, steps = 0;

					if (a == b || all[a][b].next_hop == ROUTE_NONE)
						continue;
					walks++;
					while (u != b && steps++ < M) {
						v = all[u][b].next_hop;
						if (v == ROUTE_NONE || all[v][a].next_hop != u) {
							bad++;
							break;
						}
						u = v;
					}
					if (u != b)
						bad++;
				}
			lsdb_free(db);
		}
		diag("%d paths walked", walks);
		ok(walks > 1000, "equal costs: enough reachable pairs to say something");
		is_int(bad, 0, "equal costs: every hop routes both ends along the same path");
	}
	return tap_done();
}
