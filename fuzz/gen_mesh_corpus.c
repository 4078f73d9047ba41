/*
 * gen_mesh_corpus: writes the seed corpus of fuzz_mesh into a directory:
 * one valid body of every message type (first byte: the type) and sealed
 * datagrams of a few (first byte 0xff) under the fuzz key.
 * Usage: gen_mesh_corpus DIR   (output is deterministic but for nonces).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proto/mesh.h"

static const uint8_t fuzz_key[SEAL_KEY_LEN] = "wgnm fuzz key, not a secret....";

static const char *dir;
static struct identity *a, *b;
static struct seal_keyring *kr;

static int
put(const char *name, uint8_t first, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	fputc(first, f);
	fwrite(p, 1, n, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int
emit(const char *name, const struct mesh_msg *m)
{
	uint8_t buf[SEAL_MAX_DATAGRAM];
	char sname[256];
	size_t len;
	static uint64_t counter = 1;

	if (mesh_encode(m, buf, sizeof(buf), &len) < 0 || put(name, m->type, buf, len) < 0)
		return -1;
	if (mesh_seal(kr, a, counter++, m, buf, sizeof(buf), &len) < 0)
		return -1;
	snprintf(sname, sizeof(sname), "sealed-%s", name);
	return put(sname, 0xff, buf, len);
}

static void
record(struct mesh_node_record *r, const struct identity *id, bool full)
{
	static const char *eps[] = {"192.168.1.10:51820", "[2001:db8::10]:51820"};
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->seq = 1ULL << 32 | 1;
	r->wg_port = 51820;
	r->admin_port = 55555;
	memcpy(r->wg_public, identity_wg_public(id), 32);
	if (full) {
		strcpy(r->name, "alice");
		r->flags = MESH_NODE_RELAY;
		ipaddr_parse(&r->addr, "10.1.1.1");
		r->ncandidates = 2;
		for (i = 0; i < 2; i++)
			endpoint_parse(&r->candidates[i], eps[i]);
	}
	mesh_record_sign(r, id);
}

int
main(int argc, char **argv)
{
	uint8_t seed[32];
	struct mesh_msg m;
	unsigned i;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	memset(seed, 1, sizeof(seed));
	identity_from_seed(&a, seed);
	memset(seed, 2, sizeof(seed));
	identity_from_seed(&b, seed);
	if (a == NULL || b == NULL || seal_keyring_new(&kr, fuzz_key) < 0)
		return 1;

	memset(&m, 0, sizeof(m));
	m.type = MESH_HELLO;
	m.hello.sync_id = 1;
	record(&m.hello.record, a, true);
	rc |= emit("hello", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_RECORDS;
	m.records.parts = 1;
	m.records.count = 2;
	record(&m.records.rec[0], a, true);
	record(&m.records.rec[1], b, false);
	rc |= emit("records", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_SUMMARY;
	m.summary.parts = 1;
	m.summary.count = 2;
	memcpy(m.summary.e[0].node_id, identity_node_id(a), 32);
	memcpy(m.summary.e[1].node_id, identity_node_id(b), 32);
	m.summary.e[0].record_seq = 5;
	rc |= emit("summary", &m);
	m.type = MESH_SYNC_REQUEST;
	rc |= emit("sync_request", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_LINK_STATE;
	m.ls.seq = 7;
	m.ls.nfrags = 2;
	m.ls.count = 2;
	memcpy(m.ls.n[0].node_id, identity_node_id(b), 32);
	m.ls.n[0].cost = 10;
	m.ls.n[0].flags = MESH_LS_LAN;
	memset(m.ls.n[1].node_id, 9, 32);
	m.ls.n[1].cost = 100;
	m.ls.n[1].flags = MESH_LS_GATEWAY;
	mesh_ls_sign(&m.ls, a);
	rc |= emit("link_state", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_PING;
	m.ping.token = 1234;
	m.ping.timestamp = 5678;
	rc |= emit("ping", &m);
	m.type = MESH_PONG;
	endpoint_parse(&m.pong.seen_admin, "203.0.113.5:40000");
	endpoint_parse(&m.pong.seen_wg, "[2001:db8::5]:40001");
	rc |= emit("pong", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_BYE;
	m.bye.record_seq = 9;
	mesh_bye_sign(&m.bye, a);
	rc |= emit("bye", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_PROBE;
	memcpy(m.probe.target, identity_node_id(b), 32);
	m.probe.token = 3;
	endpoint_parse(&m.probe.candidate, "192.168.1.20:51820");
	rc |= emit("probe", &m);
	memset(&m, 0, sizeof(m));
	m.type = MESH_PROBE_ACK;
	m.probe_ack.token = 3;
	endpoint_parse(&m.probe_ack.candidate, "192.168.1.20:51820");
	endpoint_parse(&m.probe_ack.seen, "192.168.1.10:55555");
	rc |= emit("probe_ack", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_PUNCH;
	memcpy(m.punch.target, identity_node_id(b), 32);
	m.punch.attempt = 1;
	m.punch.delay_ms = 200;
	endpoint_parse(&m.punch.reflexive_wg, "198.51.100.7:61000");
	m.punch.ncandidates = 2;
	for (i = 0; i < 2; i++)
		endpoint_parse(&m.punch.candidates[i], i ? "[fd00::1]:51820" : "10.0.0.1:51820");
	mesh_punch_sign(&m.punch, a);
	rc |= emit("punch", &m);

	memset(&m, 0, sizeof(m));
	m.type = MESH_CONFLICT;
	ipaddr_parse(&m.conflict.addr, "10.1.1.1");
	memcpy(m.conflict.holder, identity_node_id(a), 32);
	m.conflict.holder_seq = 1ULL << 32 | 1;
	memcpy(m.conflict.claimant, identity_node_id(b), 32);
	m.conflict.has_record = true;
	record(&m.conflict.holder_record, a, true);
	rc |= emit("conflict", &m);

	seal_keyring_free(kr);
	identity_free(a);
	identity_free(b);
	return rc == 0 ? 0 : 1;
}
