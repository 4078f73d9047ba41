/*
 * mesh: every message round-trips (full and empty optional parts, directly
 * and through seal/open); every decoder reject is pinned to its code, with
 * bytes patched at the offsets PROTOCOL.md documents; encoders refuse what
 * decoders reject; caps are enforced, never truncated; signed objects verify
 * when forwarded and fail when altered; link-state fragments reassemble.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/mesh.h"
#include "tests/tap.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct identity *alice, *bob, *carol;
static struct seal_keyring *kr;

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	ipaddr_parse(&a, s);
	return a;
}

static struct endpoint
ep(const char *s)
{
	struct endpoint e;

	memset(&e, 0, sizeof(e));
	endpoint_parse(&e, s);
	return e;
}

/* kind: 0 empty (no name, no address, no candidates), 1 mid (HELLO_MID layout), 2 full. */
static void
make_record(struct mesh_node_record *r, const struct identity *id, int kind)
{
	static const char *cands[] = {
	    "192.168.1.10:51820",         "[2001:db8::10]:51820", "10.0.0.7:51821",
	    "[fd00:1:2:3:4:5:6:7]:65535", "172.16.0.1:1",         "[2001:db8:ffff::1]:2",
	    "198.51.100.77:51820",        "203.0.113.99:40000",
	};
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->seq = 3ULL << 32 | 17;
	r->wg_port = 51820;
	r->admin_port = 55555;
	memcpy(r->wg_public, identity_wg_public(id), 32);
	if (kind == 1) {
		strcpy(r->name, "alice");
		r->addr = addr("10.1.1.1");
		r->ncandidates = 1;
		r->candidates[0] = ep(cands[0]);
	} else if (kind == 2) {
		strcpy(r->name, "node-with-a-32-character-name.x_");
		r->flags = MESH_NODE_MOBILE | MESH_NODE_RELAY | 0x8000;
		r->addr = addr("fd00:10:1::1:1");
		r->ncandidates = MESH_CANDIDATES_MAX;
		for (i = 0; i < MESH_CANDIDATES_MAX; i++)
			r->candidates[i] = ep(cands[i]);
	}
	mesh_record_sign(r, id);
}

static void
make_ls(struct mesh_link_state *ls, unsigned count)
{
	unsigned i;

	memset(ls, 0, sizeof(*ls));
	ls->seq = 1ULL << 32 | 5;
	ls->nfrags = 1;
	ls->count = (uint8_t)count;
	for (i = 0; i < count; i++) {
		memset(ls->n[i].node_id, (int)(i + 1), 32);
		ls->n[i].cost = (uint16_t)(10 * (i + 1));
		ls->n[i].flags = (uint8_t)(i % 16);
	}
	if (count >= 2) { /* offsets in PROTOCOL.md use bob then carol */
		memcpy(ls->n[0].node_id, identity_node_id(bob), 32);
		memcpy(ls->n[1].node_id, identity_node_id(carol), 32);
	}
	mesh_ls_sign(ls, alice);
}

enum {
	M_HELLO_EMPTY,
	M_HELLO_MID,
	M_HELLO_FULL,
	M_RECORDS_EMPTY,
	M_RECORDS_ONE,
	M_RECORDS_FULL,
	M_SUMMARY_EMPTY,
	M_SUMMARY_FULL,
	M_SYNC_EMPTY,
	M_SYNC_FULL,
	M_LS_EMPTY,
	M_LS_TWO,
	M_LS_FULL,
	M_LSS_ONE,
	M_LSS_MIXED,
	M_LSS_TEN,
	M_HASH_ONE,
	M_HASH_FULL,
	M_PING,
	M_PONG_EMPTY,
	M_PONG_FULL,
	M_BYE,
	M_PROBE,
	M_PROBE_ACK_EMPTY,
	M_PROBE_ACK_FULL,
	M_PUNCH_EMPTY,
	M_PUNCH_ONE,
	M_PUNCH_FULL,
	M_CONFLICT_EMPTY,
	M_CONFLICT_FULL,
	M_COUNT
};

static const char *const msg_names[M_COUNT] = {
    "HELLO empty record",
    "HELLO mid record",
    "HELLO full record",
    "RECORDS empty",
    "RECORDS one",
    "RECORDS three full",
    "SUMMARY empty",
    "SUMMARY 22 entries",
    "SYNC_REQUEST empty",
    "SYNC_REQUEST full",
    "LINK_STATE empty",
    "LINK_STATE two",
    "LINK_STATE 27",
    "LINK_STATES one full fragment",
    "LINK_STATES empty, two and 18",
    "LINK_STATES ten empty fragments",
    "SUMMARY_HASH one bucket",
    "SUMMARY_HASH 128 buckets",
    "PING",
    "PONG no endpoints",
    "PONG both endpoints",
    "BYE",
    "PROBE",
    "PROBE_ACK no seen",
    "PROBE_ACK seen",
    "PUNCH no endpoints",
    "PUNCH one candidate",
    "PUNCH full",
    "CONFLICT no record",
    "CONFLICT with record",
};

static struct mesh_msg msgs[M_COUNT];

static void
make_summary(struct mesh_msg *m, uint8_t type, unsigned count)
{
	unsigned i;

	m->type = type;
	m->summary.sync_id = 0x01020304;
	m->summary.part = count ? 1 : 0;
	m->summary.parts = count ? 2 : 1;
	m->summary.count = (uint8_t)count;
	for (i = 0; i < count; i++) {
		memset(m->summary.e[i].node_id, (int)i, 32);
		m->summary.e[i].record_seq = 1ULL << 32 | i;
		m->summary.e[i].ls_seq = 2ULL << 32 | i;
	}
}

static void
make_msgs(void)
{
	struct mesh_msg *m;
	unsigned i;

	memset(msgs, 0, sizeof(msgs));
	m = &msgs[M_HELLO_EMPTY];
	m->type = MESH_HELLO;
	make_record(&m->hello.record, alice, 0);
	m = &msgs[M_HELLO_MID];
	m->type = MESH_HELLO;
	make_record(&m->hello.record, alice, 1);
	m = &msgs[M_HELLO_FULL];
	m->type = MESH_HELLO;
	m->hello.flags = MESH_HELLO_REPLY;
	m->hello.sync_id = 0xdeadbeef;
	m->hello.known = 1234;
	memset(m->hello.digest, 0xab, sizeof(m->hello.digest));
	make_record(&m->hello.record, alice, 2);

	m = &msgs[M_RECORDS_EMPTY];
	m->type = MESH_RECORDS;
	m->records.parts = 1;
	m = &msgs[M_RECORDS_ONE];
	m->type = MESH_RECORDS;
	m->records.parts = 1;
	m->records.count = 1;
	make_record(&m->records.rec[0], bob, 0);
	m = &msgs[M_RECORDS_FULL];
	m->type = MESH_RECORDS;
	m->records.sync_id = 7;
	m->records.part = 2;
	m->records.parts = 3;
	m->records.count = 3;
	make_record(&m->records.rec[0], alice, 2);
	make_record(&m->records.rec[1], bob, 2);
	make_record(&m->records.rec[2], carol, 2);

	make_summary(&msgs[M_SUMMARY_EMPTY], MESH_SUMMARY, 0);
	make_summary(&msgs[M_SUMMARY_FULL], MESH_SUMMARY, MESH_SUMMARY_MAX);
	make_summary(&msgs[M_SYNC_EMPTY], MESH_SYNC_REQUEST, 0);
	make_summary(&msgs[M_SYNC_FULL], MESH_SYNC_REQUEST, MESH_SUMMARY_MAX);

	msgs[M_LS_EMPTY].type = MESH_LINK_STATE;
	make_ls(&msgs[M_LS_EMPTY].ls, 0);
	msgs[M_LS_TWO].type = MESH_LINK_STATE;
	make_ls(&msgs[M_LS_TWO].ls, 2);
	msgs[M_LS_FULL].type = MESH_LINK_STATE;
	make_ls(&msgs[M_LS_FULL].ls, MESH_LS_PER_FRAG);
	msgs[M_LSS_ONE].type = MESH_LINK_STATES;
	mesh_link_states_add(&msgs[M_LSS_ONE].lss, &msgs[M_LS_FULL].ls);
	msgs[M_LSS_MIXED].type = MESH_LINK_STATES;
	mesh_link_states_add(&msgs[M_LSS_MIXED].lss, &msgs[M_LS_EMPTY].ls);
	mesh_link_states_add(&msgs[M_LSS_MIXED].lss, &msgs[M_LS_TWO].ls);
	{
		struct mesh_link_state ls18;

		make_ls(&ls18, 18);
		is_int(mesh_link_states_add(&msgs[M_LSS_MIXED].lss, &ls18), 0,
		       "lss: empty, two and 18 fit");
	}
	msgs[M_HASH_ONE].type = MESH_SUMMARY_HASH;
	msgs[M_HASH_ONE].hash.sync_id = 7;
	msgs[M_HASH_ONE].hash.nbuckets = 1;
	msgs[M_HASH_FULL].type = MESH_SUMMARY_HASH;
	msgs[M_HASH_FULL].hash.sync_id = 0x80000009u;
	msgs[M_HASH_FULL].hash.known = 1000;
	memset(msgs[M_HASH_FULL].hash.digest, 0xd1, MESH_DIGEST_LEN);
	msgs[M_HASH_FULL].hash.nbuckets = MESH_HASH_BUCKETS_MAX;
	for (i = 0; i < MESH_HASH_BUCKETS_MAX; i++)
		msgs[M_HASH_FULL].hash.h[i] = 0x0123456789abcdefULL * (i + 1);
	msgs[M_LSS_TEN].type = MESH_LINK_STATES;
	for (i = 0; i < MESH_LS_BATCH_MAX; i++)
		mesh_link_states_add(&msgs[M_LSS_TEN].lss, &msgs[M_LS_EMPTY].ls);

	m = &msgs[M_PING];
	m->type = MESH_PING;
	m->ping.token = 0x1122334455667788ULL;
	m->ping.timestamp = 987654321;
	m = &msgs[M_PONG_EMPTY];
	m->type = MESH_PONG;
	m->pong.token = 1;
	m = &msgs[M_PONG_FULL];
	m->type = MESH_PONG;
	m->pong.token = 0x1122334455667788ULL;
	m->pong.timestamp = 987654321;
	m->pong.seen_admin = ep("203.0.113.5:40000");
	m->pong.seen_wg = ep("[2001:db8::5]:40001");

	m = &msgs[M_BYE];
	m->type = MESH_BYE;
	m->bye.record_seq = 3ULL << 32 | 17;
	m->bye.reason = MESH_BYE_LEAVE;
	mesh_bye_sign(&m->bye, alice);

	m = &msgs[M_PROBE];
	m->type = MESH_PROBE;
	memcpy(m->probe.target, identity_node_id(bob), 32);
	m->probe.token = 42;
	m->probe.path_id = 3;
	m->probe.candidate = ep("192.168.1.20:51820");
	m = &msgs[M_PROBE_ACK_EMPTY];
	m->type = MESH_PROBE_ACK;
	m->probe_ack.token = 42;
	m->probe_ack.candidate = ep("[fd00::20]:51820");
	m = &msgs[M_PROBE_ACK_FULL];
	m->type = MESH_PROBE_ACK;
	m->probe_ack.token = 42;
	m->probe_ack.path_id = 3;
	m->probe_ack.candidate = ep("192.168.1.20:51820");
	m->probe_ack.seen = ep("192.168.1.10:55555");

	m = &msgs[M_PUNCH_EMPTY];
	m->type = MESH_PUNCH;
	memcpy(m->punch.target, identity_node_id(bob), 32);
	m->punch.attempt = 1ULL << 32 | 1;
	mesh_punch_sign(&m->punch, alice);
	m = &msgs[M_PUNCH_ONE];
	m->type = MESH_PUNCH;
	memcpy(m->punch.target, identity_node_id(bob), 32);
	m->punch.attempt = 1ULL << 32 | 2;
	m->punch.delay_ms = 250;
	m->punch.reflexive_wg = ep("198.51.100.7:61000");
	m->punch.ncandidates = 1;
	m->punch.candidates[0] = ep("192.168.1.10:51820");
	mesh_punch_sign(&m->punch, alice);
	m = &msgs[M_PUNCH_FULL];
	m->type = MESH_PUNCH;
	memcpy(m->punch.target, identity_node_id(bob), 32);
	m->punch.attempt = 1ULL << 32 | 3;
	m->punch.delay_ms = 65535;
	m->punch.reflexive_wg = ep("[2001:db8::7]:61000");
	m->punch.ncandidates = MESH_CANDIDATES_MAX;
	for (i = 0; i < MESH_CANDIDATES_MAX; i++)
		m->punch.candidates[i] = msgs[M_HELLO_FULL].hello.record.candidates[i];
	mesh_punch_sign(&m->punch, alice);

	m = &msgs[M_CONFLICT_EMPTY];
	m->type = MESH_CONFLICT;
	m->conflict.addr = addr("fd00:10:1::1:1");
	memcpy(m->conflict.holder, identity_node_id(alice), 32);
	m->conflict.holder_seq = 3ULL << 32 | 17;
	memcpy(m->conflict.claimant, identity_node_id(carol), 32);
	m->conflict.claimant_seq = 9;
	m = &msgs[M_CONFLICT_FULL];
	m->type = MESH_CONFLICT;
	m->conflict.addr = addr("10.1.1.1");
	memcpy(m->conflict.holder, identity_node_id(alice), 32);
	m->conflict.holder_seq = 3ULL << 32 | 17;
	memcpy(m->conflict.claimant, identity_node_id(carol), 32);
	m->conflict.claimant_seq = 9;
	m->conflict.has_record = true;
	make_record(&m->conflict.holder_record, alice, 1);
}

static void
test_round_trips(void)
{
	uint8_t buf[SEAL_MAX_BODY + 1], buf2[SEAL_MAX_BODY], dg[SEAL_MAX_DATAGRAM];
	struct seal_opened o;
	struct mesh_msg d;
	size_t i, len, len2, dlen, n, bad;
	int rc;

	for (i = 0; i < M_COUNT; i++) {
		rc = mesh_encode(&msgs[i], buf, sizeof(buf), &len);
		is_int(rc, 0, "%s: encodes", msg_names[i]);
		rc = mesh_decode(&d, msgs[i].type, buf, len);
		is_int(rc, 0, "%s: decodes", msg_names[i]);
		rc = mesh_encode(&d, buf2, sizeof(buf2), &len2);
		ok(rc == 0 && len2 == len && memcmp(buf, buf2, len) == 0,
		   "%s: decoded message re-encodes to the same %zu bytes", msg_names[i], len);

		rc = mesh_seal(kr, bob, 100 + i, &msgs[i], dg, sizeof(dg), &dlen);
		ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "%s: seals into %zu <= %d bytes",
		   msg_names[i], dlen, SEAL_MAX_DATAGRAM);
		rc = seal_open(kr, NULL, dg, dlen, &o);
		if (rc == 0)
			rc = mesh_decode(&d, o.type, o.body, o.body_len);
		if (rc == 0)
			rc = mesh_encode(&d, buf2, sizeof(buf2), &len2);
		ok(rc == 0 && o.type == msgs[i].type && len2 == len && memcmp(buf, buf2, len) == 0,
		   "%s: through seal/open it is the same message", msg_names[i]);

		for (n = 0, bad = 0; n < len; n++) {
			rc = mesh_decode(&d, msgs[i].type, buf, n);
			if (rc != -EBADMSG) {
				diag("%s truncated to %zu: %d", msg_names[i], n, rc);
				bad++;
			}
		}
		is_int(bad, 0, "%s: truncated at each of %zu offsets is -EBADMSG", msg_names[i],
		       len);
		buf[len] = 0;
		is_int(mesh_decode(&d, msgs[i].type, buf, len + 1), -EBADMSG,
		       "%s: a trailing byte is -EBADMSG", msg_names[i]);
	}

	/* Decoded fields, spot checks against the builders. */
	mesh_encode(&msgs[M_HELLO_FULL], buf, sizeof(buf), &len);
	mesh_decode(&d, MESH_HELLO, buf, len);
	{
		const struct mesh_node_record *r = &d.hello.record;
		char s[ENDPOINT_STRLEN];

		is_str(r->name, "node-with-a-32-character-name.x_", "HELLO: name");
		is_int(r->flags, MESH_NODE_MOBILE | MESH_NODE_RELAY | 0x8000,
		       "HELLO: flags, unknown bit kept");
		is_str(ipaddr_fmt(&r->addr, s, sizeof(s)), "fd00:10:1::1:1", "HELLO: address");
		is_int(r->ncandidates, 8, "HELLO: 8 candidates");
		is_str(endpoint_fmt(&r->candidates[3], s, sizeof(s)), "[fd00:1:2:3:4:5:6:7]:65535",
		       "HELLO: candidate 3");
		ok(memcmp(r->node_id, identity_node_id(alice), 32) == 0 &&
		       memcmp(r->wg_public, identity_wg_public(alice), 32) == 0,
		   "HELLO: node id and WireGuard key");
		ok(d.hello.sync_id == 0xdeadbeef && d.hello.known == 1234 &&
		       d.hello.flags == MESH_HELLO_REPLY && d.hello.digest[31] == 0xab,
		   "HELLO: sync id, known, flags, digest");
	}
	mesh_encode(&msgs[M_PONG_FULL], buf, sizeof(buf), &len);
	mesh_decode(&d, MESH_PONG, buf, len);
	{
		char s[ENDPOINT_STRLEN];

		ok(d.pong.token == 0x1122334455667788ULL && d.pong.timestamp == 987654321,
		   "PONG: token and timestamp echoed");
		is_str(endpoint_fmt(&d.pong.seen_wg, s, sizeof(s)), "[2001:db8::5]:40001",
		       "PONG: reflexive WireGuard endpoint");
		is_str(endpoint_fmt(&d.pong.seen_admin, s, sizeof(s)), "203.0.113.5:40000",
		       "PONG: reflexive admin endpoint");
	}
	is_int(mesh_encode(&msgs[M_PING], buf, 15, &len), -EMSGSIZE,
	       "encode: buffer one byte short is -EMSGSIZE");
	is_str(mesh_type_name(MESH_PUNCH), "PUNCH", "type name");
	is_str(mesh_type_name(0x7f), "unknown", "unknown type name");
}

/* Decoder rejects: a valid message with bytes patched at documented offsets. */
static const struct {
	const char *name;
	int msg;
	size_t off[2];
	uint8_t val[2]; /* val written at off (second only when off[1] != 0) */
	bool xor ;      /* flip: val is XORed in instead of written */
	int rc;
} patches[] = {
    {"record name length 33", M_HELLO_MID, {83}, {33}, false, -E2BIG},
    {"record name with a space", M_HELLO_MID, {84}, {' '}, false, -EINVAL},
    {"record name with a NUL", M_HELLO_MID, {86}, {0}, false, -EINVAL},
    {"record name with DEL", M_HELLO_MID, {88}, {0x7f}, false, -EINVAL},
    {"record address family 5", M_HELLO_MID, {89}, {5}, false, -EINVAL},
    {"record WireGuard port 0", M_HELLO_MID, {126, 127}, {0, 0}, false, -EINVAL},
    {"record admin port 0", M_HELLO_MID, {128, 129}, {0, 0}, false, -EINVAL},
    {"record 9 candidates", M_HELLO_MID, {130}, {9}, false, -E2BIG},
    {"record 255 candidates", M_HELLO_MID, {130}, {255}, false, -E2BIG},
    {"record candidate without address", M_HELLO_MID, {131}, {0}, false, -EINVAL},
    {"record candidate port 0", M_HELLO_MID, {136, 137}, {0, 0}, false, -EINVAL},
    {"record seq altered", M_HELLO_MID, {80}, {1}, true, -EPERM},
    {"record flags altered", M_HELLO_MID, {82}, {MESH_NODE_LEAVING}, true, -EPERM},
    {"record name altered", M_HELLO_MID, {84}, {2}, true, -EPERM},
    {"record address altered", M_HELLO_MID, {93}, {1}, true, -EPERM},
    {"record WireGuard key altered", M_HELLO_MID, {100}, {1}, true, -EPERM},
    {"record candidate altered", M_HELLO_MID, {137}, {1}, true, -EPERM},
    {"record signature altered", M_HELLO_MID, {150}, {0x80}, true, -EPERM},
    {"record node id altered", M_HELLO_MID, {41}, {1}, true, -EPERM},
    {"RECORDS 8 records", M_RECORDS_ONE, {8}, {8}, false, -E2BIG},
    {"RECORDS part 1 of 1", M_RECORDS_ONE, {5}, {1}, false, -EINVAL},
    {"RECORDS 0 parts", M_RECORDS_ONE, {7}, {0}, false, -EINVAL},
    {"RECORDS record seq altered", M_RECORDS_ONE, {41}, {1}, true, -EPERM},
    {"SUMMARY 23 entries", M_SUMMARY_FULL, {8}, {23}, false, -E2BIG},
    {"SUMMARY part 2 of 2", M_SUMMARY_FULL, {5}, {2}, false, -EINVAL},
    {"SUMMARY 0 parts", M_SUMMARY_EMPTY, {7}, {0}, false, -EINVAL},
    {"SYNC_REQUEST 255 entries", M_SYNC_FULL, {8}, {255}, false, -E2BIG},
    {"LINK_STATE 28 neighbours", M_LS_TWO, {42}, {28}, false, -E2BIG},
    {"LINK_STATE 0 fragments", M_LS_TWO, {41}, {0}, false, -EINVAL},
    {"LINK_STATE 129 fragments", M_LS_TWO, {41}, {129}, false, -E2BIG},
    {"LINK_STATE fragment 1 of 1", M_LS_TWO, {40}, {1}, false, -EINVAL},
    {"LINK_STATE cost 0", M_LS_TWO, {75, 76}, {0, 0}, false, -EINVAL},
    {"LINK_STATE seq altered", M_LS_TWO, {39}, {1}, true, -EPERM},
    {"LINK_STATE cost altered", M_LS_TWO, {111}, {1}, true, -EPERM},
    {"LINK_STATE flags altered", M_LS_TWO, {112}, {4}, true, -EPERM},
    {"LINK_STATE signature altered", M_LS_TWO, {176}, {1}, true, -EPERM},
    {"PONG admin family 9", M_PONG_FULL, {16}, {9}, false, -EINVAL},
    {"PONG admin port 0", M_PONG_FULL, {21, 22}, {0, 0}, false, -EINVAL},
    {"PONG no address with a port", M_PONG_EMPTY, {18}, {1}, false, -EINVAL},
    {"BYE seq altered", M_BYE, {39}, {1}, true, -EPERM},
    {"BYE reason altered", M_BYE, {40}, {1}, true, -EPERM},
    {"BYE signature altered", M_BYE, {41}, {1}, true, -EPERM},
    {"PROBE candidate without address", M_PROBE, {44}, {0}, false, -EINVAL},
    {"PROBE candidate port 0", M_PROBE, {49, 50}, {0, 0}, false, -EINVAL},
    {"PROBE_ACK seen port 0", M_PROBE_ACK_FULL, {24, 25}, {0, 0}, false, -EINVAL},
    {"PUNCH 9 candidates", M_PUNCH_ONE, {81}, {9}, false, -E2BIG},
    {"PUNCH reflexive family 1", M_PUNCH_ONE, {74}, {1}, false, -EINVAL},
    {"PUNCH attempt altered by the relay", M_PUNCH_ONE, {71}, {1}, true, -EPERM},
    {"PUNCH delay altered by the relay", M_PUNCH_ONE, {73}, {1}, true, -EPERM},
    {"PUNCH reflexive endpoint altered", M_PUNCH_ONE, {80}, {1}, true, -EPERM},
    {"PUNCH target altered", M_PUNCH_ONE, {40}, {1}, true, -EPERM},
    {"CONFLICT has_record 2", M_CONFLICT_FULL, {85}, {2}, false, -EINVAL},
    {"CONFLICT address not the record's", M_CONFLICT_FULL, {4}, {3}, true, -EINVAL},
    {"CONFLICT holder seq not the record's", M_CONFLICT_FULL, {44}, {1}, true, -EINVAL},
    {"CONFLICT holder not the record's", M_CONFLICT_FULL, {5}, {1}, true, -EINVAL},
    {"CONFLICT record altered", M_CONFLICT_FULL, {86 + 45}, {1}, true, -EPERM},
    {"CONFLICT address family 5", M_CONFLICT_EMPTY, {0}, {5}, false, -EINVAL},
};

static void
test_decode_rejects(void)
{
	uint8_t buf[SEAL_MAX_BODY + 1];
	struct mesh_msg d;
	size_t i, j, len;

	for (i = 0; i < N_ELEM(patches); i++) {
		mesh_encode(&msgs[patches[i].msg], buf, sizeof(buf), &len);
		for (j = 0; j < 2; j++) {
			if (j == 1 && patches[i].off[1] == 0)
				break;
			if (patches[i].xor)
				buf[patches[i].off[j]] ^= patches[i].val[j];
			else
				buf[patches[i].off[j]] = patches[i].val[j];
		}
		is_int(mesh_decode(&d, msgs[patches[i].msg].type, buf, len), patches[i].rc,
		       "decode reject: %s is %d", patches[i].name, patches[i].rc);
	}
	is_int(mesh_decode(&d, 0x7f, buf, 4), -EOPNOTSUPP, "decode reject: type 0x7f unknown");
	is_int(mesh_decode(&d, 0, buf, 0), -EOPNOTSUPP, "decode reject: type 0 unknown");
	is_int(mesh_decode(&d, MESH_PING, NULL, 0), -EBADMSG, "decode reject: empty PING body");
}

/* Encoder rejects: a valid message with one field made invalid. */
enum mut {
	X_NAME_33,
	X_NAME_SPACE,
	X_NAME_CTRL,
	X_NCAND_9,
	X_CAND_UNSPEC,
	X_CAND_PORT0,
	X_WGPORT0,
	X_ADMINPORT0,
	X_FAMILY_UNIX,
	X_RECORDS_8,
	X_RECORDS_PART,
	X_RECORDS_TOO_BIG,
	X_SUMMARY_23,
	X_SUMMARY_PARTS0,
	X_LS_28,
	X_LS_NFRAGS0,
	X_LS_NFRAGS129,
	X_LS_FRAG_OOR,
	X_LS_SELF,
	X_LS_DUP,
	X_LS_COST0,
	X_PONG_UNSPEC_PORT,
	X_PROBE_UNSPEC,
	X_PROBE_ACK_PORT0,
	X_PUNCH_SELF,
	X_PUNCH_NCAND_9,
	X_PUNCH_REFL_PORT0,
	X_CONFLICT_UNSPEC,
	X_CONFLICT_SAME,
	X_CONFLICT_WRONG_RECORD,
	X_UNKNOWN_TYPE,
};

static const struct {
	const char *name;
	int msg;
	enum mut mut;
	int rc;
} mutations[] = {
    {"name of 33 characters", M_HELLO_MID, X_NAME_33, -E2BIG},
    {"name with a space", M_HELLO_MID, X_NAME_SPACE, -EINVAL},
    {"name with a control character", M_HELLO_MID, X_NAME_CTRL, -EINVAL},
    {"9 candidates", M_HELLO_MID, X_NCAND_9, -E2BIG},
    {"candidate without address", M_HELLO_MID, X_CAND_UNSPEC, -EINVAL},
    {"candidate port 0", M_HELLO_MID, X_CAND_PORT0, -EINVAL},
    {"WireGuard port 0", M_HELLO_MID, X_WGPORT0, -EINVAL},
    {"admin port 0", M_HELLO_MID, X_ADMINPORT0, -EINVAL},
    {"overlay address AF_UNIX", M_HELLO_MID, X_FAMILY_UNIX, -EINVAL},
    {"RECORDS with 8 records", M_RECORDS_ONE, X_RECORDS_8, -E2BIG},
    {"RECORDS part 3 of 3", M_RECORDS_FULL, X_RECORDS_PART, -EINVAL},
    {"RECORDS with 4 full records", M_RECORDS_FULL, X_RECORDS_TOO_BIG, -EMSGSIZE},
    {"SUMMARY with 23 entries", M_SUMMARY_FULL, X_SUMMARY_23, -E2BIG},
    {"SUMMARY of 0 parts", M_SUMMARY_FULL, X_SUMMARY_PARTS0, -EINVAL},
    {"LINK_STATE with 28 neighbours", M_LS_TWO, X_LS_28, -E2BIG},
    {"LINK_STATE of 0 fragments", M_LS_TWO, X_LS_NFRAGS0, -EINVAL},
    {"LINK_STATE of 129 fragments", M_LS_TWO, X_LS_NFRAGS129, -E2BIG},
    {"LINK_STATE fragment 1 of 1", M_LS_TWO, X_LS_FRAG_OOR, -EINVAL},
    {"LINK_STATE origin as its own neighbour", M_LS_TWO, X_LS_SELF, -EINVAL},
    {"LINK_STATE neighbour twice", M_LS_TWO, X_LS_DUP, -EINVAL},
    {"LINK_STATE cost 0", M_LS_TWO, X_LS_COST0, -EINVAL},
    {"PONG no address but a port", M_PONG_EMPTY, X_PONG_UNSPEC_PORT, -EINVAL},
    {"PROBE candidate without address", M_PROBE, X_PROBE_UNSPEC, -EINVAL},
    {"PROBE_ACK candidate port 0", M_PROBE_ACK_FULL, X_PROBE_ACK_PORT0, -EINVAL},
    {"PUNCH requester is the target", M_PUNCH_ONE, X_PUNCH_SELF, -EINVAL},
    {"PUNCH with 9 candidates", M_PUNCH_ONE, X_PUNCH_NCAND_9, -E2BIG},
    {"PUNCH reflexive port 0", M_PUNCH_ONE, X_PUNCH_REFL_PORT0, -EINVAL},
    {"CONFLICT without address", M_CONFLICT_EMPTY, X_CONFLICT_UNSPEC, -EINVAL},
    {"CONFLICT holder is the claimant", M_CONFLICT_EMPTY, X_CONFLICT_SAME, -EINVAL},
    {"CONFLICT record of another node", M_CONFLICT_FULL, X_CONFLICT_WRONG_RECORD, -EINVAL},
    {"unknown type", M_PING, X_UNKNOWN_TYPE, -EOPNOTSUPP},
};

static void
mutate(struct mesh_msg *m, enum mut mut)
{
	struct mesh_node_record *r = &m->hello.record;

	switch (mut) {
	case X_NAME_33:
		memset(r->name, 'a', sizeof(r->name)); /* no NUL in 33 bytes */
		break;
	case X_NAME_SPACE:
		strcpy(r->name, "a b");
		break;
	case X_NAME_CTRL:
		strcpy(r->name, "a\033b");
		break;
	case X_NCAND_9:
		r->ncandidates = 9;
		break;
	case X_CAND_UNSPEC:
		r->candidates[0].addr.family = AF_UNSPEC;
		break;
	case X_CAND_PORT0:
		r->candidates[0].port = 0;
		break;
	case X_WGPORT0:
		r->wg_port = 0;
		break;
	case X_ADMINPORT0:
		r->admin_port = 0;
		break;
	case X_FAMILY_UNIX:
		r->addr.family = AF_UNIX;
		break;
	case X_RECORDS_8:
		m->records.count = 8;
		break;
	case X_RECORDS_PART:
		m->records.part = 3;
		break;
	case X_RECORDS_TOO_BIG:
		m->records.count = 4;
		m->records.rec[3] = m->records.rec[0];
		break;
	case X_SUMMARY_23:
		m->summary.count = 23;
		break;
	case X_SUMMARY_PARTS0:
		m->summary.parts = 0;
		break;
	case X_LS_28:
		m->ls.count = 28;
		break;
	case X_LS_NFRAGS0:
		m->ls.nfrags = 0;
		break;
	case X_LS_NFRAGS129:
		m->ls.nfrags = 129;
		break;
	case X_LS_FRAG_OOR:
		m->ls.frag = 1;
		break;
	case X_LS_SELF:
		memcpy(m->ls.n[1].node_id, m->ls.origin, 32);
		break;
	case X_LS_DUP:
		memcpy(m->ls.n[1].node_id, m->ls.n[0].node_id, 32);
		break;
	case X_LS_COST0:
		m->ls.n[0].cost = 0;
		break;
	case X_PONG_UNSPEC_PORT:
		m->pong.seen_wg.port = 5;
		break;
	case X_PROBE_UNSPEC:
		m->probe.candidate.addr.family = AF_UNSPEC;
		m->probe.candidate.port = 0;
		break;
	case X_PROBE_ACK_PORT0:
		m->probe_ack.candidate.port = 0;
		break;
	case X_PUNCH_SELF:
		memcpy(m->punch.target, m->punch.requester, 32);
		break;
	case X_PUNCH_NCAND_9:
		m->punch.ncandidates = 9;
		break;
	case X_PUNCH_REFL_PORT0:
		m->punch.reflexive_wg.port = 0;
		break;
	case X_CONFLICT_UNSPEC:
		m->conflict.addr.family = AF_UNSPEC;
		break;
	case X_CONFLICT_SAME:
		memcpy(m->conflict.claimant, m->conflict.holder, 32);
		break;
	case X_CONFLICT_WRONG_RECORD:
		make_record(&m->conflict.holder_record, bob, 1);
		break;
	case X_UNKNOWN_TYPE:
		m->type = 0x7f;
		break;
	}
}

static void
test_encode_rejects(void)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct mesh_msg m;
	size_t i, len;

	for (i = 0; i < N_ELEM(mutations); i++) {
		m = msgs[mutations[i].msg];
		mutate(&m, mutations[i].mut);
		is_int(mesh_encode(&m, buf, sizeof(buf), &len), mutations[i].rc,
		       "encode reject: %s is %d", mutations[i].name, mutations[i].rc);
	}
	/* The signing helpers check fields the same way. */
	m = msgs[M_HELLO_MID];
	mutate(&m, X_NCAND_9);
	is_int(mesh_record_sign(&m.hello.record, alice), -E2BIG, "sign: record over cap refused");
	m = msgs[M_LS_TWO];
	mutate(&m, X_LS_DUP);
	is_int(mesh_ls_sign(&m.ls, alice), -EINVAL, "sign: invalid link state refused");
	m = msgs[M_PUNCH_ONE];
	memcpy(m.punch.target, identity_node_id(alice), 32);
	is_int(mesh_punch_sign(&m.punch, alice), -EINVAL, "sign: PUNCH to oneself refused");
}

static void
test_caps_and_signatures(void)
{
	struct mesh_node_record recs[MESH_RECORDS_MAX + 1], full;
	uint8_t buf[SEAL_MAX_BODY], dg[SEAL_MAX_DATAGRAM];
	struct seal_opened o;
	struct mesh_msg m, d;
	size_t i, len, dlen;
	int rc;

	/* Minimal records: 7 per message, the cap; an 8th does not fit. */
	for (i = 0; i < N_ELEM(recs); i++)
		make_record(&recs[i], i % 2 ? bob : carol, 0);
	is_int(mesh_record_len(&recs[0]), 145, "records: minimal record is 145 bytes");
	is_int(mesh_records_fit(recs, N_ELEM(recs)), MESH_RECORDS_MAX,
	       "records: 7 minimal records fit one message");
	memset(&m, 0, sizeof(m));
	m.type = MESH_RECORDS;
	m.records.parts = 1;
	m.records.count = MESH_RECORDS_MAX;
	memcpy(m.records.rec, recs, sizeof(m.records.rec));
	rc = mesh_seal(kr, bob, 1, &m, dg, sizeof(dg), &dlen);
	ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "records: 7 minimal records seal (%zu bytes)",
	   dlen);
	make_record(&full, alice, 2);
	for (i = 0; i < MESH_CANDIDATES_MAX; i++)
		full.candidates[i] = ep("[2001:db8::1]:9");
	mesh_record_sign(&full, alice);
	is_int(mesh_record_len(&full), 345, "records: largest record is 345 bytes");
	for (i = 0; i < 4; i++)
		recs[i] = full;
	is_int(mesh_records_fit(recs, 4), 3, "records: 3 largest records fit one message");
	is_int(mesh_records_fit(recs, 0), 0, "records: nothing fits nothing");
	mesh_encode(&msgs[M_HELLO_MID], buf, sizeof(buf), &len);
	is_int(mesh_record_len(&msgs[M_HELLO_MID].hello.record), len - 41,
	       "records: mesh_record_len matches the encoding");

	/* A record forwarded by bob to carol still verifies as alice's. */
	memset(&m, 0, sizeof(m));
	m.type = MESH_RECORDS;
	m.records.parts = 1;
	m.records.count = 1;
	m.records.rec[0] = msgs[M_HELLO_FULL].hello.record;
	mesh_seal(kr, bob, 2, &m, dg, sizeof(dg), &dlen);
	rc = seal_open(kr, NULL, dg, dlen, &o);
	if (rc == 0)
		rc = mesh_decode(&d, o.type, o.body, o.body_len);
	ok(rc == 0 && memcmp(o.hdr.sender, identity_node_id(bob), 32) == 0 &&
	       memcmp(d.records.rec[0].node_id, identity_node_id(alice), 32) == 0,
	   "forwarding: alice's record relayed by bob decodes and verifies");
	is_int(mesh_record_verify(&d.records.rec[0]), 0,
	       "forwarding: mesh_record_verify accepts it");
	d.records.rec[0].admin_port++;
	is_int(mesh_record_verify(&d.records.rec[0]), -EPERM,
	       "forwarding: altered admin port fails verification");
	d.records.rec[0].admin_port--;
	d.records.rec[0].flags |= MESH_NODE_LEAVING;
	is_int(mesh_record_verify(&d.records.rec[0]), -EPERM,
	       "forwarding: added LEAVING flag fails verification");
	d.records.rec[0].flags &= (uint16_t)~MESH_NODE_LEAVING;
	memcpy(d.records.rec[0].node_id, identity_node_id(bob), 32);
	is_int(mesh_record_verify(&d.records.rec[0]), -EPERM,
	       "forwarding: record claimed by another id fails verification");
	/* bob re-signs alice's record as his own: valid, but no longer alice's. */
	m.records.rec[0] = msgs[M_HELLO_FULL].hello.record;
	mesh_record_sign(&m.records.rec[0], bob);
	ok(memcmp(m.records.rec[0].node_id, identity_node_id(bob), 32) == 0,
	   "forwarding: signing sets the signer as the node id");
	/* An altered field through the encoder: the decoder catches it. */
	m = msgs[M_HELLO_FULL];
	m.hello.record.seq++;
	mesh_encode(&m, buf, sizeof(buf), &len);
	is_int(mesh_decode(&d, MESH_HELLO, buf, len), -EPERM,
	       "altered record seq in a HELLO is -EPERM");
	m = msgs[M_PUNCH_FULL];
	m.punch.candidates[7].port++;
	mesh_encode(&m, buf, sizeof(buf), &len);
	is_int(mesh_decode(&d, MESH_PUNCH, buf, len), -EPERM, "altered PUNCH candidate is -EPERM");
	m = msgs[M_BYE];
	memcpy(m.bye.node_id, identity_node_id(bob), 32);
	mesh_encode(&m, buf, sizeof(buf), &len);
	is_int(mesh_decode(&d, MESH_BYE, buf, len), -EPERM,
	       "BYE claimed for another node is -EPERM");

	/*
	 * mesh_decode_lazy: records and link state decode unverified (the
	 * receiver verifies them when new); everything else as mesh_decode.
	 */
	{
		static const struct {
			int msg;
			int rc;
			const char *what;
		} lazy[] = {
		    {M_HELLO_FULL, 0, "HELLO with an altered record"},
		    {M_RECORDS_FULL, 0, "RECORDS with an altered record"},
		    {M_LS_FULL, 0, "LINK_STATE altered"},
		    {M_PUNCH_FULL, -EPERM, "PUNCH altered"},
		    {M_BYE, -EPERM, "BYE altered"},
		    {M_CONFLICT_FULL, -EPERM, "CONFLICT with an altered proof"},
		};
		struct mesh_node_record r0;

		for (i = 0; i < sizeof(lazy) / sizeof(lazy[0]); i++) {
			m = msgs[lazy[i].msg];
			switch (m.type) {
			case MESH_HELLO:
				m.hello.record.seq++;
				break;
			case MESH_RECORDS:
				m.records.rec[1].seq++;
				break;
			case MESH_LINK_STATE:
				m.ls.n[3].cost++;
				break;
			case MESH_PUNCH:
				m.punch.attempt++;
				break;
			case MESH_BYE:
				m.bye.record_seq++;
				break;
			case MESH_CONFLICT:
				m.conflict.holder_record.wg_port++;
				break;
			}
			mesh_encode(&m, buf, sizeof(buf), &len);
			is_int(mesh_decode_lazy(&d, m.type, buf, len), lazy[i].rc,
			       "lazy decode: %s", lazy[i].what);
			if (lazy[i].rc == 0)
				is_int(mesh_decode(&d, m.type, buf, len), -EPERM,
				       "strict decode: %s is -EPERM", lazy[i].what);
		}
		/* what the lazy decoder hands over is what the receiver verifies */
		mesh_encode(&msgs[M_RECORDS_FULL], buf, sizeof(buf), &len);
		mesh_decode_lazy(&d, MESH_RECORDS, buf, len);
		is_int(mesh_record_verify(&d.records.rec[1]), 0,
		       "lazy decode: an intact record verifies");
		ok(mesh_record_same(&d.records.rec[1], &msgs[M_RECORDS_FULL].records.rec[1]),
		   "record_same: the decoded copy is the same");
		r0 = d.records.rec[1];
		r0.name[0] ^= 1;
		ok(!mesh_record_same(&r0, &d.records.rec[1]), "record_same: a name byte differs");
		r0 = d.records.rec[1];
		r0.sig[63] ^= 1;
		ok(!mesh_record_same(&r0, &d.records.rec[1]), "record_same: a signature differs");
		mesh_encode(&msgs[M_LS_FULL], buf, sizeof(buf), &len);
		mesh_decode_lazy(&d, MESH_LINK_STATE, buf, len);
		is_int(mesh_ls_verify(&d.ls), 0, "lazy decode: an intact fragment verifies");
		d.ls.n[26].flags ^= MESH_LS_NAT;
		is_int(mesh_ls_verify(&d.ls), -EPERM, "ls_verify: an altered flag is -EPERM");
		d.ls.n[26].flags ^= MESH_LS_NAT;
		d.ls.n[0].cost = 0;
		is_int(mesh_ls_verify(&d.ls), -EINVAL, "ls_verify: cost 0 is -EINVAL");
	}

	/* Largest SUMMARY and LINK_STATE fit one datagram. */
	rc = mesh_seal(kr, alice, 3, &msgs[M_SUMMARY_FULL], dg, sizeof(dg), &dlen);
	ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "caps: SUMMARY of 22 seals in %zu bytes", dlen);
	rc = mesh_seal(kr, alice, 4, &msgs[M_LS_FULL], dg, sizeof(dg), &dlen);
	ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "caps: LINK_STATE of 27 seals in %zu bytes", dlen);
	rc = mesh_seal(kr, alice, 5, &msgs[M_HELLO_FULL], dg, sizeof(dg), &dlen);
	ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "caps: HELLO with the largest record, %zu bytes",
	   dlen);
	rc = mesh_seal(kr, alice, 6, &msgs[M_PUNCH_FULL], dg, sizeof(dg), &dlen);
	ok(rc == 0 && dlen <= SEAL_MAX_DATAGRAM, "caps: PUNCH with 8 candidates, %zu bytes", dlen);
}

/* Link-state tables and reassembly. */
#define LS_N 60 /* 3 fragments: 27 + 27 + 6 */

static struct mesh_ls_neighbour table[MESH_LS_MAX_NEIGHBOURS + 1];

static void
make_table(size_t n, uint8_t salt)
{
	size_t i;

	memset(table, 0, sizeof(table));
	for (i = 0; i < n; i++) {
		/* Descending ids so the assembled (sorted) table differs in order. */
		table[i].node_id[0] = (uint8_t)(0xf0 - i / 256);
		table[i].node_id[1] = (uint8_t)(255 - i % 256);
		table[i].node_id[2] = salt;
		table[i].cost = (uint16_t)(i + 1);
		table[i].flags = MESH_LS_LAN;
	}
}

static const struct {
	uint64_t seq;
	size_t n; /* table size the fragment comes from */
	unsigned frag;
	int rc;
	const char *what;
} ls_steps[] = {
    {5, LS_N, 2, 0, "seq 5 fragment 2 first (out of order)"},
    {5, LS_N, 0, 0, "seq 5 fragment 0"},
    {5, LS_N, 0, -EALREADY, "seq 5 fragment 0 duplicated"},
    {4, LS_N, 1, -ESTALE, "seq 4 older than the one assembling"},
    {5, 40, 1, -EINVAL, "seq 5 with another fragment count"},
    {5, LS_N, 1, 1, "seq 5 fragment 1 completes"},
    {5, LS_N, 1, -EALREADY, "seq 5 after completion"},
    {6, LS_N, 0, 0, "seq 6 fragment 0 starts a newer table"},
    {7, LS_N, 1, 0, "seq 7 fragment 1 discards partial seq 6"},
    {6, LS_N, 2, -ESTALE, "seq 6 now stale"},
    {7, LS_N, 0, 0, "seq 7 fragment 0"},
    {7, LS_N, 2, 1, "seq 7 fragment 2 completes"},
    {8, 0, 0, 1, "seq 8 empty table is one fragment"},
    {9, 27, 0, 1, "seq 9 table of exactly one full fragment"},
};

/* LINK_STATES: packing limits, what comes back out, signatures. */
static void
test_link_states(void)
{
	struct mesh_link_states b;
	struct mesh_link_state f, g;
	uint8_t buf[2 * SEAL_MAX_BODY + 256]; /* room for the over-long bodies below */
	struct mesh_msg m, d;
	size_t len;
	unsigned i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < MESH_LS_BATCH_MAX; i++)
		mesh_link_states_add(&b, &msgs[M_LS_EMPTY].ls);
	is_int(mesh_link_states_add(&b, &msgs[M_LS_EMPTY].ls), -EMSGSIZE,
	       "lss: an 11th fragment does not fit");
	memset(&b, 0, sizeof(b));
	is_int(mesh_link_states_add(&b, &msgs[M_LS_FULL].ls), 0, "lss: a full fragment fits");
	is_int(mesh_link_states_add(&b, &msgs[M_LS_EMPTY].ls), -EMSGSIZE,
	       "lss: nothing fits beside a full fragment");
	memset(&b, 0, sizeof(b));
	make_ls(&f, 14);
	is_int(mesh_link_states_add(&b, &f), 0, "lss: 14 entries fit");
	make_ls(&g, 14);
	is_int(mesh_link_states_add(&b, &g), -EMSGSIZE, "lss: 28 entries do not");
	g = f;
	g.n[0].cost = 0;
	is_int(mesh_link_states_add(&b, &g), -EINVAL, "lss: an invalid fragment is -EINVAL");
	mesh_link_states_get(&msgs[M_LSS_MIXED].lss, 1, &f);
	ok(f.count == 2 && memcmp(&f, &msgs[M_LS_TWO].ls, sizeof(f)) == 0,
	   "lss: fragment 1 comes back as it went in");
	is_int(mesh_ls_verify(&f), 0, "lss: and verifies");

	/* an altered entry: the lazy decoder hands it over, the strict one refuses */
	m = msgs[M_LSS_MIXED];
	m.lss.pool[m.lss.f[2].first + 3].cost++;
	mesh_encode(&m, buf, sizeof(buf), &len);
	is_int(mesh_decode(&d, MESH_LINK_STATES, buf, len), -EPERM,
	       "lss: an altered fragment is -EPERM");
	is_int(mesh_decode_lazy(&d, MESH_LINK_STATES, buf, len), 0,
	       "lss: lazy decode leaves it to the receiver");
	mesh_link_states_get(&d.lss, 2, &f);
	is_int(mesh_ls_verify(&f), -EPERM, "lss: which finds it altered");
	mesh_link_states_get(&d.lss, 1, &f);
	is_int(mesh_ls_verify(&f), 0, "lss: and the others intact");
	/* a count over the cap, on the wire */
	mesh_encode(&msgs[M_LSS_TEN], buf, sizeof(buf), &len);
	buf[0] = MESH_LS_BATCH_MAX + 1;
	memcpy(buf + len, buf + 1, 107);
	is_int(mesh_decode(&d, MESH_LINK_STATES, buf, len + 107), -E2BIG,
	       "lss: 11 fragments on the wire are -E2BIG");
	/* 28 entries in all on the wire (two of 14, one byte short of a body) */
	make_ls(&f, 14);
	memset(&m, 0, sizeof(m));
	m.type = MESH_LINK_STATES;
	mesh_link_states_add(&m.lss, &f);
	mesh_encode(&m, buf, sizeof(buf), &len);
	buf[0] = 2;
	memcpy(buf + len, buf + 1, len - 1);
	is_int(mesh_decode(&d, MESH_LINK_STATES, buf, 2 * len - 1), -E2BIG,
	       "lss: more than 27 entries in all are -E2BIG");
}

/* SUMMARY_HASH: bucket counts, the bucket of an id, the entry hash. */
static void
test_summary_hash(void)
{
	uint8_t buf[SEAL_MAX_BODY], id[32];
	struct mesh_msg m, d;
	size_t len;
	uint64_t h;

	m = msgs[M_HASH_ONE];
	m.hash.nbuckets = 0;
	is_int(mesh_encode(&m, buf, sizeof(buf), &len), -EINVAL, "hash: 0 buckets refused");
	m = msgs[M_HASH_FULL];
	mesh_encode(&m, buf, sizeof(buf), &len);
	is_int(len, 1065, "hash: 128 buckets are 1065 bytes");
	buf[40] = 0;
	is_int(mesh_decode(&d, MESH_SUMMARY_HASH, buf, len), -EINVAL,
	       "hash: 0 buckets on the wire is -EINVAL");
	buf[40] = MESH_HASH_BUCKETS_MAX + 1;
	is_int(mesh_decode(&d, MESH_SUMMARY_HASH, buf, len), -E2BIG,
	       "hash: 129 buckets on the wire is -E2BIG");
	memset(id, 0, sizeof(id));
	is_int(mesh_summary_bucket(id, 128), 0, "hash: id 00.. in bucket 0");
	id[0] = 0xff;
	is_int(mesh_summary_bucket(id, 128), 127, "hash: id ff.. in bucket 127 of 128");
	is_int(mesh_summary_bucket(id, 1), 0, "hash: one bucket holds all");
	id[0] = 0x80;
	is_int(mesh_summary_bucket(id, 16), 8, "hash: id 80.. in bucket 8 of 16");
	h = mesh_summary_entry_hash(id, 5, 6);
	ok(h == mesh_summary_entry_hash(id, 5, 6), "hash: the entry hash is a function");
	ok(h != mesh_summary_entry_hash(id, 5, 7), "hash: a link-state change moves it");
	ok(h != mesh_summary_entry_hash(id, 6, 6), "hash: a record change moves it");
}

static void
test_link_state(void)
{
	struct mesh_ls_assembly a;
	struct mesh_link_state f;
	uint8_t buf[SEAL_MAX_BODY];
	struct mesh_msg m, d;
	size_t i, len;
	int rc;

	is_int(mesh_ls_nfrags(0), 1, "ls: 0 neighbours, 1 fragment");
	is_int(mesh_ls_nfrags(27), 1, "ls: 27 neighbours, 1 fragment");
	is_int(mesh_ls_nfrags(28), 2, "ls: 28 neighbours, 2 fragments");
	is_int(mesh_ls_nfrags(MESH_LS_MAX_NEIGHBOURS), MESH_LS_MAX_FRAGS,
	       "ls: 3456 neighbours, 128 fragments");
	make_table(MESH_LS_MAX_NEIGHBOURS + 1, 0);
	is_int(mesh_ls_fragment(&f, alice, 1, table, MESH_LS_MAX_NEIGHBOURS + 1, 0), -E2BIG,
	       "ls: table over the cap is refused, not truncated");
	make_table(LS_N, 0);
	is_int(mesh_ls_fragment(&f, alice, 1, table, LS_N, 3), -EINVAL,
	       "ls: fragment index past the last is refused");

	mesh_ls_assembly_init(&a, identity_node_id(alice));
	for (i = 0; i < N_ELEM(ls_steps); i++) {
		make_table(ls_steps[i].n, 0);
		rc = mesh_ls_fragment(&f, alice, ls_steps[i].seq, table, ls_steps[i].n,
		                      ls_steps[i].frag);
		/* Every fragment goes through the wire so assembly sees decoded input. */
		memset(&m, 0, sizeof(m));
		m.type = MESH_LINK_STATE;
		m.ls = f;
		if (rc == 0)
			rc = mesh_encode(&m, buf, sizeof(buf), &len);
		if (rc == 0)
			rc = mesh_decode(&d, MESH_LINK_STATE, buf, len);
		if (rc == 0)
			rc = mesh_ls_assembly_add(&a, &d.ls);
		is_int(rc, ls_steps[i].rc, "ls assembly: %s -> %d", ls_steps[i].what,
		       ls_steps[i].rc);
		if (rc == 1) {
			size_t j, bad = 0;

			is_int(a.total, ls_steps[i].n, "ls assembly: %s: %zu neighbours",
			       ls_steps[i].what, ls_steps[i].n);
			/* Sorted ascending: the input was descending, so reversed. */
			for (j = 0; j < a.total && j < ls_steps[i].n; j++)
				if (memcmp(&a.table[j], &table[ls_steps[i].n - 1 - j],
				           sizeof(table[0])) != 0)
					bad++;
			is_int(bad, 0, "ls assembly: %s: table is the origin's, sorted by id",
			       ls_steps[i].what);
		}
	}

	/* A neighbour listed in two fragments. */
	make_table(LS_N, 0);
	memcpy(table[40].node_id, table[3].node_id, 32);
	mesh_ls_fragment(&f, alice, 20, table, LS_N, 0);
	is_int(mesh_ls_assembly_add(&a, &f), 0, "ls assembly: seq 20 fragment 0");
	mesh_ls_fragment(&f, alice, 20, table, LS_N, 2);
	is_int(mesh_ls_assembly_add(&a, &f), 0, "ls assembly: seq 20 fragment 2");
	mesh_ls_fragment(&f, alice, 20, table, LS_N, 1);
	is_int(mesh_ls_assembly_add(&a, &f), -EINVAL,
	       "ls assembly: neighbour in two fragments rejects the table");
	is_int(a.total, 0, "ls assembly: rejected table is empty");
	is_int(mesh_ls_assembly_add(&a, &f), -EALREADY, "ls assembly: rejected seq stays done");

	/* Another origin's fragment never mixes in. */
	make_table(3, 0);
	mesh_ls_fragment(&f, bob, 30, table, 3, 0);
	is_int(mesh_ls_assembly_add(&a, &f), -EINVAL, "ls assembly: bob's fragment into alice's");
	mesh_ls_assembly_free(&a);
	ok(a.table == NULL, "ls assembly: freed");
}

static void
test_digest(void)
{
	struct mesh_digest dg;
	uint8_t id1[32], id2[32], d1[32], d2[32], want[32];
	crypto_generichash_state st;
	uint8_t ent[48];

	memset(id1, 1, 32);
	memset(id2, 2, 32);
	mesh_digest_init(&dg);
	is_int(mesh_digest_add(&dg, id1, 5, 6), 0, "digest: first entry");
	is_int(mesh_digest_add(&dg, id2, 7, 0), 0, "digest: ascending entry");
	is_int(mesh_digest_add(&dg, id2, 7, 0), -EINVAL, "digest: repeated id refused");
	is_int(mesh_digest_add(&dg, id1, 7, 0), -EINVAL, "digest: descending id refused");
	is_int(dg.count, 2, "digest: count");
	mesh_digest_final(&dg, d1);

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"wgnm/v1 digest", 15);
	memset(ent, 0, sizeof(ent));
	memcpy(ent, id1, 32);
	ent[39] = 5;
	ent[47] = 6;
	crypto_generichash_update(&st, ent, 48);
	memcpy(ent, id2, 32);
	ent[39] = 7;
	ent[47] = 0;
	crypto_generichash_update(&st, ent, 48);
	crypto_generichash_final(&st, want, 32);
	ok(memcmp(d1, want, 32) == 0, "digest: the documented computation");

	mesh_digest_init(&dg);
	mesh_digest_add(&dg, id1, 5, 6);
	mesh_digest_add(&dg, id2, 7, 1);
	mesh_digest_final(&dg, d2);
	ok(memcmp(d1, d2, 32) != 0, "digest: a newer link state changes it");
}

int
main(void)
{
	static const uint8_t shared[32] = {7, 7, 7};
	uint8_t seed[32];

	if (sodium_init() < 0)
		return 99;
	memset(seed, 0xa1, 32);
	identity_from_seed(&alice, seed);
	memset(seed, 0xb0, 32);
	identity_from_seed(&bob, seed);
	memset(seed, 0xc0, 32);
	identity_from_seed(&carol, seed);
	seal_keyring_new(&kr, shared);
	make_msgs();
	test_round_trips();
	test_decode_rejects();
	test_encode_rejects();
	test_caps_and_signatures();
	test_link_state();
	test_link_states();
	test_summary_hash();
	test_digest();
	seal_keyring_free(kr);
	identity_free(alice);
	identity_free(bob);
	identity_free(carol);
	return tap_done();
}
