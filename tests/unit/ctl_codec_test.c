/* ctl: round trips of every message, every reject pinned to its errno, the frame accumulator. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"
#include "tests/tap.h"

static uint8_t frame[CTL_FRAME_MAX];

static void
mkid(uint8_t id[CTL_ID_LEN], int n)
{
	int i;

	for (i = 0; i < CTL_ID_LEN; i++)
		id[i] = (uint8_t)(n * 7 + i);
}

static void
fill_header(struct ctl_header *h)
{
	strcpy(h->name, "alice");
	strcpy(h->id_short, "1a2b3c4d");
	strcpy(h->ifname, "wg0");
	h->backend = CTL_BACKEND_WIREGUARD_GO;
	ipaddr_parse(&h->addr, "10.1.1.1");
	ipprefix_parse(&h->subnet, "10.1.0.0/16", false);
	h->wg_port = 50000;
	h->admin_port = 55555;
	h->start_time = 1700000000;
	strcpy(h->version, "0.1.0");
	h->mobile = true;
	h->ndrops = 2;
	strcpy(h->drops[0].name, "refused");
	h->drops[0].count = 3;
	strcpy(h->drops[1].name, "rate");
	h->drops[1].count = 1ULL << 40;
}

static void
fill_peer(struct ctl_peer *p, int n)
{
	mkid(p->id, n);
	snprintf(p->name, sizeof(p->name), "peer-%d", n);
	ipaddr_parse(&p->addr, "fd00::42");
	p->state = CTL_PEER_VIA_GATEWAY;
	mkid(p->gw_id, 99);
	strcpy(p->gw_name, "gw");
	endpoint_parse(&p->endpoint, "203.0.113.7:51820");
	p->last_handshake = 1700000100;
	p->rx_bytes = 0x0102030405060708ULL;
	p->tx_bytes = 12345;
	p->rtt_us = 4200;
	p->nat_state = CTL_NAT_BACKING_OFF;
	strcpy(p->nat_reason, "no answer to 5 probes");
	p->backoff_s = 300;
	p->keepalives_sent = 1;
	p->probes_sent = 2;
	p->probes_answered = 3;
	p->admin_in = 4;
	p->admin_out = 5;
	p->idle_s = 6;
	p->kept_warm = true;
	strcpy(p->warm_reason, "gateway for 3 nodes");
	strcpy(p->conflict, "10.1.1.9 also claimed by bob");
}

static void
fill_route(struct ctl_route *r)
{
	ipprefix_parse(&r->dst, "10.1.2.0/24", false);
	mkid(r->nexthop_id, 3);
	strcpy(r->nexthop_name, "beta");
	r->cost = 17;
	r->since = 1700000200;
}

static void
fill_nat(struct ctl_nat *n)
{
	int i;

	n->n_local = CTL_NAT_CAND_MAX;
	for (i = 0; i < CTL_NAT_CAND_MAX; i++) {
		char s[64];

		snprintf(s, sizeof(s), "192.168.1.%d:50000", i + 1);
		endpoint_parse(&n->local[i], s);
	}
	n->n_reflexive = 2;
	strcpy(n->reflexive[0].seen_by, "vps1");
	endpoint_parse(&n->reflexive[0].endpoint, "198.51.100.4:40001");
	strcpy(n->reflexive[1].seen_by, "vps2");
	endpoint_parse(&n->reflexive[1].endpoint, "[2001:db8::5]:40002");
	n->behaviour = CTL_NATB_ENDPOINT_DEPENDENT;
}

#define NSAMPLES 22

/* Every message type, every event type as EVENT, every part type as SNAPSHOT_PART. */
static void
sample(struct ctl_msg *m, int i)
{
	memset(m, 0, sizeof(*m));
	switch (i) {
	case 0:
		m->type = CTL_MSG_HELLO;
		m->hello =
		    (struct ctl_hello){CTL_MAGIC, CTL_VERSION, CTL_ROLE_TUI, CTL_ACCESS_ADMIN};
		break;
	case 1:
		m->type = CTL_MSG_HELLO;
		m->hello = (struct ctl_hello){CTL_MAGIC, 7, CTL_ROLE_STATUS, CTL_ACCESS_READ_ONLY};
		break;
	case 2:
		m->type = CTL_MSG_HELLO_ACK;
		m->hello_ack.version = CTL_VERSION;
		m->hello_ack.granted = CTL_ACCESS_ADMIN;
		strcpy(m->hello_ack.daemon_version, "0.1.0");
		break;
	case 3:
		m->type = CTL_MSG_VERSION_MISMATCH;
		m->mismatch.version = 2;
		strcpy(m->mismatch.message, "wgnm-tui speaks control protocol 1, daemon speaks 2");
		break;
	case 4:
		m->type = CTL_MSG_SNAPSHOT_BEGIN;
		m->snap_begin.seq = 99;
		fill_header(&m->snap_begin.header);
		fill_nat(&m->snap_begin.nat);
		m->snap_begin.n_peers = CTL_PEERS_MAX;
		m->snap_begin.n_routes = 2;
		m->snap_begin.n_logs = 3;
		break;
	case 5:
		m->type = CTL_MSG_SNAPSHOT_BEGIN; /* empty: no subnet, no NAT data */
		m->snap_begin.seq = 1;
		break;
	case 6:
		m->type = CTL_MSG_SNAPSHOT_PART;
		m->event.seq = 99;
		m->event.type = CTL_EV_PEER_UPSERT;
		fill_peer(&m->event.peer, 1);
		break;
	case 7:
		m->type = CTL_MSG_SNAPSHOT_PART;
		m->event.seq = 99;
		m->event.type = CTL_EV_ROUTE_UPSERT;
		fill_route(&m->event.route);
		break;
	case 8:
		m->type = CTL_MSG_SNAPSHOT_PART;
		m->event.seq = 99;
		m->event.type = CTL_EV_LOG;
		m->event.log = (struct ctl_log){5, 1700000000123, CTL_LOG_DEBUG, "hello"};
		break;
	case 9:
		m->type = CTL_MSG_SNAPSHOT_END;
		m->snap_end = (struct ctl_snapshot_end){99, 1, 2, 3};
		break;
	case 10:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 100;
		m->event.type = CTL_EV_HEADER;
		fill_header(&m->event.header);
		break;
	case 11:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 101;
		m->event.type = CTL_EV_PEER_UPSERT;
		fill_peer(&m->event.peer, 2);
		break;
	case 12:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 102;
		m->event.type = CTL_EV_PEER_REMOVE;
		mkid(m->event.peer_id, 2);
		break;
	case 13:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 103;
		m->event.type = CTL_EV_ROUTE_UPSERT;
		fill_route(&m->event.route);
		break;
	case 14:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 104;
		m->event.type = CTL_EV_ROUTE_REMOVE;
		ipprefix_parse(&m->event.route_dst, "fd00:1::/64", false);
		break;
	case 15:
		m->type = CTL_MSG_EVENT;
		m->event.seq = 105;
		m->event.type = CTL_EV_NAT;
		fill_nat(&m->event.nat);
		break;
	case 16:
		m->type = CTL_MSG_EVENT;
		m->event.seq = UINT64_MAX;
		m->event.type = CTL_EV_LOG;
		m->event.log.seq = 7;
		m->event.log.realtime_ms = -1;
		m->event.log.level = CTL_LOG_WARN;
		memset(m->event.log.text, 'x', CTL_TEXT_MAX); /* longest string */
		break;
	case 17:
		m->type = CTL_MSG_REQUEST;
		m->request = (struct ctl_request){1, CTL_OP_SHUTDOWN, 0};
		break;
	case 18:
		m->type = CTL_MSG_REQUEST;
		m->request = (struct ctl_request){2, CTL_OP_SET_VERBOSITY, 1};
		break;
	case 19:
		m->type = CTL_MSG_REQUEST;
		m->request = (struct ctl_request){0xffffffffU, CTL_OP_LOG_SINCE, 1ULL << 40};
		break;
	case 20:
		m->type = CTL_MSG_REQUEST;
		m->request = (struct ctl_request){4, CTL_OP_DETACH_CLIENTS, 0};
		break;
	case 21:
		m->type = CTL_MSG_RESULT;
		m->result.id = 2;
		m->result.err = EPERM;
		strcpy(m->result.message, "read-only client");
		break;
	}
}

static void
test_round_trips(void)
{
	struct ctl_msg in, out;
	uint8_t again[CTL_FRAME_MAX];
	int i, n, n2, rc;
	size_t cut;
	int trunc_ok;

	for (i = 0; i < NSAMPLES; i++) {
		sample(&in, i);
		n = ctl_encode(&in, frame, sizeof(frame));
		ok(n >= CTL_HDR_LEN, "sample %d (type 0x%04x) encodes (%d bytes)", i, in.type, n);
		if (n < CTL_HDR_LEN)
			continue;
		rc = ctl_decode_frame(&out, frame, (size_t)n);
		is_int(rc, 0, "sample %d decodes", i);
		ok(memcmp(&in, &out, sizeof(in)) == 0, "sample %d decodes to the same struct", i);
		n2 = ctl_encode(&out, again, sizeof(again));
		ok(n2 == n && memcmp(frame, again, (size_t)n) == 0, "sample %d re-encodes the same",
		   i);

		/* Truncation at every offset: the frame decoder and the body decoder. */
		trunc_ok = 1;
		for (cut = 0; cut < (size_t)n; cut++) {
			rc = ctl_decode_frame(&out, frame, cut);
			if (rc != -EBADMSG) {
				diag("frame cut at %zu: %d", cut, rc);
				trunc_ok = 0;
			}
		}
		for (cut = 0; cut < (size_t)n - CTL_HDR_LEN; cut++) {
			rc = ctl_decode_body(&out, (uint16_t)in.type, frame + CTL_HDR_LEN, cut);
			if (rc != -EBADMSG) {
				diag("body cut at %zu: %d", cut, rc);
				trunc_ok = 0;
			}
		}
		ok(trunc_ok, "sample %d: every truncation is -EBADMSG", i);

		/* One trailing byte, inside a correct length prefix. */
		frame[n] = 0;
		frame[3]++;
		is_int(ctl_decode_frame(&out, frame, (size_t)n + 1), -EPROTO,
		       "sample %d: trailing byte is -EPROTO", i);
		frame[3]--;
		is_int(ctl_decode_frame(&out, frame, (size_t)n + 1), -EPROTO,
		       "sample %d: bytes after the frame are -EPROTO", i);
		is_int(ctl_encode(&in, again, (size_t)n - 1), -EMSGSIZE,
		       "sample %d: one byte short of room is -EMSGSIZE", i);
	}
}

/* Locate a string in a frame by its bytes; returns the offset of its first byte. */
static size_t
find(const uint8_t *buf, size_t n, const char *s)
{
	size_t i, l = strlen(s);

	for (i = 0; i + l <= n; i++)
		if (memcmp(buf + i, s, l) == 0)
			return i;
	return 0;
}

static void
set_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
test_rejects(void)
{
	struct ctl_msg m, out;
	uint8_t big[CTL_FRAME_MAX + 16];
	size_t off;
	uint16_t ver;
	int n;
	char text[128];

	/* A NUL inside a string. */
	sample(&m, 11);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = find(frame, (size_t)n, "peer-2");
	frame[off + 2] = '\0';
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EILSEQ, "NUL inside a name is -EILSEQ");

	/* A string length above the field's max (but within the frame). */
	sample(&m, 16);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = find(frame, (size_t)n, "xxxx") - 2;
	frame[off] = 0x01;
	frame[off + 1] = 0x00; /* 256 > 255 */
	frame[n] = 'x';
	set_u32(frame, (uint32_t)n - 4 + 1);
	is_int(ctl_decode_frame(&out, frame, (size_t)n + 1), -EILSEQ,
	       "string of 256 bytes for a 255 max is -EILSEQ");

	/* A string length past the end of the frame. */
	sample(&m, 21);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = find(frame, (size_t)n, "read-only") - 2;
	frame[off + 1] = 200;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EBADMSG,
	       "string length past the end is -EBADMSG");

	/* The short id must be lowercase hex. */
	sample(&m, 10);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = find(frame, (size_t)n, "1a2b3c4d");
	frame[off] = 'X';
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EILSEQ, "non-hex short id is -EILSEQ");

	/* At most CTL_DROPS_MAX drop counters, both ways. */
	sample(&m, 10);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = find(frame, (size_t)n, "refused") - 3;
	is_int(frame[off], 2, "the drop count precedes the drop counters");
	frame[off] = CTL_DROPS_MAX + 1;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL,
	       "more than CTL_DROPS_MAX drop counters is -EINVAL");
	m.event.header.ndrops = CTL_DROPS_MAX + 1;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL,
	       "encoding more than CTL_DROPS_MAX drop counters is -EINVAL");

	/* Unknown message type, event type, op. */
	sample(&m, 17);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[4] = 0x7f;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -ENOMSG,
	       "unknown message type is -ENOMSG");
	is_int(ctl_decode_body(&out, 0, frame, 0), -ENOMSG, "message type 0 is -ENOMSG");
	sample(&m, 17);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[CTL_HDR_LEN + 4] = 9;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -ENOMSG, "unknown request op is -ENOMSG");
	sample(&m, 12);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[CTL_HDR_LEN + 8] = 8;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -ENOMSG, "unknown event type is -ENOMSG");
	frame[CTL_HDR_LEN + 8] = 0;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -ENOMSG, "event type 0 is -ENOMSG");

	/* A part that is not a peer, route or log line. */
	sample(&m, 12);
	m.type = CTL_MSG_SNAPSHOT_PART;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL,
	       "encoding a remove as part is -EINVAL");
	sample(&m, 12);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[5] = (uint8_t)CTL_MSG_SNAPSHOT_PART;
	frame[4] = (uint8_t)(CTL_MSG_SNAPSHOT_PART >> 8);
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "a remove as part is -EINVAL");

	/* Values out of range. */
	sample(&m, 11);
	n = ctl_encode(&m, frame, sizeof(frame));
	off = CTL_HDR_LEN + 9 + CTL_ID_LEN + 2 + strlen("peer-2") + 17;
	frame[off] = CTL_PEER_STATE_COUNT;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL,
	       "peer state out of range is -EINVAL");
	frame[off] = CTL_PEER_DOWN;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), 0, "(the same frame with a valid state)");
	off = CTL_HDR_LEN + 9 + CTL_ID_LEN + 2 + strlen("peer-2");
	frame[off] = 5;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "address family 5 is -EINVAL");

	sample(&m, 14);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[n - 1] = 129;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "IPv6 prefix /129 is -EINVAL");
	frame[n - 1] = 16;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL,
	       "prefix with host bits is -EINVAL");
	sample(&m, 14);
	m.event.route_dst.len = 16;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL, "encoding host bits is -EINVAL");

	sample(&m, 10);
	m.event.header.ndrops = 0; /* the header ends with mobile, then a 0 count */
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[n - 2] = 2;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "bool 2 is -EINVAL");

	sample(&m, 15);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[CTL_HDR_LEN + 9] = CTL_NAT_CAND_MAX + 1;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "9 local candidates is -EINVAL");
	sample(&m, 15);
	m.event.nat.n_reflexive = CTL_NAT_REFL_MAX + 1;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL, "encoding 9 reflexive is -EINVAL");

	sample(&m, 9);
	n = ctl_encode(&m, frame, sizeof(frame));
	set_u32(frame + CTL_HDR_LEN + 8, CTL_PEERS_MAX + 1);
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "65536 peers is -EINVAL");

	sample(&m, 8);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[CTL_HDR_LEN + 9 + 16] = 0;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "log level 0 is -EINVAL");
	frame[CTL_HDR_LEN + 9 + 16] = 4;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "log level 4 is -EINVAL");

	sample(&m, 0);
	m.hello.role = 3;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL, "encoding role 3 is -EINVAL");
	sample(&m, 0);
	n = ctl_encode(&m, frame, sizeof(frame));
	frame[CTL_HDR_LEN + 6] = 0;
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -EINVAL, "hello role 0 is -EINVAL");

	/* An unterminated string cannot be encoded. */
	sample(&m, 21);
	memset(m.result.message, 'a', sizeof(m.result.message));
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL, "unterminated string is -EINVAL");
	m.type = 0x4242;
	is_int(ctl_encode(&m, frame, sizeof(frame)), -EINVAL, "encoding unknown type is -EINVAL");

	/* Frame lengths. */
	memset(big, 0, sizeof(big));
	set_u32(big, CTL_FRAME_MAX - 3);
	is_int(ctl_decode_frame(&out, big, CTL_FRAME_MAX + 1), -EMSGSIZE,
	       "frame of CTL_FRAME_MAX + 1 bytes is -EMSGSIZE");
	set_u32(big, 1);
	is_int(ctl_decode_frame(&out, big, 5), -EMSGSIZE, "length 1 (no type) is -EMSGSIZE");
	set_u32(big, 0xffffffffU);
	is_int(ctl_decode_frame(&out, big, 8), -EMSGSIZE, "length 2^32-1 is -EMSGSIZE");
	set_u32(big, CTL_FRAME_MAX - 4);
	big[4] = (uint8_t)(CTL_MSG_RESULT >> 8);
	big[5] = (uint8_t)CTL_MSG_RESULT;
	is_int(ctl_decode_frame(&out, big, CTL_FRAME_MAX), -EPROTO,
	       "a frame of exactly CTL_FRAME_MAX is read (then its padding rejected)");

	/* Handshake. */
	sample(&m, 1);
	n = ctl_encode(&m, frame, sizeof(frame));
	is_int(ctl_hello_peek(frame + CTL_HDR_LEN, (size_t)n - CTL_HDR_LEN, &ver), 0,
	       "hello peek reads a v7 hello");
	is_int(ver, 7, "peeked version is 7");
	is_int(ctl_hello_check(ver), -EPROTONOSUPPORT, "version 7 is -EPROTONOSUPPORT");
	is_int(ctl_hello_check(CTL_VERSION), 0, "our version is accepted");
	frame[n] = 0xee; /* a future version may append fields: peek still works */
	is_int(ctl_hello_peek(frame + CTL_HDR_LEN, (size_t)n - CTL_HDR_LEN + 1, &ver), 0,
	       "hello peek ignores fields it does not know");
	frame[CTL_HDR_LEN] = 'X';
	is_int(ctl_decode_frame(&out, frame, (size_t)n), -ENOPROTOOPT, "bad magic is -ENOPROTOOPT");
	is_int(ctl_hello_peek(frame + CTL_HDR_LEN, 5, &ver), -EBADMSG, "5-byte hello is -EBADMSG");
	is_str(ctl_mismatch_text(text, sizeof(text), "wgnm-tui", 1, "daemon", 2),
	       "wgnm-tui speaks control protocol 1, daemon speaks 2", "mismatch text");

	is_str(ctl_peer_state_str(CTL_PEER_DIRECT_NAT), "direct NAT", "state name");
	is_str(ctl_peer_state_str((enum ctl_peer_state)42), "?", "state name out of range");
	is_str(ctl_backend_str(CTL_BACKEND_BORINGTUN), "boringtun", "backend name");
	is_str(ctl_nat_state_str(CTL_NAT_BACKING_OFF), "backing off", "nat state name");
	is_str(ctl_nat_behaviour_str(CTL_NATB_ENDPOINT_INDEPENDENT), "endpoint-independent",
	       "nat behaviour name");
	is_str(ctl_log_level_str(CTL_LOG_DEBUG), "debug", "log level name");
}

static void
test_reader(void)
{
	static struct ctl_reader r;
	static uint8_t stream[4 << 20];
	struct ctl_msg m, out;
	const uint8_t *body;
	size_t len, total = 0, off, k;
	uint16_t type;
	int i, n, rc, got, good;

	/* Every sample, back to back, fed one byte at a time. */
	for (i = 0; i < NSAMPLES; i++) {
		sample(&m, i);
		n = ctl_encode(&m, stream + total, sizeof(stream) - total);
		total += (size_t)n;
	}
	ctl_reader_init(&r);
	got = 0;
	good = 1;
	for (off = 0; off < total; off++) {
		if (ctl_reader_feed(&r, stream + off, 1) != 1)
			good = 0;
		while ((rc = ctl_reader_next(&r, &type, &body, &len)) > 0) {
			sample(&m, got);
			if (ctl_decode_body(&out, type, body, len) < 0 ||
			    memcmp(&m, &out, sizeof(m)) != 0)
				good = 0;
			got++;
		}
		if (rc < 0)
			good = 0;
	}
	ok(good && got == NSAMPLES, "byte-at-a-time: %d of %d frames", got, NSAMPLES);

	/* A 5000-peer snapshot, fed in 4 KiB reads. */
	total = 0;
	for (i = 0; i < 5002; i++) {
		memset(&m, 0, sizeof(m));
		if (i == 0) {
			m.type = CTL_MSG_SNAPSHOT_BEGIN;
			fill_header(&m.snap_begin.header);
			m.snap_begin.n_peers = 5000;
		} else if (i == 5001) {
			m.type = CTL_MSG_SNAPSHOT_END;
			m.snap_end.n_peers = 5000;
		} else {
			m.type = CTL_MSG_SNAPSHOT_PART;
			m.event.type = CTL_EV_PEER_UPSERT;
			fill_peer(&m.event.peer, i);
		}
		n = ctl_encode(&m, stream + total, sizeof(stream) - total);
		if (n < 0)
			break;
		total += (size_t)n;
	}
	ok(i == 5002, "5000-peer snapshot encodes in %zu bytes", total);
	ctl_reader_init(&r);
	got = 0;
	good = 1;
	for (off = 0; off < total;) {
		k = total - off < 4096 ? total - off : 4096;
		off += ctl_reader_feed(&r, stream + off, k);
		while ((rc = ctl_reader_next(&r, &type, &body, &len)) > 0) {
			if (ctl_decode_body(&out, type, body, len) < 0)
				good = 0;
			got++;
		}
		if (rc < 0)
			break;
	}
	ok(good && got == 5002, "5000-peer snapshot: %d frames read", got);

	/* Oversized length prefix: error after its 4 bytes, without waiting for the body. */
	ctl_reader_init(&r);
	set_u32(stream, CTL_FRAME_MAX - 3);
	is_int(ctl_reader_feed(&r, stream, 3), 3, "three bytes of a prefix fed");
	is_int(ctl_reader_next(&r, &type, &body, &len), 0, "three bytes: need more");
	ctl_reader_feed(&r, stream + 3, 1);
	is_int(ctl_reader_next(&r, &type, &body, &len), -EMSGSIZE, "oversized prefix is -EMSGSIZE");
	is_int(ctl_reader_next(&r, &type, &body, &len), -EMSGSIZE, "the error sticks");
	set_u32(stream, 1);
	ctl_reader_init(&r);
	ctl_reader_feed(&r, stream, 4);
	is_int(ctl_reader_next(&r, &type, &body, &len), -EMSGSIZE, "length 1 is -EMSGSIZE");

	/* A full buffer holding one max-size frame: feed stops, take, feed again. */
	ctl_reader_init(&r);
	memset(stream, 0, CTL_FRAME_MAX + 10);
	set_u32(stream, CTL_FRAME_MAX - 4);
	set_u32(stream + CTL_FRAME_MAX, 2); /* a second, empty-bodied frame */
	off = ctl_reader_feed(&r, stream, CTL_FRAME_MAX + 6);
	is_int(off, CTL_FRAME_MAX, "feed stops at a full buffer");
	is_int(ctl_reader_next(&r, &type, &body, &len), 1, "max-size frame taken");
	is_int(len, CTL_FRAME_MAX - CTL_HDR_LEN, "max-size body length");
	is_int(ctl_reader_next(&r, &type, &body, &len), 0, "then need more");
	off += ctl_reader_feed(&r, stream + off, CTL_FRAME_MAX + 6 - off);
	is_int(off, CTL_FRAME_MAX + 6, "the rest is fed");
	is_int(ctl_reader_next(&r, &type, &body, &len), 1, "second frame taken");
	is_int(len, 0, "empty body");
}

/* WGNM_WRITE_CORPUS=dir: write every sample frame there (the fuzzer's seed corpus). */
static void
write_corpus(const char *dir)
{
	struct ctl_msg m;
	char path[512];
	FILE *f;
	int i, n;

	for (i = 0; i < NSAMPLES; i++) {
		sample(&m, i);
		n = ctl_encode(&m, frame, sizeof(frame));
		snprintf(path, sizeof(path), "%s/sample-%02d", dir, i);
		f = fopen(path, "wb");
		ok(f != NULL && fwrite(frame, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0,
		   "corpus file %s", path);
	}
}

int
main(void)
{
	const char *corpus = getenv("WGNM_WRITE_CORPUS");

	if (corpus != NULL && corpus[0] != '\0')
		write_corpus(corpus);
	test_round_trips();
	test_rejects();
	test_reader();
	return tap_done();
}
