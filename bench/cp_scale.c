/*
 * cp_scale: the control-plane scale benchmark. Many mesh cores in one
 * process on the simulator (tests/meshsim.h), default timers
 * (mesh_params_default) except a faster first HELLO, and direct paths off:
 * the layout measured is hub and spoke (with direct paths on and no traffic
 * sampling every client pair would become a direct link, N^2 links).
 *
 * Layout ("full" mode): H public static nodes (hubs, every node's net.yaml
 * lists them) and N - H clients behind endpoint-independent NATs, 240 per
 * NAT site, as in a real deployment. Every client peers with every hub;
 * clients reach each other through a hub. Measured:
 *   converge   seconds from the first start until every core holds every
 *              other node reachable (records, link state and routes), hubs
 *              first and clients in batches (-b)
 *   change     a client's record change (mesh_addresses_changed): seconds
 *              until every core holds the new record, and CPU seconds of the
 *              whole process meanwhile (getrusage: all N receivers' work)
 *   join       one more client starts: seconds until every core routes to it
 *   memory     (a) heap in use (mallinfo2) after convergence minus before the
 *              cores were made, divided by N: every core holds all N nodes,
 *              so this is the memory of one core holding N nodes' state
 *              (plus the sim's share, an overestimate); (b) the heap freed
 *              when one hub's core is freed at the end: exactly that core's
 *              own allocations (its fake WireGuard device, kernel memory in
 *              a real daemon, is freed separately and not counted)
 *   idle       admin bytes sent per node per minute over a window after
 *              convergence, hubs and clients separately
 *
 * "hub" mode (-m hub), for N too large to run N cores in one process (each
 * core holds every node, so the process needs N^2 node entries): ONE hub
 * core, and N - 1 synthetic clients whose signed HELLO (over the underlay,
 * so the hub makes each a client link and a WireGuard peer) and link state
 * (listing the hub) are sealed here and fed to it. The hub's heap delta is
 * its memory holding N nodes' state. Its links stay "trying" (nobody pings),
 * so its own link-state fragments and kernel routes (about 0.2 MB at 5000)
 * are not in the figure.
 *
 * Output: a table with PASS/FAIL against the targets (a change reaches all
 * 1000 nodes in < 2 s; < 30 MB per core at 5000 nodes) and one JSON object
 * on the last line (or into -j FILE).
 *
 *   cp_scale [-m full|hub] [-n N] [-H hubs] [-b batch] [-i idle_seconds] [-j file] [-v]
 * (-b: clients started per batch, each batch converging before the next; 100)
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/mesh.h"
#include "proto/seal.h"
#include "src/log.h"
#include "tests/meshsim.h"

#define TARGET_CHANGE_S 2.0
#define TARGET_CHANGE_N 1000
#define TARGET_MEM_MB   30.0
#define TARGET_MEM_N    5000

static struct ev_loop *loop;

struct result {
	const char *mode;
	unsigned n, hubs;
	double converge_s;
	double change_s, change_cpu_s;
	double join_s;
	double mem_total_per_node_kb; /* (a) */
	double mem_core_mb;           /* (b) or hub mode */
	double idle_s;
	double idle_hub_bpm, idle_client_bpm; /* bytes per node per minute */
	uint64_t datagrams;
};

static double
now(void)
{
	ev_now_update(loop);
	return ev_now(loop);
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
overlay_addr(char *buf, size_t len, unsigned i)
{
	/* 10.1.0.0/16: hubs and clients numbered from 10.1.0.1 */
	snprintf(buf, len, "10.1.%u.%u", (i + 1) / 256, (i + 1) % 256);
}

static int
add_node(struct meshsim *sim, unsigned i, bool hub, int *site, unsigned *in_site)
{
	struct meshsim_node_opts o;
	char name[16], addr[20];

	if (!hub && (*site < 0 || *in_site >= MESHSIM_SITE_HOSTS)) {
		*site = meshsim_site_add(sim, MESHSIM_NAT_EIM);
		*in_site = 0;
		if (*site < 0)
			return *site;
	}
	snprintf(name, sizeof(name), hub ? "hub%u" : "c%u", i);
	overlay_addr(addr, sizeof(addr), i);
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.address = addr;
	o.is_static = hub;
	o.site = hub ? 0 : (unsigned)*site;
	/* one port pair for all: overlay addresses above .255 would wrap the defaults */
	o.wg_port = 51820;
	o.admin_port = 55555;
	if (!hub)
		(*in_site)++;
	return meshsim_node_add(sim, &o);
}

/* ---------------------------------------------------------------- predicates */

/* Every running core routes to every other running node. O(N^2). */
static bool
all_known_cb(struct meshsim *sim, void *arg)
{
	unsigned i, n = meshsim_node_count(sim), running = 0;

	(void)arg;
	for (i = 0; i < n; i++)
		running += meshsim_node_running(sim, i);
	for (i = 0; i < n; i++) {
		struct mesh *m = meshsim_mesh(sim, i);
		uint32_t k, span, good = 0;

		if (m == NULL)
			continue;
		span = mesh_node_span(m);
		for (k = 0; k < span; k++) {
			const struct node *x = mesh_node_at(m, k);

			good += x != NULL && x->has_record &&
			        (x->state == NODE_DIRECT || x->state == NODE_VIA_GATEWAY);
		}
		if (good + 1 < running)
			return false;
	}
	return true;
}

/* all_known_cb at most every half second: it is O(N^2) */
static bool
all_known_slow_cb(struct meshsim *sim, void *arg)
{
	static double last;
	double t = now();

	if (t - last < 0.5)
		return false;
	last = t;
	return all_known_cb(sim, arg);
}

struct seq_wait {
	const struct ipaddr *addr;
	uint64_t seq;
	unsigned origin;
};

static bool
seq_cb(struct meshsim *sim, void *arg)
{
	struct seq_wait *w = arg;
	unsigned i, n = meshsim_node_count(sim);

	for (i = 0; i < n; i++) {
		const struct node *x;

		if (i == w->origin || meshsim_mesh(sim, i) == NULL)
			continue;
		x = mesh_node_by_addr(meshsim_mesh(sim, i), w->addr);
		if (x == NULL || x->rec.seq < w->seq)
			return false;
	}
	return true;
}

static bool
reach_new_cb(struct meshsim *sim, void *arg)
{
	struct seq_wait *w = arg;
	unsigned i, n = meshsim_node_count(sim);

	for (i = 0; i < n; i++) {
		const struct node *x;

		if (i == w->origin || meshsim_mesh(sim, i) == NULL)
			continue;
		x = mesh_node_by_addr(meshsim_mesh(sim, i), w->addr);
		if (x == NULL || (x->state != NODE_DIRECT && x->state != NODE_VIA_GATEWAY))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- full mode */

/*
 * Datagrams the running cores dropped for the caps ("cap") and the
 * per-source rate ("rate"): a legitimate mesh must show none (stderr).
 */
static void
report_cap_drops(struct meshsim *sim)
{
	uint64_t rate = 0, cap = 0;
	unsigned i, k;

	for (i = 0; i < meshsim_node_count(sim); i++) {
		const struct mesh *m = meshsim_mesh(sim, i);

		if (m == NULL)
			continue;
		for (k = 0; mesh_drop_reason_name(k) != NULL; k++) {
			if (strcmp(mesh_drop_reason_name(k), "rate") == 0)
				rate += mesh_stats(m)->dropped[k];
			else if (strcmp(mesh_drop_reason_name(k), "cap") == 0)
				cap += mesh_stats(m)->dropped[k];
		}
	}
	fprintf(stderr, "dropped by the per-source rate: %llu, by the caps: %llu\n",
	        (unsigned long long)rate, (unsigned long long)cap);
}

/*
 * Where the datagrams (one signature and one verification each) went, by
 * type, and how many embedded records and link-state fragments were
 * verified or skipped as copies, summed over the running cores (stderr).
 */
static void
report_work(struct meshsim *sim)
{
	uint64_t type[MESH_STATS_TYPES] = {0}, verified = 0, skipped = 0, flooded = 0;
	unsigned i, k;

	for (i = 0; i < meshsim_node_count(sim); i++) {
		const struct mesh *m = meshsim_mesh(sim, i);

		if (m == NULL)
			continue;
		for (k = 0; k < MESH_STATS_TYPES; k++)
			type[k] += mesh_stats(m)->tx_type[k];
		verified += mesh_stats(m)->verified;
		skipped += mesh_stats(m)->verify_skipped;
		flooded += mesh_stats(m)->tx_flood;
	}
	fprintf(stderr, "datagrams sent by type:");
	for (k = 0; k < MESH_STATS_TYPES; k++)
		if (type[k] > 0)
			fprintf(stderr, " %s %llu", mesh_type_name((uint8_t)(k + 0x10)),
			        (unsigned long long)type[k]);
	fprintf(stderr,
	        " (flooded on: %llu)\nembedded objects: %llu verified, %llu skipped as copies\n",
	        (unsigned long long)flooded, (unsigned long long)verified,
	        (unsigned long long)skipped);
}

/* The node cap must not be what limits a benchmark run beyond its default. */
static void
params_for(struct mesh_params *p, unsigned n)
{
	if (p->nodes_max < n + 16)
		p->nodes_max = n + 16;
}

static int
run_full(struct result *r, double idle_s, unsigned batch, bool verbose)
{
	struct mesh_params p;
	struct meshsim *sim;
	struct seq_wait w;
	int site = -1, rc;
	unsigned in_site = 0, i, client, joiner;
	size_t heap0, heap1;
	double t0, c0;
	uint64_t *sent0;

	mesh_params_default(&p);
	params_for(&p, r->n);
	p.hello_max = 2; /* a client whose first HELLO found no hub yet retries soon */
	p.direct_paths = false; /* hub and spoke: see the header */
	heap0 = heap_in_use();
	sim = meshsim_new(loop, 42, "10.1.0.0/16", &p);
	if (sim == NULL)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		if ((rc = add_node(sim, i, i < r->hubs, &site, &in_site)) < 0)
			return rc;
	/*
	 * Hubs first, then clients in batches, each batch converging before the
	 * next: a network grows that way, and a cold start of N clients at once
	 * is an anti-entropy storm (every client's HELLO a second after each
	 * change, answered by a full SUMMARY of N / 22 datagrams) that this
	 * benchmark does not try to measure.
	 */
	t0 = now();
	for (i = 0; i < r->n; i = i < r->hubs ? r->hubs : i + batch) {
		unsigned k, end = i < r->hubs ? r->hubs : i + batch;

		for (k = i; k < end && k < r->n; k++)
			if ((rc = meshsim_node_start(sim, k)) < 0)
				return rc;
		if (meshsim_run_until(sim, all_known_slow_cb, NULL, 120) < 0) {
			fprintf(stderr, "cp_scale: no convergence with %u nodes\n", k);
			return -ETIMEDOUT;
		}
		if (verbose) {
			fprintf(stderr, "%u nodes converged after %.1f s (%.1f CPU s)\n", k,
			        now() - t0, cpu_seconds());
			report_work(sim);
		}
	}
	r->converge_s = now() - t0;
	heap1 = heap_in_use();
	r->mem_total_per_node_kb = (double)(heap1 - heap0) / r->n / 1024.0;
	if (verbose)
		fprintf(stderr, "converged in %.2f s (%.1f CPU s)\n", r->converge_s, cpu_seconds());
	meshsim_run_for(sim, 2); /* let the bootstrap's anti-entropy settle */

	/* a record change at a client */
	client = r->n - 1;
	w.origin = client;
	w.addr = meshsim_address(sim, client);
	w.seq = mesh_self(meshsim_mesh(sim, client))->rec.seq + 1;
	c0 = cpu_seconds();
	t0 = now();
	mesh_addresses_changed(meshsim_mesh(sim, client));
	if (meshsim_run_until(sim, seq_cb, &w, 30) < 0)
		return -ETIMEDOUT;
	r->change_s = now() - t0;
	r->change_cpu_s = cpu_seconds() - c0;

	/* a new node joins */
	joiner = meshsim_node_count(sim);
	if ((rc = add_node(sim, joiner, false, &site, &in_site)) < 0 ||
	    (rc = meshsim_node_start(sim, joiner)) < 0)
		return rc;
	w.origin = joiner;
	w.addr = meshsim_address(sim, joiner);
	t0 = now();
	if (meshsim_run_until(sim, reach_new_cb, &w, 60) < 0)
		return -ETIMEDOUT;
	r->join_s = now() - t0;

	/* idle traffic */
	if (idle_s > 0) {
		uint64_t hub = 0, cl = 0;
		unsigned n = meshsim_node_count(sim);

		meshsim_run_for(sim, 5);
		sent0 = calloc(n, sizeof(*sent0));
		if (sent0 == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			sent0[i] = meshsim_node_sent_bytes(sim, i);
		meshsim_run_for(sim, idle_s);
		for (i = 0; i < n; i++) {
			uint64_t d = meshsim_node_sent_bytes(sim, i) - sent0[i];

			if (i < r->hubs)
				hub += d;
			else
				cl += d;
		}
		free(sent0);
		r->idle_s = idle_s;
		r->idle_hub_bpm = (double)hub / r->hubs * 60.0 / idle_s;
		r->idle_client_bpm = (double)cl / (n - r->hubs) * 60.0 / idle_s;
	}
	r->datagrams = meshsim_stats(sim)->sent;
	report_cap_drops(sim);
	report_work(sim);

	/* one hub's own allocations: the heap its core gives back */
	{
		size_t before = heap_in_use();

		meshsim_core_free(sim, 0);
		r->mem_core_mb = (double)(before - heap_in_use()) / (1024.0 * 1024.0);
	}
	meshsim_free(sim);
	return 0;
}

/* ---------------------------------------------------------------- hub mode */

static int
seal_msg(struct seal_keyring *kr, const struct identity *id, uint64_t counter,
         const struct mesh_msg *msg, uint8_t *buf, size_t *len)
{
	return mesh_seal(kr, id, counter, msg, buf, SEAL_MAX_DATAGRAM, len);
}

static int
run_hub(struct result *r, bool verbose)
{
	struct mesh_params p;
	struct meshsim *sim;
	struct seal_keyring *kr = NULL;
	struct endpoint dst;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	int site = -1, host, rc;
	unsigned in_site = 0, i;
	size_t heap0, heap1;
	double t0;

	mesh_params_default(&p);
	params_for(&p, r->n);
	sim = meshsim_new(loop, 43, "10.1.0.0/16", &p);
	if (sim == NULL)
		return -ENOMEM;
	if ((rc = add_node(sim, 0, true, &site, &in_site)) < 0)
		return rc;
	/* the underlay host the synthetic clients' datagrams come from (never started) */
	host = add_node(sim, r->n, false, &site, &in_site);
	if (host < 0)
		return host;
	heap0 = heap_in_use();
	if ((rc = meshsim_node_start(sim, 0)) < 0)
		return rc;
	if ((rc = seal_keyring_new(&kr, meshsim_config(sim)->shared_key)) < 0)
		return rc;
	dst.addr = *meshsim_underlay(sim, 0);
	dst.port = 55555;
	t0 = now();
	for (i = 1; i < r->n; i++) {
		struct identity *id = NULL;
		struct mesh_msg msg;
		struct mesh_ls_neighbour nb;
		size_t len;
		char addr[20];

		if ((rc = identity_generate(&id)) < 0)
			return rc;
		memset(&msg, 0, sizeof(msg));
		msg.type = MESH_HELLO;
		msg.hello.flags = MESH_HELLO_REPLY; /* no HELLO back */
		msg.hello.sync_id = i;
		msg.hello.record.seq = (uint64_t)1 << 32 | 1;
		msg.hello.record.flags = MESH_NODE_RELAY;
		snprintf(msg.hello.record.name, sizeof(msg.hello.record.name), "s%u", i);
		overlay_addr(addr, sizeof(addr), i);
		ipaddr_parse(&msg.hello.record.addr, addr);
		memcpy(msg.hello.record.wg_public, identity_wg_public(id), IDENTITY_WG_KEY_LEN);
		msg.hello.record.wg_port = 51820;
		msg.hello.record.admin_port = 55555;
		msg.hello.record.ncandidates = 1;
		msg.hello.record.candidates[0].addr = *meshsim_underlay(sim, (unsigned)host);
		msg.hello.record.candidates[0].port = 51820;
		if ((rc = mesh_record_sign(&msg.hello.record, id)) < 0 ||
		    (rc = seal_msg(kr, id, (uint64_t)1 << 32 | 1, &msg, buf, &len)) < 0)
			return rc;
		meshsim_inject(sim, (unsigned)host, &dst, buf, len);
		/* its link state: one neighbour, the hub */
		memset(&nb, 0, sizeof(nb));
		memcpy(nb.node_id, identity_node_id(meshsim_identity(sim, 0)), MESH_ID_LEN);
		nb.cost = 100;
		nb.flags = MESH_LS_PUBLIC;
		memset(&msg, 0, sizeof(msg));
		msg.type = MESH_LINK_STATE;
		if ((rc = mesh_ls_fragment(&msg.ls, id, (uint64_t)1 << 32 | 1, &nb, 1, 0)) < 0 ||
		    (rc = seal_msg(kr, id, (uint64_t)1 << 32 | 2, &msg, buf, &len)) < 0)
			return rc;
		meshsim_inject(sim, (unsigned)host, &dst, buf, len);
		identity_free(id);
		if (i % 250 == 0)
			meshsim_run_for(sim, 0.01); /* deliver as we go: the queue stays small */
	}
	/* until the hub holds them all and its work queue is empty */
	while (mesh_node_count(meshsim_mesh(sim, 0)) < r->n)
		meshsim_run_for(sim, 0.1);
	meshsim_run_for(sim, 2);
	r->converge_s = now() - t0;
	heap1 = heap_in_use();
	r->mem_core_mb = (double)(heap1 - heap0) / (1024.0 * 1024.0);
	r->datagrams = meshsim_stats(sim)->sent;
	report_cap_drops(sim);
	if (verbose)
		fprintf(stderr, "hub holds %zu nodes after %.1f s\n",
		        mesh_node_count(meshsim_mesh(sim, 0)), r->converge_s);
	{
		size_t before = heap_in_use();

		meshsim_core_free(sim, 0);
		r->mem_total_per_node_kb = (double)(before - heap_in_use()) / r->n / 1024.0;
	}
	seal_keyring_free(kr);
	meshsim_free(sim);
	return 0;
}

/* ---------------------------------------------------------------- report */

static const char *
verdict(bool applies, bool pass)
{
	return !applies ? "-" : pass ? "PASS" : "FAIL";
}

static void
report(const struct result *r, FILE *json)
{
	bool change_applies = !strcmp(r->mode, "full") && r->n >= TARGET_CHANGE_N;
	bool mem_applies = r->n >= TARGET_MEM_N;
	bool change_ok = r->change_s < TARGET_CHANGE_S;
	bool mem_ok = r->mem_core_mb < TARGET_MEM_MB;

	printf("cp_scale: mode %s, %u nodes, %u hub(s)\n", r->mode, r->n, r->hubs);
	printf("  %-38s %12s  %s\n", "measure", "value", "target");
	if (!strcmp(r->mode, "full")) {
		printf("  %-38s %10.2f s\n", "convergence from cold start", r->converge_s);
		printf("  %-38s %10.3f s  < %.0f s at %u: %s\n", "record change reaches all nodes",
		       r->change_s, TARGET_CHANGE_S, TARGET_CHANGE_N,
		       verdict(change_applies, change_ok));
		printf("  %-38s %10.3f s\n", "CPU for that change (whole mesh)", r->change_cpu_s);
		printf("  %-38s %10.3f s\n", "new node reachable from all", r->join_s);
		printf("  %-38s %10.1f KB\n", "heap per node (all cores / N)",
		       r->mem_total_per_node_kb);
		printf("  %-38s %10.2f MB  < %.0f MB at %u: %s\n", "one hub core's own heap",
		       r->mem_core_mb, TARGET_MEM_MB, TARGET_MEM_N, verdict(mem_applies, mem_ok));
		if (r->idle_s > 0) {
			printf("  %-38s %10.0f B\n", "idle admin bytes/min per hub",
			       r->idle_hub_bpm);
			printf("  %-38s %10.0f B\n", "idle admin bytes/min per client",
			       r->idle_client_bpm);
		}
	} else {
		printf("  %-38s %10.2f s\n", "hub fed all nodes in", r->converge_s);
		printf("  %-38s %10.2f MB  < %.0f MB at %u: %s\n", "hub core heap (delta)",
		       r->mem_core_mb, TARGET_MEM_MB, TARGET_MEM_N, verdict(mem_applies, mem_ok));
		printf("  %-38s %10.1f KB\n", "per node (heap freed with the core)",
		       r->mem_total_per_node_kb);
	}
	fprintf(json,
	        "{\"mode\":\"%s\",\"nodes\":%u,\"hubs\":%u,\"converge_s\":%.3f,"
	        "\"change_s\":%.4f,\"change_cpu_s\":%.4f,\"join_s\":%.3f,"
	        "\"heap_per_node_kb\":%.2f,\"core_heap_mb\":%.3f,\"idle_window_s\":%.0f,"
	        "\"idle_hub_bytes_per_min\":%.0f,\"idle_client_bytes_per_min\":%.0f,"
	        "\"datagrams\":%llu,\"change_target\":\"%s\",\"memory_target\":\"%s\"}\n",
	        r->mode, r->n, r->hubs, r->converge_s, r->change_s, r->change_cpu_s, r->join_s,
	        r->mem_total_per_node_kb, r->mem_core_mb, r->idle_s, r->idle_hub_bpm,
	        r->idle_client_bpm, (unsigned long long)r->datagrams,
	        verdict(change_applies, change_ok), verdict(mem_applies, mem_ok));
}

int
main(int argc, char **argv)
{
	struct result r;
	const char *json_path = NULL;
	double idle_s = 0;
	unsigned batch = 100;
	bool verbose = false;
	FILE *json = stdout;
	int c, rc;

	memset(&r, 0, sizeof(r));
	r.mode = "full";
	r.n = 100;
	r.hubs = 2;
	while ((c = getopt(argc, argv, "m:n:H:b:i:j:v")) != -1) {
		switch (c) {
		case 'm':
			r.mode = strcmp(optarg, "hub") == 0 ? "hub" : "full";
			break;
		case 'n':
			r.n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'H':
			r.hubs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			batch = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			idle_s = strtod(optarg, NULL);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: cp_scale [-m full|hub] [-n N] [-H hubs] [-b batch] "
			                "[-i idle_s] [-j file] [-v]\n");
			return 2;
		}
	}
	if (r.n < 3 || r.n > 20000 || r.hubs < 1 || r.hubs > 50 || r.hubs >= r.n || batch < 1) {
		fprintf(stderr, "cp_scale: need 3 <= N <= 20000, 1 <= hubs < N, batch >= 1\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	log_init(verbose ? LOG_TO_STDERR : LOG_TO_NONE, 0, "cp_scale");
	loop = ev_default_loop(0);
	if (!strcmp(r.mode, "hub")) {
		r.hubs = 1;
		rc = run_hub(&r, verbose);
	} else {
		rc = run_full(&r, idle_s, batch, verbose);
	}
	if (rc < 0) {
		fprintf(stderr, "cp_scale: %s\n", strerror(-rc));
		return 1;
	}
	if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
		perror(json_path);
		return 1;
	}
	report(&r, json);
	if (json != stdout)
		fclose(json);
	return 0;
}
