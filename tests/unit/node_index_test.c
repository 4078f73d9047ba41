/*
 * node: the overlay-address index returns what a scan of the table returns
 * (the lowest index holding a record with that address), over random record
 * changes, address collisions, removals and index reuse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/node.h"
#include "tests/tap.h"

#define IDS   300
#define ADDRS 60

static struct node *
scan(const struct node_table *t, const struct ipaddr *a)
{
	uint32_t i;

	for (i = 0; i < node_table_span(t); i++) {
		struct node *n = node_at(t, i);

		if (n != NULL && n->has_record && ipaddr_equal(&n->rec.addr, a))
			return n;
	}
	return NULL;
}

int
main(void)
{
	static uint8_t ids[IDS][MESH_ID_LEN];
	struct ipaddr addrs[ADDRS + 1];
	struct node_table *t;
	unsigned i, step, mismatches = 0, lookups = 0;
	char buf[64];

	if (sodium_init() < 0)
		return 1;
	t = node_table_new();
	ok(t != NULL, "table created");
	for (i = 0; i < IDS; i++)
		randombytes_buf(ids[i], MESH_ID_LEN);
	for (i = 0; i < ADDRS; i++) {
		if (i % 3 == 0)
			snprintf(buf, sizeof(buf), "fd00::%x", i + 1);
		else
			snprintf(buf, sizeof(buf), "10.1.%u.%u", i / 256 + 1, i % 256);
		ipaddr_parse(&addrs[i], buf);
	}
	memset(&addrs[ADDRS], 0, sizeof(addrs[ADDRS])); /* AF_UNSPEC: no address */
	srand(11);
	for (step = 0; step < 20000; step++) {
		struct node *n;
		unsigned k = (unsigned)rand() % IDS, op = (unsigned)rand() % 10;
		bool created;

		if (op < 6) {
			struct mesh_node_record rec;

			n = node_get(t, ids[k], &created);
			if (n == NULL)
				break;
			rec = n->rec;
			rec.addr = addrs[(unsigned)rand() % (ADDRS + 1)];
			rec.seq++;
			node_set_record(t, n, &rec);
		} else if (op < 8) {
			n = node_find(t, ids[k]);
			if (n != NULL)
				node_remove(t, n);
		} else {
			(void)node_get(t, ids[k], &created); /* a node known without a record */
		}
		for (i = 0; i <= ADDRS; i += (step % 100 == 0 ? 1 : 7)) {
			lookups++;
			if (node_find_by_addr(t, &addrs[i]) != scan(t, &addrs[i]))
				mismatches++;
		}
	}
	diag("%u lookups over 20000 random operations, %zu nodes at the end", lookups,
	     node_table_count(t));
	is_int(mismatches, 0, "index lookups equal a linear scan");
	/* an in-place change of the record passed back in */
	{
		struct node *n = node_get(t, ids[0], NULL);
		struct ipaddr fresh;

		ipaddr_parse(&fresh, "10.1.200.200");
		node_set_record(t, n, &n->rec);
		ok(node_find_by_addr(t, &n->rec.addr) == scan(t, &n->rec.addr),
		   "same record again: still indexed");
		{
			struct mesh_node_record rec = n->rec;

			rec.addr = fresh;
			node_set_record(t, n, &rec);
		}
		ok(node_find_by_addr(t, &fresh) == n, "moved to a fresh address: found there");
	}
	node_table_free(t);
	return tap_done();
}
