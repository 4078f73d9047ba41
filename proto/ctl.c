/*
 * ctl: encoder, decoders and frame accumulator of the control protocol (the
 * grammar and the error codes are in ctl.h).
 *
 * A private big-endian cursor pair does the byte work: struct wbuf writes and
 * remembers the first overflow; struct rbuf reads and remembers the first
 * error (truncation or a bad value), so the field code reads straight through
 * and checks once at the end. Decoders fill the caller's struct; on error its
 * contents are unspecified.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/ctl.h"

struct wbuf {
	uint8_t *p;
	size_t cap, len;
	int err;
};

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	int err;
};

/* --- writer ------------------------------------------------------------- */

static uint8_t *
w_take(struct wbuf *w, size_t n)
{
	uint8_t *at;

	if (w->err < 0)
		return NULL;
	if (n > w->cap - w->len) {
		w->err = -EMSGSIZE;
		return NULL;
	}
	at = w->p + w->len;
	w->len += n;
	return at;
}

static void
w_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = w_take(w, 1);

	if (p != NULL)
		p[0] = v;
}

static void
w_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = w_take(w, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static void
w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = w_take(w, 4);
	int i;

	if (p != NULL)
		for (i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void
w_u64(struct wbuf *w, uint64_t v)
{
	uint8_t *p = w_take(w, 8);
	int i;

	if (p != NULL)
		for (i = 0; i < 8; i++)
			p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void
w_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = w_take(w, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

static void
w_bad(struct wbuf *w)
{
	if (w->err == 0)
		w->err = -EINVAL;
}

/* s lives in a field of size fieldsz (max + 1); it must be NUL-terminated within it. */
static void
w_str(struct wbuf *w, const char *s, size_t fieldsz)
{
	size_t n = strnlen(s, fieldsz);

	if (n == fieldsz) {
		w_bad(w);
		return;
	}
	w_u16(w, (uint16_t)n);
	w_bytes(w, s, n);
}

static void
w_bool(struct wbuf *w, bool v)
{
	w_u8(w, v ? 1 : 0);
}

static void
w_enum(struct wbuf *w, unsigned v, unsigned count)
{
	if (v >= count)
		w_bad(w);
	w_u8(w, (uint8_t)v);
}

static void
w_addr(struct wbuf *w, const struct ipaddr *a)
{
	switch (a->family) {
	case AF_UNSPEC:
		w_u8(w, 0);
		break;
	case AF_INET:
		w_u8(w, 4);
		w_bytes(w, a->bytes, 4);
		break;
	case AF_INET6:
		w_u8(w, 6);
		w_bytes(w, a->bytes, 16);
		break;
	default:
		w_bad(w);
	}
}

static void
w_prefix(struct wbuf *w, const struct ipprefix *p)
{
	struct ipprefix m = *p;

	ipprefix_mask(&m);
	if (p->addr.family == AF_UNSPEC || p->len > ipaddr_bits(&p->addr) ||
	    !ipaddr_equal(&m.addr, &p->addr))
		w_bad(w);
	w_addr(w, &p->addr);
	w_u8(w, p->len);
}

static void
w_endpoint(struct wbuf *w, const struct endpoint *e)
{
	w_addr(w, &e->addr);
	w_u16(w, e->port);
}

/* --- reader ------------------------------------------------------------- */

static const uint8_t *
r_take(struct rbuf *r, size_t n)
{
	const uint8_t *at;

	if (r->err < 0)
		return NULL;
	if (n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

static void
r_fail(struct rbuf *r, int err)
{
	if (r->err == 0)
		r->err = err;
}

static uint8_t
r_u8(struct rbuf *r)
{
	const uint8_t *p = r_take(r, 1);

	return p != NULL ? p[0] : 0;
}

static uint16_t
r_u16(struct rbuf *r)
{
	const uint8_t *p = r_take(r, 2);

	return p != NULL ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t
r_u32(struct rbuf *r)
{
	const uint8_t *p = r_take(r, 4);

	return p != NULL ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	                 : 0;
}

static uint64_t
r_u64(struct rbuf *r)
{
	uint64_t hi = r_u32(r);

	return hi << 32 | r_u32(r);
}

static void
r_bytes(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *p = r_take(r, n);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

static void
r_str(struct rbuf *r, char *dst, size_t fieldsz)
{
	uint16_t n = r_u16(r);
	const uint8_t *p;

	dst[0] = '\0';
	if (r->err < 0)
		return;
	if ((size_t)n >= fieldsz) {
		/* Name the truncation first: a length that runs past the end is truncation. */
		if (n > r->len - r->off)
			r_fail(r, -EBADMSG);
		else
			r_fail(r, -EILSEQ);
		return;
	}
	p = r_take(r, n);
	if (p == NULL)
		return;
	if (memchr(p, '\0', n) != NULL) {
		r_fail(r, -EILSEQ);
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static bool
r_bool(struct rbuf *r)
{
	uint8_t v = r_u8(r);

	if (v > 1)
		r_fail(r, -EINVAL);
	return v == 1;
}

static unsigned
r_enum(struct rbuf *r, unsigned count)
{
	uint8_t v = r_u8(r);

	if (v >= count) {
		r_fail(r, -EINVAL);
		return 0;
	}
	return v;
}

static void
r_addr(struct rbuf *r, struct ipaddr *a)
{
	uint8_t fam = r_u8(r);

	memset(a, 0, sizeof(*a));
	if (r->err < 0)
		return;
	switch (fam) {
	case 0:
		a->family = AF_UNSPEC;
		break;
	case 4:
		a->family = AF_INET;
		r_bytes(r, a->bytes, 4);
		break;
	case 6:
		a->family = AF_INET6;
		r_bytes(r, a->bytes, 16);
		break;
	default:
		r_fail(r, -EINVAL);
	}
}

static void
r_prefix(struct rbuf *r, struct ipprefix *p)
{
	struct ipprefix m;

	r_addr(r, &p->addr);
	p->len = r_u8(r);
	if (r->err < 0)
		return;
	if (p->addr.family == AF_UNSPEC || p->len > ipaddr_bits(&p->addr)) {
		r_fail(r, -EINVAL);
		return;
	}
	m = *p;
	ipprefix_mask(&m);
	if (!ipaddr_equal(&m.addr, &p->addr))
		r_fail(r, -EINVAL);
}

static void
r_endpoint(struct rbuf *r, struct endpoint *e)
{
	r_addr(r, &e->addr);
	e->port = r_u16(r);
}

/* --- model records ------------------------------------------------------ */

static void
w_header(struct wbuf *w, const struct ctl_header *h)
{
	size_t i, n = strnlen(h->id_short, sizeof(h->id_short));

	for (i = 0; i < n; i++)
		if (!((h->id_short[i] >= '0' && h->id_short[i] <= '9') ||
		      (h->id_short[i] >= 'a' && h->id_short[i] <= 'f')))
			w_bad(w);
	w_str(w, h->name, sizeof(h->name));
	w_str(w, h->id_short, sizeof(h->id_short));
	w_str(w, h->ifname, sizeof(h->ifname));
	w_enum(w, h->backend, CTL_BACKEND_COUNT);
	w_addr(w, &h->addr);
	if (h->subnet.addr.family == AF_UNSPEC) {
		w_u8(w, 0);
	} else {
		w_u8(w, 1);
		w_prefix(w, &h->subnet);
	}
	w_u16(w, h->wg_port);
	w_u16(w, h->admin_port);
	w_u64(w, (uint64_t)h->start_time);
	w_str(w, h->version, sizeof(h->version));
	w_bool(w, h->mobile);
	if (h->ndrops > CTL_DROPS_MAX)
		w_bad(w);
	w_u8(w, h->ndrops);
	for (i = 0; i < h->ndrops && i < CTL_DROPS_MAX; i++) {
		w_str(w, h->drops[i].name, sizeof(h->drops[i].name));
		w_u64(w, h->drops[i].count);
	}
}

static void
r_header(struct rbuf *r, struct ctl_header *h)
{
	size_t i, n;

	memset(h, 0, sizeof(*h));
	r_str(r, h->name, sizeof(h->name));
	r_str(r, h->id_short, sizeof(h->id_short));
	n = strlen(h->id_short);
	for (i = 0; i < n; i++)
		if (!((h->id_short[i] >= '0' && h->id_short[i] <= '9') ||
		      (h->id_short[i] >= 'a' && h->id_short[i] <= 'f')))
			r_fail(r, -EILSEQ);
	r_str(r, h->ifname, sizeof(h->ifname));
	h->backend = (enum ctl_backend)r_enum(r, CTL_BACKEND_COUNT);
	r_addr(r, &h->addr);
	if (r_bool(r))
		r_prefix(r, &h->subnet);
	h->wg_port = r_u16(r);
	h->admin_port = r_u16(r);
	h->start_time = (int64_t)r_u64(r);
	r_str(r, h->version, sizeof(h->version));
	h->mobile = r_bool(r);
	n = r_u8(r);
	if (n > CTL_DROPS_MAX) {
		r_fail(r, -EINVAL);
		return;
	}
	h->ndrops = (uint8_t)n;
	for (i = 0; i < n && r->err == 0; i++) {
		r_str(r, h->drops[i].name, sizeof(h->drops[i].name));
		h->drops[i].count = r_u64(r);
	}
}

static void
w_peer(struct wbuf *w, const struct ctl_peer *p)
{
	w_bytes(w, p->id, CTL_ID_LEN);
	w_str(w, p->name, sizeof(p->name));
	w_addr(w, &p->addr);
	w_enum(w, p->state, CTL_PEER_STATE_COUNT);
	w_bytes(w, p->gw_id, CTL_ID_LEN);
	w_str(w, p->gw_name, sizeof(p->gw_name));
	w_endpoint(w, &p->endpoint);
	w_u64(w, (uint64_t)p->last_handshake);
	w_u64(w, p->rx_bytes);
	w_u64(w, p->tx_bytes);
	w_u32(w, p->rtt_us);
	w_enum(w, p->nat_state, CTL_NAT_STATE_COUNT);
	w_str(w, p->nat_reason, sizeof(p->nat_reason));
	w_u32(w, p->backoff_s);
	w_u64(w, p->keepalives_sent);
	w_u64(w, p->probes_sent);
	w_u64(w, p->probes_answered);
	w_u64(w, p->admin_in);
	w_u64(w, p->admin_out);
	w_u32(w, p->idle_s);
	w_bool(w, p->kept_warm);
	w_str(w, p->warm_reason, sizeof(p->warm_reason));
	w_str(w, p->conflict, sizeof(p->conflict));
}

static void
r_peer(struct rbuf *r, struct ctl_peer *p)
{
	memset(p, 0, sizeof(*p));
	r_bytes(r, p->id, CTL_ID_LEN);
	r_str(r, p->name, sizeof(p->name));
	r_addr(r, &p->addr);
	p->state = (enum ctl_peer_state)r_enum(r, CTL_PEER_STATE_COUNT);
	r_bytes(r, p->gw_id, CTL_ID_LEN);
	r_str(r, p->gw_name, sizeof(p->gw_name));
	r_endpoint(r, &p->endpoint);
	p->last_handshake = (int64_t)r_u64(r);
	p->rx_bytes = r_u64(r);
	p->tx_bytes = r_u64(r);
	p->rtt_us = r_u32(r);
	p->nat_state = (enum ctl_nat_state)r_enum(r, CTL_NAT_STATE_COUNT);
	r_str(r, p->nat_reason, sizeof(p->nat_reason));
	p->backoff_s = r_u32(r);
	p->keepalives_sent = r_u64(r);
	p->probes_sent = r_u64(r);
	p->probes_answered = r_u64(r);
	p->admin_in = r_u64(r);
	p->admin_out = r_u64(r);
	p->idle_s = r_u32(r);
	p->kept_warm = r_bool(r);
	r_str(r, p->warm_reason, sizeof(p->warm_reason));
	r_str(r, p->conflict, sizeof(p->conflict));
}

static void
w_route(struct wbuf *w, const struct ctl_route *rt)
{
	w_prefix(w, &rt->dst);
	w_bytes(w, rt->nexthop_id, CTL_ID_LEN);
	w_str(w, rt->nexthop_name, sizeof(rt->nexthop_name));
	w_u32(w, rt->cost);
	w_u64(w, (uint64_t)rt->since);
}

static void
r_route(struct rbuf *r, struct ctl_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	r_prefix(r, &rt->dst);
	r_bytes(r, rt->nexthop_id, CTL_ID_LEN);
	r_str(r, rt->nexthop_name, sizeof(rt->nexthop_name));
	rt->cost = r_u32(r);
	rt->since = (int64_t)r_u64(r);
}

static void
w_nat(struct wbuf *w, const struct ctl_nat *n)
{
	unsigned i;

	if (n->n_local > CTL_NAT_CAND_MAX || n->n_reflexive > CTL_NAT_REFL_MAX) {
		w_bad(w);
		return;
	}
	w_u8(w, n->n_local);
	for (i = 0; i < n->n_local; i++)
		w_endpoint(w, &n->local[i]);
	w_u8(w, n->n_reflexive);
	for (i = 0; i < n->n_reflexive; i++) {
		w_str(w, n->reflexive[i].seen_by, sizeof(n->reflexive[i].seen_by));
		w_endpoint(w, &n->reflexive[i].endpoint);
	}
	w_enum(w, n->behaviour, CTL_NATB_COUNT);
}

static void
r_nat(struct rbuf *r, struct ctl_nat *n)
{
	unsigned i;

	memset(n, 0, sizeof(*n));
	n->n_local = r_u8(r);
	if (n->n_local > CTL_NAT_CAND_MAX) {
		r_fail(r, -EINVAL);
		return;
	}
	for (i = 0; i < n->n_local; i++)
		r_endpoint(r, &n->local[i]);
	n->n_reflexive = r_u8(r);
	if (n->n_reflexive > CTL_NAT_REFL_MAX) {
		r_fail(r, -EINVAL);
		return;
	}
	for (i = 0; i < n->n_reflexive; i++) {
		r_str(r, n->reflexive[i].seen_by, sizeof(n->reflexive[i].seen_by));
		r_endpoint(r, &n->reflexive[i].endpoint);
	}
	n->behaviour = (enum ctl_nat_behaviour)r_enum(r, CTL_NATB_COUNT);
}

static void
w_log(struct wbuf *w, const struct ctl_log *l)
{
	if (l->level < CTL_LOG_WARN || l->level > CTL_LOG_DEBUG)
		w_bad(w);
	w_u64(w, l->seq);
	w_u64(w, (uint64_t)l->realtime_ms);
	w_u8(w, (uint8_t)l->level);
	w_str(w, l->text, sizeof(l->text));
}

static void
r_log(struct rbuf *r, struct ctl_log *l)
{
	uint8_t lvl;

	memset(l, 0, sizeof(*l));
	l->seq = r_u64(r);
	l->realtime_ms = (int64_t)r_u64(r);
	lvl = r_u8(r);
	if (r->err == 0 && (lvl < CTL_LOG_WARN || lvl > CTL_LOG_DEBUG))
		r_fail(r, -EINVAL);
	l->level = (enum ctl_log_level)lvl;
	r_str(r, l->text, sizeof(l->text));
}

static void
w_event(struct wbuf *w, const struct ctl_event *ev)
{
	w_u64(w, ev->seq);
	w_u8(w, (uint8_t)ev->type);
	switch (ev->type) {
	case CTL_EV_HEADER:
		w_header(w, &ev->header);
		break;
	case CTL_EV_PEER_UPSERT:
		w_peer(w, &ev->peer);
		break;
	case CTL_EV_PEER_REMOVE:
		w_bytes(w, ev->peer_id, CTL_ID_LEN);
		break;
	case CTL_EV_ROUTE_UPSERT:
		w_route(w, &ev->route);
		break;
	case CTL_EV_ROUTE_REMOVE:
		w_prefix(w, &ev->route_dst);
		break;
	case CTL_EV_NAT:
		w_nat(w, &ev->nat);
		break;
	case CTL_EV_LOG:
		w_log(w, &ev->log);
		break;
	default:
		w_bad(w);
	}
}

static void
r_event(struct rbuf *r, struct ctl_event *ev)
{
	uint8_t type;

	ev->seq = r_u64(r);
	type = r_u8(r);
	if (r->err < 0)
		return;
	ev->type = (enum ctl_event_type)type;
	switch (type) {
	case CTL_EV_HEADER:
		r_header(r, &ev->header);
		break;
	case CTL_EV_PEER_UPSERT:
		r_peer(r, &ev->peer);
		break;
	case CTL_EV_PEER_REMOVE:
		r_bytes(r, ev->peer_id, CTL_ID_LEN);
		break;
	case CTL_EV_ROUTE_UPSERT:
		r_route(r, &ev->route);
		break;
	case CTL_EV_ROUTE_REMOVE:
		r_prefix(r, &ev->route_dst);
		break;
	case CTL_EV_NAT:
		r_nat(r, &ev->nat);
		break;
	case CTL_EV_LOG:
		r_log(r, &ev->log);
		break;
	default:
		r_fail(r, -ENOMSG);
	}
}

static bool
part_type_ok(enum ctl_event_type t)
{
	return t == CTL_EV_PEER_UPSERT || t == CTL_EV_ROUTE_UPSERT || t == CTL_EV_LOG;
}

/* --- messages ----------------------------------------------------------- */

static void
w_body(struct wbuf *w, const struct ctl_msg *m)
{
	switch (m->type) {
	case CTL_MSG_HELLO:
		if (m->hello.role != CTL_ROLE_TUI && m->hello.role != CTL_ROLE_STATUS)
			w_bad(w);
		w_u32(w, m->hello.magic);
		w_u16(w, m->hello.version);
		w_u8(w, (uint8_t)m->hello.role);
		w_enum(w, m->hello.wants, 2);
		break;
	case CTL_MSG_HELLO_ACK:
		w_u16(w, m->hello_ack.version);
		w_enum(w, m->hello_ack.granted, 2);
		w_str(w, m->hello_ack.daemon_version, sizeof(m->hello_ack.daemon_version));
		break;
	case CTL_MSG_VERSION_MISMATCH:
		w_u16(w, m->mismatch.version);
		w_str(w, m->mismatch.message, sizeof(m->mismatch.message));
		break;
	case CTL_MSG_SNAPSHOT_BEGIN:
		if (m->snap_begin.n_peers > CTL_PEERS_MAX ||
		    m->snap_begin.n_routes > CTL_ROUTES_MAX || m->snap_begin.n_logs > CTL_LOGS_MAX)
			w_bad(w);
		w_u64(w, m->snap_begin.seq);
		w_header(w, &m->snap_begin.header);
		w_nat(w, &m->snap_begin.nat);
		w_u32(w, m->snap_begin.n_peers);
		w_u32(w, m->snap_begin.n_routes);
		w_u32(w, m->snap_begin.n_logs);
		break;
	case CTL_MSG_SNAPSHOT_PART:
		if (!part_type_ok(m->event.type))
			w_bad(w);
		w_event(w, &m->event);
		break;
	case CTL_MSG_EVENT:
		w_event(w, &m->event);
		break;
	case CTL_MSG_SNAPSHOT_END:
		if (m->snap_end.n_peers > CTL_PEERS_MAX || m->snap_end.n_routes > CTL_ROUTES_MAX ||
		    m->snap_end.n_logs > CTL_LOGS_MAX)
			w_bad(w);
		w_u64(w, m->snap_end.seq);
		w_u32(w, m->snap_end.n_peers);
		w_u32(w, m->snap_end.n_routes);
		w_u32(w, m->snap_end.n_logs);
		break;
	case CTL_MSG_REQUEST:
		if (m->request.op < CTL_OP_SHUTDOWN || m->request.op > CTL_OP_LOG_SINCE)
			w_bad(w);
		w_u32(w, m->request.id);
		w_u8(w, (uint8_t)m->request.op);
		w_u64(w, m->request.arg);
		break;
	case CTL_MSG_RESULT:
		w_u32(w, m->result.id);
		w_u32(w, m->result.err);
		w_str(w, m->result.message, sizeof(m->result.message));
		break;
	default:
		w_bad(w);
	}
}

int
ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap)
{
	struct wbuf w = {.p = buf, .cap = cap < CTL_FRAME_MAX ? cap : CTL_FRAME_MAX};

	w_u32(&w, 0); /* length, patched below */
	w_u16(&w, (uint16_t)m->type);
	w_body(&w, m);
	if (w.err < 0)
		return w.err;
	buf[0] = (uint8_t)((w.len - 4) >> 24);
	buf[1] = (uint8_t)((w.len - 4) >> 16);
	buf[2] = (uint8_t)((w.len - 4) >> 8);
	buf[3] = (uint8_t)(w.len - 4);
	return (int)w.len;
}

static void
r_count(struct rbuf *r, uint32_t *dst, uint32_t max)
{
	*dst = r_u32(r);
	if (r->err == 0 && *dst > max)
		r_fail(r, -EINVAL);
}

int
ctl_decode_body(struct ctl_msg *m, uint16_t type, const uint8_t *body, size_t len)
{
	struct rbuf r = {.p = body, .len = len};
	int rc;

	memset(m, 0, sizeof(*m));
	m->type = (enum ctl_msg_type)type;
	switch (type) {
	case CTL_MSG_HELLO:
		rc = ctl_hello_peek(body, len, &m->hello.version);
		if (rc < 0)
			return rc;
		m->hello.magic = r_u32(&r);
		r_u16(&r);
		m->hello.role = (enum ctl_role)r_u8(&r);
		if (r.err == 0 && m->hello.role != CTL_ROLE_TUI && m->hello.role != CTL_ROLE_STATUS)
			r_fail(&r, -EINVAL);
		m->hello.wants = (enum ctl_access)r_enum(&r, 2);
		break;
	case CTL_MSG_HELLO_ACK:
		m->hello_ack.version = r_u16(&r);
		m->hello_ack.granted = (enum ctl_access)r_enum(&r, 2);
		r_str(&r, m->hello_ack.daemon_version, sizeof(m->hello_ack.daemon_version));
		break;
	case CTL_MSG_VERSION_MISMATCH:
		m->mismatch.version = r_u16(&r);
		r_str(&r, m->mismatch.message, sizeof(m->mismatch.message));
		break;
	case CTL_MSG_SNAPSHOT_BEGIN:
		m->snap_begin.seq = r_u64(&r);
		r_header(&r, &m->snap_begin.header);
		r_nat(&r, &m->snap_begin.nat);
		r_count(&r, &m->snap_begin.n_peers, CTL_PEERS_MAX);
		r_count(&r, &m->snap_begin.n_routes, CTL_ROUTES_MAX);
		r_count(&r, &m->snap_begin.n_logs, CTL_LOGS_MAX);
		break;
	case CTL_MSG_SNAPSHOT_PART:
		r_event(&r, &m->event);
		if (r.err == 0 && !part_type_ok(m->event.type))
			r_fail(&r, -EINVAL);
		break;
	case CTL_MSG_EVENT:
		r_event(&r, &m->event);
		break;
	case CTL_MSG_SNAPSHOT_END:
		m->snap_end.seq = r_u64(&r);
		r_count(&r, &m->snap_end.n_peers, CTL_PEERS_MAX);
		r_count(&r, &m->snap_end.n_routes, CTL_ROUTES_MAX);
		r_count(&r, &m->snap_end.n_logs, CTL_LOGS_MAX);
		break;
	case CTL_MSG_REQUEST:
		m->request.id = r_u32(&r);
		m->request.op = (enum ctl_op)r_u8(&r);
		if (r.err == 0 &&
		    (m->request.op < CTL_OP_SHUTDOWN || m->request.op > CTL_OP_LOG_SINCE))
			r_fail(&r, -ENOMSG);
		m->request.arg = r_u64(&r);
		break;
	case CTL_MSG_RESULT:
		m->result.id = r_u32(&r);
		m->result.err = r_u32(&r);
		r_str(&r, m->result.message, sizeof(m->result.message));
		break;
	default:
		return -ENOMSG;
	}
	if (r.err < 0)
		return r.err;
	if (r.off != r.len)
		return -EPROTO;
	return 0;
}

int
ctl_decode_frame(struct ctl_msg *m, const uint8_t *frame, size_t len)
{
	uint32_t flen;

	if (len < 4)
		return -EBADMSG;
	flen = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 |
	       frame[3];
	if (flen < 2 || flen > CTL_FRAME_MAX - 4)
		return -EMSGSIZE;
	if (len < 4 + (size_t)flen)
		return -EBADMSG;
	if (len > 4 + (size_t)flen)
		return -EPROTO;
	return ctl_decode_body(m, (uint16_t)(frame[4] << 8 | frame[5]), frame + CTL_HDR_LEN,
	                       flen - 2);
}

int
ctl_hello_peek(const uint8_t *body, size_t len, uint16_t *version)
{
	struct rbuf r = {.p = body, .len = len};
	uint32_t magic = r_u32(&r);
	uint16_t v = r_u16(&r);

	if (r.err < 0)
		return r.err;
	if (magic != CTL_MAGIC)
		return -ENOPROTOOPT;
	*version = v;
	return 0;
}

int
ctl_hello_check(uint16_t peer_version)
{
	return peer_version == CTL_VERSION ? 0 : -EPROTONOSUPPORT;
}

char *
ctl_mismatch_text(char *buf, size_t len, const char *self, unsigned self_version, const char *other,
                  unsigned other_version)
{
	if (len > 0)
		snprintf(buf, len, "%s speaks control protocol %u, %s speaks %u", self,
		         self_version, other, other_version);
	return buf;
}

const char *
ctl_backend_str(enum ctl_backend b)
{
	static const char *const names[CTL_BACKEND_COUNT] = {
	    "kernel", "wireguard-go", "boringtun", "existing", "fake",
	};

	return (unsigned)b < CTL_BACKEND_COUNT ? names[b] : "?";
}

const char *
ctl_peer_state_str(enum ctl_peer_state s)
{
	static const char *const names[CTL_PEER_STATE_COUNT] = {
	    "unknown", "self",        "direct LAN", "direct NAT",
	    "direct",  "via gateway", "down",       "CONFLICT",
	};

	return (unsigned)s < CTL_PEER_STATE_COUNT ? names[s] : "?";
}

const char *
ctl_nat_state_str(enum ctl_nat_state s)
{
	static const char *const names[CTL_NAT_STATE_COUNT] = {
	    "not tried", "probing", "punching", "direct", "failed", "backing off",
	};

	return (unsigned)s < CTL_NAT_STATE_COUNT ? names[s] : "?";
}

const char *
ctl_nat_behaviour_str(enum ctl_nat_behaviour b)
{
	static const char *const names[CTL_NATB_COUNT] = {
	    "unknown",
	    "none (public address)",
	    "endpoint-independent",
	    "endpoint-dependent",
	};

	return (unsigned)b < CTL_NATB_COUNT ? names[b] : "?";
}

const char *
ctl_log_level_str(enum ctl_log_level l)
{
	switch (l) {
	case CTL_LOG_WARN:
		return "warn";
	case CTL_LOG_INFO:
		return "info";
	case CTL_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

/* --- frame accumulator -------------------------------------------------- */

void
ctl_reader_init(struct ctl_reader *r)
{
	r->start = 0;
	r->len = 0;
	r->err = 0;
}

size_t
ctl_reader_feed(struct ctl_reader *r, const uint8_t *data, size_t len)
{
	size_t room;

	if (r->err < 0)
		return len; /* swallow: the connection is going away */
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	room = sizeof(r->buf) - r->len;
	if (len > room)
		len = room;
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return len;
}

int
ctl_reader_next(struct ctl_reader *r, uint16_t *type, const uint8_t **body, size_t *len)
{
	const uint8_t *p = r->buf + r->start;
	size_t have = r->len - r->start;
	uint32_t flen;

	if (r->err < 0)
		return r->err;
	if (have < 4)
		return 0;
	flen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (flen < 2 || flen > CTL_FRAME_MAX - 4) {
		r->err = -EMSGSIZE;
		return r->err;
	}
	if (have < 4 + (size_t)flen)
		return 0;
	*type = (uint16_t)(p[4] << 8 | p[5]);
	*body = p + CTL_HDR_LEN;
	*len = flen - 2;
	r->start += 4 + flen;
	return 1;
}
