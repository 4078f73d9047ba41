/*
 * model: snapshot and events applied to sorted arrays and a log ring (see
 * model.h for the vocabulary and invariants).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tui/model.h"

int
tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->log = calloc(TUI_LOG_LINES, sizeof(*m->log));
	if (m->log == NULL)
		return -ENOMEM;
	m->dirty = TUI_DIRTY_ALL;
	return 0;
}

void
tui_model_free(struct tui_model *m)
{
	free(m->peers);
	free(m->routes);
	free(m->log);
	memset(m, 0, sizeof(*m));
}

/* Index of id, or of where it would go (*found false). */
static size_t
peer_search(const struct tui_model *m, const uint8_t *id, bool *found)
{
	size_t lo = 0, hi = m->n_peers, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(m->peers[mid].p.id, id, CTL_ID_LEN);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int
prefix_cmp(const struct ipprefix *a, const struct ipprefix *b)
{
	int c = ipaddr_cmp(&a->addr, &b->addr);

	if (c != 0)
		return c;
	return (int)a->len - (int)b->len;
}

static size_t
route_search(const struct tui_model *m, const struct ipprefix *dst, bool *found)
{
	size_t lo = 0, hi = m->n_routes, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = prefix_cmp(&m->routes[mid].dst, dst);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Make room for one more element of size sz in *arr (n used, *cap allocated). */
static int
grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * sz);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Rates from the previous sample, taken at least TUI_RATE_MIN_MS ago. */
static void
peer_sample(struct tui_peer *tp, int64_t now_ms)
{
	int64_t dt = now_ms - tp->sample_ms;

	if (tp->sample_ms == 0 || tp->p.rx_bytes < tp->sample_rx ||
	    tp->p.tx_bytes < tp->sample_tx) {
		/* First sight, or counters reset (interface re-created): start over. */
		tp->sample_ms = now_ms != 0 ? now_ms : 1;
		tp->sample_rx = tp->p.rx_bytes;
		tp->sample_tx = tp->p.tx_bytes;
		tp->have_rate = false;
		tp->rx_rate = tp->tx_rate = 0;
		return;
	}
	if (dt < TUI_RATE_MIN_MS)
		return;
	tp->rx_rate = (tp->p.rx_bytes - tp->sample_rx) * 1000 / (uint64_t)dt;
	tp->tx_rate = (tp->p.tx_bytes - tp->sample_tx) * 1000 / (uint64_t)dt;
	tp->have_rate = true;
	tp->sample_ms = now_ms;
	tp->sample_rx = tp->p.rx_bytes;
	tp->sample_tx = tp->p.tx_bytes;
}

static int
peer_upsert(struct tui_model *m, const struct ctl_peer *p, int64_t now_ms)
{
	bool found;
	size_t i = peer_search(m, p->id, &found);
	struct tui_peer *tp;

	if (!found) {
		if (grow((void **)&m->peers, m->n_peers, &m->cap_peers, sizeof(*m->peers)) < 0)
			return -ENOMEM;
		memmove(&m->peers[i + 1], &m->peers[i], (m->n_peers - i) * sizeof(*m->peers));
		m->n_peers++;
		memset(&m->peers[i], 0, sizeof(m->peers[i]));
	}
	tp = &m->peers[i];
	tp->p = *p;
	peer_sample(tp, now_ms);
	if (m->in_snapshot)
		m->snap_peers++;
	/* NAT and keepalive panes show per-peer fields too. */
	m->dirty |= TUI_DIRTY_PEERS | TUI_DIRTY_NAT;
	return 0;
}

static void
peer_remove(struct tui_model *m, const uint8_t *id)
{
	bool found;
	size_t i = peer_search(m, id, &found);

	if (!found)
		return;
	memmove(&m->peers[i], &m->peers[i + 1], (m->n_peers - i - 1) * sizeof(*m->peers));
	m->n_peers--;
	m->dirty |= TUI_DIRTY_PEERS | TUI_DIRTY_NAT;
}

static int
route_upsert(struct tui_model *m, const struct ctl_route *r)
{
	bool found;
	size_t i = route_search(m, &r->dst, &found);

	if (!found) {
		if (grow((void **)&m->routes, m->n_routes, &m->cap_routes, sizeof(*m->routes)) < 0)
			return -ENOMEM;
		memmove(&m->routes[i + 1], &m->routes[i], (m->n_routes - i) * sizeof(*m->routes));
		m->n_routes++;
	}
	m->routes[i] = *r;
	if (m->in_snapshot)
		m->snap_routes++;
	m->dirty |= TUI_DIRTY_ROUTES;
	return 0;
}

static void
route_remove(struct tui_model *m, const struct ipprefix *dst)
{
	bool found;
	size_t i = route_search(m, dst, &found);

	if (!found)
		return;
	memmove(&m->routes[i], &m->routes[i + 1], (m->n_routes - i - 1) * sizeof(*m->routes));
	m->n_routes--;
	m->dirty |= TUI_DIRTY_ROUTES;
}

static void
log_append(struct tui_model *m, const struct ctl_log *l)
{
	if (m->in_snapshot)
		m->snap_logs++;
	if (m->log_n > 0 && l->seq <= tui_model_log(m, m->log_n - 1)->seq)
		return; /* already have it */
	if (m->log_n < TUI_LOG_LINES) {
		m->log[(m->log_head + m->log_n) % TUI_LOG_LINES] = *l;
		m->log_n++;
	} else {
		m->log[m->log_head] = *l;
		m->log_head = (m->log_head + 1) % TUI_LOG_LINES;
	}
	m->dirty |= TUI_DIRTY_LOG;
}

void
tui_model_snapshot_begin(struct tui_model *m, const struct ctl_snapshot_begin *b)
{
	m->n_peers = 0;
	m->n_routes = 0;
	m->log_head = 0;
	m->log_n = 0;
	m->header = b->header;
	m->have_header = true;
	m->nat = b->nat;
	m->seq = b->seq;
	m->in_snapshot = true;
	m->snap_peers = m->snap_routes = m->snap_logs = 0;
	m->dirty = TUI_DIRTY_ALL;
}

int
tui_model_snapshot_end(struct tui_model *m, const struct ctl_snapshot_end *e)
{
	m->in_snapshot = false;
	m->dirty = TUI_DIRTY_ALL;
	if (e->seq != m->seq || e->n_peers != m->snap_peers || e->n_routes != m->snap_routes ||
	    e->n_logs != m->snap_logs)
		return -EPROTO;
	return 0;
}

int
tui_model_apply(struct tui_model *m, const struct ctl_event *ev, int64_t now_ms)
{
	if (!m->in_snapshot) {
		if (ev->seq <= m->seq)
			return 0;
		m->seq = ev->seq;
	}
	switch (ev->type) {
	case CTL_EV_HEADER:
		m->header = ev->header;
		m->have_header = true;
		m->dirty |= TUI_DIRTY_HEADER;
		return 0;
	case CTL_EV_PEER_UPSERT:
		return peer_upsert(m, &ev->peer, now_ms);
	case CTL_EV_PEER_REMOVE:
		peer_remove(m, ev->peer_id);
		return 0;
	case CTL_EV_ROUTE_UPSERT:
		return route_upsert(m, &ev->route);
	case CTL_EV_ROUTE_REMOVE:
		route_remove(m, &ev->route_dst);
		return 0;
	case CTL_EV_NAT:
		m->nat = ev->nat;
		m->dirty |= TUI_DIRTY_NAT;
		return 0;
	case CTL_EV_LOG:
		log_append(m, &ev->log);
		return 0;
	}
	return -EINVAL;
}

int
tui_model_feed(struct tui_model *m, const struct ctl_msg *msg, int64_t now_ms)
{
	switch (msg->type) {
	case CTL_MSG_SNAPSHOT_BEGIN:
		tui_model_snapshot_begin(m, &msg->snap_begin);
		return 0;
	case CTL_MSG_SNAPSHOT_PART:
	case CTL_MSG_EVENT:
		return tui_model_apply(m, &msg->event, now_ms);
	case CTL_MSG_SNAPSHOT_END:
		return tui_model_snapshot_end(m, &msg->snap_end);
	default:
		return -ENOMSG;
	}
}

const struct tui_peer *
tui_model_peer(const struct tui_model *m, const uint8_t id[CTL_ID_LEN])
{
	bool found;
	size_t i = peer_search(m, id, &found);

	return found ? &m->peers[i] : NULL;
}

const struct ctl_log *
tui_model_log(const struct tui_model *m, size_t i)
{
	return &m->log[(m->log_head + i) % TUI_LOG_LINES];
}
