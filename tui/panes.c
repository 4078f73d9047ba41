/*
 * panes: drawing (see panes.h for the layout).
 *
 * Vocabulary:
 *   col     a table column: title, base width, maximum width, priority (0 is
 *           kept longest), alignment. cols_layout() decides which columns
 *           fit and how wide each one is.
 *   table   a header row and a window of rows onto a list (struct ui_list):
 *           table() settles top/page so that the selection stays visible.
 *   region  a pane's rectangle; in the wide layout its first line is a title.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/panes.h"

#define S_GOOD   CANVAS_COLOR(UI_COLOR_GOOD)
#define S_WARN   CANVAS_COLOR(UI_COLOR_WARN)
#define S_BAD    CANVAS_COLOR(UI_COLOR_BAD)
#define S_ACCENT CANVAS_COLOR(UI_COLOR_ACCENT)

#define HLINE       0x2500
#define HLINE_FOCUS 0x2550
#define VLINE       0x2502

struct col {
	const char *title;
	int w, max, prio;
	bool right;
	/* set by cols_layout() */
	bool shown;
	int x, cw;
};

#define COL(t, base, mx, pr, rt)                                                                   \
	{                                                                                          \
		.title = t, .w = base, .max = mx, .prio = pr, .right = rt                          \
	}

typedef void (*cell_fn)(const struct ui *ui, size_t row, int col, char *buf, size_t len,
                        uint16_t *style, int64_t now);

static void
cols_layout(struct col *cols, int n, int x0, int avail)
{
	int i, prio, used = 0, left, add, x;

	for (i = 0; i < n; i++)
		cols[i].shown = false;
	for (prio = 0; prio < n; prio++)
		for (i = 0; i < n; i++) {
			if (cols[i].prio != prio)
				continue;
			if (used + (used > 0) + cols[i].w <= avail) {
				used += (used > 0) + cols[i].w;
				cols[i].shown = true;
			}
		}
	left = avail - used;
	for (i = 0; i < n; i++) {
		cols[i].cw = cols[i].w;
		if (!cols[i].shown || cols[i].max <= cols[i].w || left <= 0)
			continue;
		add = cols[i].max - cols[i].w < left ? cols[i].max - cols[i].w : left;
		cols[i].cw += add;
		left -= add;
	}
	x = x0;
	for (i = 0; i < n; i++) {
		if (!cols[i].shown)
			continue;
		cols[i].x = x;
		x += cols[i].cw + 1;
	}
}

/* Settle top/page of a list showing `rows` rows out of n. */
static void
list_settle(struct ui_list *l, size_t n, int rows)
{
	size_t page = rows > 0 ? (size_t)rows : 1;

	l->page = (int)page;
	if (n == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= n)
		l->sel = n - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + page)
		l->top = l->sel - page + 1;
	if (l->top + page > n)
		l->top = n > page ? n - page : 0;
}

static void
table(struct ui *ui, struct canvas *c, enum ui_pane pane, struct canvas_rect r, struct col *cols,
      int ncols, size_t nrows, cell_fn fn, int64_t now, const char *empty)
{
	struct ui_list *l = &ui->list[pane];
	bool focus = ui->focus == pane;
	char buf[512];
	uint16_t style;
	size_t row;
	int i, y;

	if (r.h < 1 || r.w < 2)
		return;
	cols_layout(cols, ncols, r.x + 1, r.w - 1);
	for (i = 0; i < ncols; i++) {
		if (!cols[i].shown)
			continue;
		if (cols[i].right)
			canvas_text_right(c, cols[i].x, r.y, cols[i].cw, CANVAS_BOLD,
			                  cols[i].title);
		else
			canvas_text(c, cols[i].x, r.y, cols[i].cw, CANVAS_BOLD, cols[i].title);
	}
	if (pane == UI_PANE_LOG && ui->log_follow && nrows > 0)
		l->sel = nrows - 1;
	list_settle(l, nrows, r.h - 1);
	if (nrows == 0) {
		if (r.h > 1)
			canvas_text(c, r.x + 1, r.y + 1, r.w - 1, CANVAS_DIM, empty);
		return;
	}
	for (y = 1; y < r.h; y++) {
		row = l->top + (size_t)(y - 1);
		if (row >= nrows)
			break;
		for (i = 0; i < ncols; i++) {
			if (!cols[i].shown)
				continue;
			buf[0] = '\0';
			style = 0;
			fn(ui, row, i, buf, sizeof(buf), &style, now);
			if (cols[i].right)
				canvas_text_right(c, cols[i].x, r.y + y, cols[i].cw, style, buf);
			else
				canvas_text(c, cols[i].x, r.y + y, cols[i].cw, style, buf);
		}
		if (focus && row == l->sel) {
			canvas_put(c, r.x, r.y + y, '>', CANVAS_BOLD);
			canvas_restyle(c, (struct canvas_rect){r.x, r.y + y, r.w, 1},
			               CANVAS_REVERSE);
		}
	}
}

/* --- cells -------------------------------------------------------------- */

static const struct tui_peer *
view_peer(const struct ui *ui, size_t row)
{
	return &ui->model->peers[ui->view[row]];
}

static uint16_t
state_style(enum ctl_peer_state s)
{
	switch (s) {
	case CTL_PEER_SELF:
		return CANVAS_BOLD;
	case CTL_PEER_DIRECT_LAN:
	case CTL_PEER_DIRECT_NAT:
	case CTL_PEER_DIRECT:
		return S_GOOD;
	case CTL_PEER_VIA_GATEWAY:
		return S_WARN;
	case CTL_PEER_DOWN:
	case CTL_PEER_CONFLICT:
		return S_BAD | CANVAS_BOLD;
	case CTL_PEER_UNKNOWN:
		break;
	}
	return CANVAS_DIM;
}

static void
state_text(const struct ctl_peer *p, char *buf, size_t len)
{
	if (p->state == CTL_PEER_VIA_GATEWAY)
		snprintf(buf, len, "via %s", p->gw_name[0] != '\0' ? p->gw_name : "?");
	else
		snprintf(buf, len, "%s", ctl_peer_state_str(p->state));
}

static void
bytes_rate(char *buf, size_t len, uint64_t bytes, uint64_t rate, bool have_rate)
{
	char b[16], r[16];

	ui_fmt_bytes(b, sizeof(b), bytes);
	if (!have_rate) {
		snprintf(buf, len, "%s", b);
		return;
	}
	ui_fmt_bytes(r, sizeof(r), rate);
	snprintf(buf, len, "%s %s/s", b, r);
}

static void
handshake_text(char *buf, size_t len, int64_t hs, int64_t now)
{
	if (hs == 0)
		snprintf(buf, len, "never");
	else
		ui_fmt_age(buf, len, now - hs);
}

enum { PC_NAME, PC_ADDR, PC_STATE, PC_HS, PC_RX, PC_TX, PC_RTT, PC_EP, PC_N };

static void
peer_cell(const struct ui *ui, size_t row, int col, char *buf, size_t len, uint16_t *style,
          int64_t now)
{
	const struct tui_peer *tp = view_peer(ui, row);
	const struct ctl_peer *p = &tp->p;

	switch (col) {
	case PC_NAME:
		snprintf(buf, len, "%s", p->name[0] != '\0' ? p->name : "(unnamed)");
		if (p->state == CTL_PEER_SELF)
			*style = CANVAS_BOLD;
		break;
	case PC_ADDR:
		if (p->addr.family != AF_UNSPEC)
			ipaddr_fmt(&p->addr, buf, len);
		else
			snprintf(buf, len, "-");
		break;
	case PC_STATE:
		state_text(p, buf, len);
		*style = state_style(p->state);
		break;
	case PC_HS:
		if (p->state == CTL_PEER_SELF)
			snprintf(buf, len, "-");
		else
			handshake_text(buf, len, p->last_handshake, now);
		break;
	case PC_RX:
	case PC_TX:
		if (p->state == CTL_PEER_SELF)
			snprintf(buf, len, "-");
		else if (col == PC_RX)
			bytes_rate(buf, len, p->rx_bytes, tp->rx_rate, tp->have_rate);
		else
			bytes_rate(buf, len, p->tx_bytes, tp->tx_rate, tp->have_rate);
		break;
	case PC_RTT:
		ui_fmt_rtt(buf, len, p->rtt_us);
		break;
	case PC_EP:
		if (p->endpoint.addr.family != AF_UNSPEC)
			endpoint_fmt(&p->endpoint, buf, len);
		else
			snprintf(buf, len, "-");
		break;
	}
}

enum { RC_DST, RC_VIA, RC_COST, RC_SINCE, RC_N };

static void
route_cell(const struct ui *ui, size_t row, int col, char *buf, size_t len, uint16_t *style,
           int64_t now)
{
	const struct ctl_route *rt = &ui->model->routes[row];

	switch (col) {
	case RC_DST:
		ipprefix_fmt(&rt->dst, buf, len);
		break;
	case RC_VIA:
		snprintf(buf, len, "%s", rt->nexthop_name[0] != '\0' ? rt->nexthop_name : "-");
		break;
	case RC_COST:
		snprintf(buf, len, "%u", (unsigned)rt->cost);
		break;
	case RC_SINCE:
		ui_fmt_age(buf, len, now - rt->since);
		break;
	}
}

enum { NC_NAME, NC_STATE, NC_BACKOFF, NC_REASON, NC_N };

static uint16_t
nat_style(enum ctl_nat_state s)
{
	switch (s) {
	case CTL_NAT_DIRECT:
		return S_GOOD;
	case CTL_NAT_PROBING:
	case CTL_NAT_PUNCHING:
	case CTL_NAT_BACKING_OFF:
		return S_WARN;
	case CTL_NAT_FAILED:
		return S_BAD;
	case CTL_NAT_NOT_TRIED:
		break;
	}
	return CANVAS_DIM;
}

static void
nat_cell(const struct ui *ui, size_t row, int col, char *buf, size_t len, uint16_t *style,
         int64_t now)
{
	const struct ctl_peer *p = &view_peer(ui, row)->p;

	switch (col) {
	case NC_NAME:
		snprintf(buf, len, "%s", p->name);
		break;
	case NC_STATE:
		snprintf(buf, len, "%s", ctl_nat_state_str(p->nat_state));
		*style = nat_style(p->nat_state);
		break;
	case NC_BACKOFF:
		if (p->nat_state == CTL_NAT_BACKING_OFF && p->backoff_s > 0)
			ui_fmt_age(buf, len, p->backoff_s);
		else
			snprintf(buf, len, "-");
		break;
	case NC_REASON:
		snprintf(buf, len, "%s", p->nat_reason);
		break;
	}
}

enum { KC_NAME, KC_KA, KC_PROBES, KC_AIN, KC_AOUT, KC_IDLE, KC_WARM, KC_N };

static void
ka_cell(const struct ui *ui, size_t row, int col, char *buf, size_t len, uint16_t *style,
        int64_t now)
{
	const struct ctl_peer *p = &view_peer(ui, row)->p;

	switch (col) {
	case KC_NAME:
		snprintf(buf, len, "%s", p->name);
		break;
	case KC_KA:
		snprintf(buf, len, "%llu", (unsigned long long)p->keepalives_sent);
		break;
	case KC_PROBES:
		snprintf(buf, len, "%llu/%llu", (unsigned long long)p->probes_sent,
		         (unsigned long long)p->probes_answered);
		break;
	case KC_AIN:
		snprintf(buf, len, "%llu", (unsigned long long)p->admin_in);
		break;
	case KC_AOUT:
		snprintf(buf, len, "%llu", (unsigned long long)p->admin_out);
		break;
	case KC_IDLE:
		ui_fmt_age(buf, len, p->idle_s);
		break;
	case KC_WARM:
		if (!p->kept_warm)
			snprintf(buf, len, "no");
		else if (p->warm_reason[0] != '\0')
			snprintf(buf, len, "yes: %s", p->warm_reason);
		else
			snprintf(buf, len, "yes");
		break;
	}
}

enum { LC_TIME, LC_LEVEL, LC_TEXT, LC_N };

static void
log_cell(const struct ui *ui, size_t row, int col, char *buf, size_t len, uint16_t *style,
         int64_t now)
{
	const struct ctl_log *l = tui_model_log(ui->model, ui->logv[row]);
	time_t t = (time_t)(l->realtime_ms / 1000);
	struct tm tm;

	if (l->level == CTL_LOG_WARN)
		*style = S_WARN;
	else if (l->level == CTL_LOG_DEBUG)
		*style = CANVAS_DIM;
	switch (col) {
	case LC_TIME:
		if (localtime_r(&t, &tm) != NULL)
			strftime(buf, len, "%H:%M:%S", &tm);
		break;
	case LC_LEVEL:
		snprintf(buf, len, "%s", ctl_log_level_str(l->level));
		break;
	case LC_TEXT:
		snprintf(buf, len, "%s", l->text);
		break;
	}
}

/* --- panes -------------------------------------------------------------- */

static void
pane_peers(struct ui *ui, struct canvas *c, struct canvas_rect r, int64_t now)
{
	struct col cols[PC_N] = {
	    [PC_NAME] = COL("NAME", 10, 24, 0, false),
	    [PC_ADDR] = COL("ADDRESS", 15, 39, 1, false),
	    [PC_STATE] = COL("STATE", 12, 20, 2, false),
	    [PC_HS] = COL("HS", 5, 5, 3, true),
	    [PC_RX] = COL("RX", 11, 11, 4, true),
	    [PC_TX] = COL("TX", 11, 11, 5, true),
	    [PC_RTT] = COL("RTT", 6, 6, 6, true),
	    [PC_EP] = COL("ENDPOINT", 21, 47, 7, false),
	};
	char empty[96];

	if (ui->model->n_peers == 0)
		snprintf(empty, sizeof(empty), "no peers yet \u2014 waiting for the static peers");
	else
		snprintf(empty, sizeof(empty), "no peer matches \"%s\"", ui->filter);
	table(ui, c, UI_PANE_PEERS, r, cols, PC_N, ui->n_view, peer_cell, now, empty);
}

static void
pane_routes(struct ui *ui, struct canvas *c, struct canvas_rect r, int64_t now)
{
	struct col cols[RC_N] = {
	    [RC_DST] = COL("DESTINATION", 18, 43, 0, false),
	    [RC_VIA] = COL("NEXT HOP", 10, 24, 1, false),
	    [RC_COST] = COL("COST", 6, 6, 2, true),
	    [RC_SINCE] = COL("SINCE", 6, 6, 3, true),
	};

	table(ui, c, UI_PANE_ROUTES, r, cols, RC_N, ui->model->n_routes, route_cell, now,
	      "no routes yet");
}

/* Draw "label  item, item, ..." wrapped over lines from y; returns lines used (<= maxl). */
static int
wrap_list(struct canvas *c, int x, int y, int w, int maxl, const char *label, char items[][96],
          int n)
{
	int lines = 1, cx = x + 11, i, iw;

	canvas_text(c, x, y, 11, CANVAS_BOLD, label);
	if (n == 0) {
		canvas_text(c, cx, y, w - 11, CANVAS_DIM, "none yet");
		return 1;
	}
	for (i = 0; i < n; i++) {
		iw = canvas_width(items[i]) + (i < n - 1 ? 1 : 0);
		if (cx > x + 11 && cx + iw > x + w) {
			if (lines == maxl) {
				canvas_text(c, cx, y + lines - 1, x + w - cx, 0, "\u2026");
				return lines;
			}
			lines++;
			cx = x + 11;
		}
		cx += canvas_text(c, cx, y + lines - 1, x + w - cx, 0, items[i]);
		if (i < n - 1)
			cx += canvas_text(c, cx, y + lines - 1, x + w - cx, 0, ",");
		cx++;
	}
	return lines;
}

static void
pane_nat(struct ui *ui, struct canvas *c, struct canvas_rect r, int64_t now)
{
	const struct ctl_nat *n = &ui->model->nat;
	struct col cols[NC_N] = {
	    [NC_NAME] = COL("NAME", 10, 24, 0, false),
	    [NC_STATE] = COL("TRAVERSAL", 11, 11, 1, false),
	    [NC_BACKOFF] = COL("RETRY", 5, 5, 3, true),
	    [NC_REASON] = COL("REASON", 6, 64, 2, false),
	};
	char items[CTL_NAT_REFL_MAX > CTL_NAT_CAND_MAX ? CTL_NAT_REFL_MAX : CTL_NAT_CAND_MAX][96];
	char ep[ENDPOINT_STRLEN];
	int i, y = r.y, maxl = r.h / 4 > 1 ? r.h / 4 : 1;

	if (r.h < 4)
		return;
	canvas_text(c, r.x + 1, y, 10, CANVAS_BOLD, "Behaviour");
	canvas_text(c, r.x + 12, y, r.w - 12,
	            n->behaviour == CTL_NATB_ENDPOINT_DEPENDENT ? S_WARN : 0,
	            ctl_nat_behaviour_str(n->behaviour));
	y++;
	for (i = 0; i < n->n_local && i < CTL_NAT_CAND_MAX; i++)
		endpoint_fmt(&n->local[i], items[i], sizeof(items[i]));
	y += wrap_list(c, r.x + 1, y, r.w - 1, maxl, "Local", items, i);
	for (i = 0; i < n->n_reflexive && i < CTL_NAT_REFL_MAX; i++)
		snprintf(items[i], sizeof(items[i]), "%s (by %s)",
		         endpoint_fmt(&n->reflexive[i].endpoint, ep, sizeof(ep)),
		         n->reflexive[i].seen_by);
	y += wrap_list(c, r.x + 1, y, r.w - 1, maxl, "Reflexive", items, i);
	y++;
	table(ui, c, UI_PANE_NAT, (struct canvas_rect){r.x, y, r.w, r.y + r.h - y}, cols, NC_N,
	      ui->n_view, nat_cell, now,
	      ui->model->n_peers == 0 ? "no peers yet" : "no peer matches the filter");
}

static void
pane_keepalive(struct ui *ui, struct canvas *c, struct canvas_rect r, int64_t now)
{
	struct col cols[KC_N] = {
	    [KC_NAME] = COL("NAME", 10, 24, 0, false),
	    [KC_KA] = COL("KEEPALIVES", 10, 10, 1, true),
	    [KC_PROBES] = COL("PROBES", 9, 13, 2, true),
	    [KC_AIN] = COL("ADMIN IN", 8, 8, 3, true),
	    [KC_AOUT] = COL("ADMIN OUT", 9, 9, 4, true),
	    [KC_IDLE] = COL("IDLE", 5, 5, 5, true),
	    [KC_WARM] = COL("KEPT WARM", 9, 60, 6, false),
	};

	table(ui, c, UI_PANE_KEEPALIVE, r, cols, KC_N, ui->n_view, ka_cell, now,
	      ui->model->n_peers == 0 ? "no peers yet" : "no peer matches the filter");
}

static void
pane_log(struct ui *ui, struct canvas *c, struct canvas_rect r, int64_t now)
{
	struct col cols[LC_N] = {
	    [LC_TIME] = COL("TIME", 8, 8, 0, false),
	    [LC_LEVEL] = COL("LEVEL", 5, 5, 2, false),
	    [LC_TEXT] = COL("MESSAGE", 10, 1000, 1, false),
	};

	table(ui, c, UI_PANE_LOG, r, cols, LC_N, ui->n_logv, log_cell, now,
	      ui->model->log_n == 0 ? "no log lines yet" : "no lines at this level (v to change)");
}

static const char *const pane_names[UI_PANE_COUNT] = {
    "Peers", "Routes", "NAT", "Keepalive", "Log",
};

static void
pane_draw(struct ui *ui, struct canvas *c, enum ui_pane p, struct canvas_rect r, int64_t now)
{
	switch (p) {
	case UI_PANE_PEERS:
		pane_peers(ui, c, r, now);
		break;
	case UI_PANE_ROUTES:
		pane_routes(ui, c, r, now);
		break;
	case UI_PANE_NAT:
		pane_nat(ui, c, r, now);
		break;
	case UI_PANE_KEEPALIVE:
		pane_keepalive(ui, c, r, now);
		break;
	case UI_PANE_LOG:
		pane_log(ui, c, r, now);
		break;
	}
}

static void
pane_label(const struct ui *ui, enum ui_pane p, char *buf, size_t len)
{
	switch (p) {
	case UI_PANE_PEERS:
	case UI_PANE_KEEPALIVE:
		if (ui->filter[0] != '\0')
			snprintf(buf, len, "%d %s %zu/%zu", p + 1, pane_names[p], ui->n_view,
			         ui->model->n_peers);
		else
			snprintf(buf, len, "%d %s %zu", p + 1, pane_names[p], ui->model->n_peers);
		break;
	case UI_PANE_ROUTES:
		snprintf(buf, len, "%d %s %zu", p + 1, pane_names[p], ui->model->n_routes);
		break;
	case UI_PANE_LOG:
		snprintf(buf, len, "%d %s %s", p + 1, pane_names[p],
		         ctl_log_level_str(ui->log_level));
		break;
	case UI_PANE_NAT:
		snprintf(buf, len, "%d %s", p + 1, pane_names[p]);
		break;
	}
}

/* A region with a title line (wide layout). */
static void
region(struct ui *ui, struct canvas *c, enum ui_pane p, struct canvas_rect r, int64_t now)
{
	bool focus = ui->focus == p;
	char label[64], title[80];
	int used;

	if (r.h < 2 || r.w < 4)
		return;
	pane_label(ui, p, label, sizeof(label));
	snprintf(title, sizeof(title), focus ? "[%s]" : " %s ", label);
	canvas_hline(c, r.x, r.y, r.w, focus ? HLINE_FOCUS : HLINE, focus ? S_ACCENT : 0);
	used = canvas_text(c, r.x + 1, r.y, r.w - 2,
	                   focus ? (S_ACCENT | CANVAS_BOLD | CANVAS_REVERSE) : CANVAS_BOLD, title);
	(void)used;
	pane_draw(ui, c, p, (struct canvas_rect){r.x, r.y + 1, r.w, r.h - 1}, now);
}

/* --- frame: header, tabs, status, overlays ------------------------------ */

static void
fmt_uptime(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%ds", (int)s);
	else if (s < 3600)
		snprintf(buf, len, "%dm", (int)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02dh", (long long)(s / 86400), (int)(s % 86400 / 3600));
}

static void
header_line(const struct ui *ui, struct canvas *c, int64_t now)
{
	const struct ctl_header *h = &ui->model->header;
	char line[512], addr[IPADDR_STRLEN], net[IPPREFIX_STRLEN], up[32];
	uint16_t style = S_ACCENT | CANVAS_REVERSE;
	size_t i, nodes = 0, direct = 0, via = 0;

	canvas_hline(c, 0, 0, c->w, ' ', style);
	if (!ui->model->have_header) {
		canvas_text(c, 1, 0, c->w - 1, style | CANVAS_BOLD,
		            "wgnm \u2014 waiting for the node");
		return;
	}
	if (h->addr.family != AF_UNSPEC)
		ipaddr_fmt(&h->addr, addr, sizeof(addr));
	else
		snprintf(addr, sizeof(addr), "no address");
	if (h->subnet.addr.family != AF_UNSPEC)
		ipprefix_fmt(&h->subnet, net, sizeof(net));
	else
		snprintf(net, sizeof(net), "?");
	fmt_uptime(up, sizeof(up), now - h->start_time);
	for (i = 0; i < ui->model->n_peers; i++) {
		enum ctl_peer_state s = ui->model->peers[i].p.state;

		if (s == CTL_PEER_SELF)
			continue;
		nodes++;
		direct +=
		    s == CTL_PEER_DIRECT || s == CTL_PEER_DIRECT_LAN || s == CTL_PEER_DIRECT_NAT;
		via += s == CTL_PEER_VIA_GATEWAY;
	}
	/* Most telling first: at 80 columns the tail is what gets cut. */
	snprintf(line, sizeof(line),
	         "wgnm %s [%s]%s  %s in %s  up %s  %s (%s)  %zu nodes: %zu direct, %zu via gw  "
	         "port %u  admin %u  v%s",
	         h->name, h->id_short, h->mobile ? " mobile" : "", addr, net, up, h->ifname,
	         ctl_backend_str(h->backend), nodes, direct, via, h->wg_port, h->admin_port,
	         h->version);
	/* what the core dropped (shown only when something was) */
	for (i = 0; i < h->ndrops && strlen(line) + 48 < sizeof(line); i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s %llu",
		         i == 0 ? "  dropped: " : ", ", h->drops[i].name,
		         (unsigned long long)h->drops[i].count);
	canvas_text(c, 1, 0, c->w - 1, style | CANVAS_BOLD, line);
}

static void
tab_bar(const struct ui *ui, struct canvas *c, int y)
{
	char label[64], tab[80];
	int x = 0, p;

	for (p = 0; p < UI_PANE_COUNT && x < c->w; p++) {
		pane_label(ui, (enum ui_pane)p, label, sizeof(label));
		if ((enum ui_pane)p == ui->focus) {
			snprintf(tab, sizeof(tab), "[%s]", label);
			x += canvas_text(c, x, y, c->w - x, S_ACCENT | CANVAS_BOLD | CANVAS_REVERSE,
			                 tab);
		} else {
			snprintf(tab, sizeof(tab), " %s ", label);
			x += canvas_text(c, x, y, c->w - x, 0, tab);
		}
	}
	if (ui->filter[0] != '\0' && ui->prompt != UI_PROMPT_FILTER) {
		snprintf(tab, sizeof(tab), " filter: %s", ui->filter);
		if (x + canvas_width(tab) < c->w)
			canvas_text_right(c, x, y, c->w - x, S_WARN, tab);
	}
}

static void
status_line(const struct ui *ui, struct canvas *c)
{
	const struct ui_list *l = &ui->list[ui->focus];
	char line[256], pos[48];
	int y = c->h - 1, used;
	size_t n;

	canvas_hline(c, 0, y, c->w, ' ', CANVAS_REVERSE);
	switch (ui->prompt) {
	case UI_PROMPT_FILTER:
		snprintf(line, sizeof(line), "Filter (name or address): %s_", ui->filter);
		canvas_text(c, 0, y, c->w, CANVAS_REVERSE | CANVAS_BOLD, line);
		return;
	case UI_PROMPT_QUIT:
	case UI_PROMPT_SHUTDOWN:
		canvas_text(c, 0, y, c->w, CANVAS_REVERSE | CANVAS_BOLD | S_WARN,
		            ui->prompt == UI_PROMPT_QUIT ? ui->quit_question
		                                         : ui->shutdown_question);
		return;
	case UI_PROMPT_NONE:
		break;
	}
	if (ui->detail)
		snprintf(line, sizeof(line), "Esc close  \u2191\u2193 previous/next peer  ? help");
	else
		snprintf(line, sizeof(line), "q quit  %sd detach  / filter  v log level  ? help",
		         ui->shutdown_question != NULL ? "Q shutdown  " : "");
	used = canvas_text(c, 0, y, c->w, CANVAS_REVERSE, line);
	switch (ui->focus) {
	case UI_PANE_ROUTES:
		n = ui->model->n_routes;
		break;
	case UI_PANE_LOG:
		n = ui->n_logv;
		break;
	default:
		n = ui->n_view;
	}
	if (n == 0)
		return;
	snprintf(pos, sizeof(pos), "%zu/%zu ", l->sel + 1, n);
	if (used + canvas_width(pos) + 1 < c->w)
		canvas_text_right(c, used, y, c->w - used, CANVAS_REVERSE, pos);
}

struct kv {
	const char *k;
	char v[256];
	uint16_t style;
};

static void
overlay(struct canvas *c, const char *title, const struct kv *lines, int n, int kw)
{
	int w = c->w - 4 < 76 ? c->w - 4 : 76, h = n + 2 < c->h - 2 ? n + 2 : c->h - 2;
	int x = (c->w - w) / 2, y = 1, i;
	char t[96];

	if (w < 10 || h < 3)
		return;
	canvas_box(c, (struct canvas_rect){x, y, w, h}, 0);
	snprintf(t, sizeof(t), " %s ", title);
	canvas_text(c, x + 2, y, w - 4, CANVAS_BOLD, t);
	for (i = 0; i < n && i < h - 2; i++) {
		canvas_text(c, x + 2, y + 1 + i, kw, CANVAS_BOLD, lines[i].k);
		canvas_text(c, x + 2 + kw, y + 1 + i, w - 4 - kw, lines[i].style, lines[i].v);
	}
}

static void
hex(char *buf, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
}

static void
detail(const struct ui *ui, struct canvas *c, int64_t now)
{
	const struct tui_peer *tp = tui_model_peer(ui->model, ui->detail_id);
	const struct ctl_peer *p;
	struct kv kv[24];
	char a[128], b[64], title[96];
	int n = 0;

	memset(kv, 0, sizeof(kv));
	if (tp == NULL) {
		kv[0].k = "";
		snprintf(kv[0].v, sizeof(kv[0].v), "this peer is gone");
		overlay(c, "peer", kv, 1, 0);
		return;
	}
	p = &tp->p;
#define KV(key, ...)                                                                               \
	do {                                                                                       \
		kv[n].k = key;                                                                     \
		snprintf(kv[n].v, sizeof(kv[n].v), __VA_ARGS__);                                   \
		n++;                                                                               \
	} while (0)
	hex(a, p->id, 16);
	hex(b, p->id + 16, 16);
	KV("id", "%s", a);
	KV("", "%s", b);
	KV("address", "%s", p->addr.family != AF_UNSPEC ? ipaddr_fmt(&p->addr, a, sizeof(a)) : "-");
	state_text(p, a, sizeof(a));
	kv[n].style = state_style(p->state);
	KV("state", "%s", a);
	if (p->state == CTL_PEER_VIA_GATEWAY) {
		char g[16];

		hex(g, p->gw_id, 4);
		KV("gateway", "%s [%s]", p->gw_name, g);
	}
	if (p->state == CTL_PEER_CONFLICT) {
		kv[n].style = S_BAD;
		KV("conflict", "%s", p->conflict);
	}
	KV("endpoint", "%s",
	   p->endpoint.addr.family != AF_UNSPEC ? endpoint_fmt(&p->endpoint, a, sizeof(a)) : "-");
	handshake_text(a, sizeof(a), p->last_handshake, now);
	KV("handshake", "%s%s", a, p->last_handshake != 0 ? " ago" : "");
	bytes_rate(a, sizeof(a), p->rx_bytes, tp->rx_rate, tp->have_rate);
	KV("received", "%llu bytes (%s)", (unsigned long long)p->rx_bytes, a);
	bytes_rate(a, sizeof(a), p->tx_bytes, tp->tx_rate, tp->have_rate);
	KV("sent", "%llu bytes (%s)", (unsigned long long)p->tx_bytes, a);
	ui_fmt_rtt(a, sizeof(a), p->rtt_us);
	KV("rtt", "%s", a);
	kv[n].style = nat_style(p->nat_state);
	KV("traversal", "%s", ctl_nat_state_str(p->nat_state));
	KV("  reason", "%s", p->nat_reason[0] != '\0' ? p->nat_reason : "-");
	if (p->nat_state == CTL_NAT_BACKING_OFF) {
		ui_fmt_age(a, sizeof(a), p->backoff_s);
		KV("  retry in", "%s", a);
	}
	KV("keepalives", "%llu sent", (unsigned long long)p->keepalives_sent);
	KV("probes", "%llu sent, %llu answered", (unsigned long long)p->probes_sent,
	   (unsigned long long)p->probes_answered);
	KV("admin", "%llu in, %llu out", (unsigned long long)p->admin_in,
	   (unsigned long long)p->admin_out);
	ui_fmt_age(a, sizeof(a), p->idle_s);
	KV("idle", "%s", a);
	KV("kept warm", "%s%s%s", p->kept_warm ? "yes" : "no",
	   p->kept_warm && p->warm_reason[0] != '\0' ? ": " : "",
	   p->kept_warm ? p->warm_reason : "");
#undef KV
	snprintf(title, sizeof(title), "peer %s", p->name);
	overlay(c, title, kv, n, 12);
}

static void
help(const struct ui *ui, struct canvas *c)
{
	struct kv kv[14];
	int n = 0;

	memset(kv, 0, sizeof(kv));
#define KV(key, text)                                                                              \
	do {                                                                                       \
		kv[n].k = key;                                                                     \
		snprintf(kv[n].v, sizeof(kv[n].v), "%s", text);                                    \
		n++;                                                                               \
	} while (0)
	KV("Tab S-Tab", "next / previous pane");
	KV("1 2 3 4 5", "Peers, Routes, NAT, Keepalive, Log");
	KV("\u2191 \u2193", "move the selection");
	KV("PgUp PgDn", "move by a page");
	KV("Home End", "first / last row (End follows the log)");
	KV("Enter", "every field of the selected peer (Esc closes)");
	KV("/", "filter peers by name or address (Esc cancels)");
	KV("v", "log lines shown: warn, info, debug");
	KV("d", "detach: the node keeps running without this screen");
	KV("q", ui->quit_question != NULL ? "quit (asks first)" : "quit");
	if (ui->shutdown_question != NULL)
		KV("Q", "shut the daemon down (asks first)");
	KV("Ctrl-L", "repaint the screen");
	KV("?", "this help; any key closes it");
#undef KV
	overlay(c, "keys", kv, n, 11);
}

void
panes_render(struct ui *ui, struct canvas *c, int64_t now)
{
	int top, avail, ph, mh, bh, lw;

	canvas_clear(c);
	if (c->w < UI_MIN_W || c->h < UI_MIN_H) {
		canvas_printf(c, 0, 0, c->w, 0, "too small: %dx%d < %dx%d", c->w, c->h, UI_MIN_W,
		              UI_MIN_H);
		return;
	}
	header_line(ui, c, now);
	if (c->w >= UI_WIDE_W && c->h >= UI_WIDE_H) {
		top = 1;
		avail = c->h - 2;
		ph = avail * 2 / 5;
		mh = (avail - ph) / 2;
		bh = avail - ph - mh;
		lw = c->w / 2;
		region(ui, c, UI_PANE_PEERS, (struct canvas_rect){0, top, c->w, ph}, now);
		/* Left regions end one column before the separator: a margin. */
		region(ui, c, UI_PANE_ROUTES, (struct canvas_rect){0, top + ph, lw - 1, mh}, now);
		region(ui, c, UI_PANE_NAT,
		       (struct canvas_rect){lw + 1, top + ph, c->w - lw - 1, mh}, now);
		canvas_vline(c, lw, top + ph + 1, mh - 1, VLINE, 0);
		region(ui, c, UI_PANE_KEEPALIVE, (struct canvas_rect){0, top + ph + mh, lw - 1, bh},
		       now);
		region(ui, c, UI_PANE_LOG,
		       (struct canvas_rect){lw + 1, top + ph + mh, c->w - lw - 1, bh}, now);
		canvas_vline(c, lw, top + ph + mh + 1, bh - 1, VLINE, 0);
		/* Title lines run across the separator column. */
		canvas_hline(c, lw - 1, top + ph, 2,
		             ui->focus == UI_PANE_ROUTES ? HLINE_FOCUS : HLINE, 0);
		canvas_hline(c, lw - 1, top + ph + mh, 2,
		             ui->focus == UI_PANE_KEEPALIVE ? HLINE_FOCUS : HLINE, 0);
	} else {
		tab_bar(ui, c, 1);
		pane_draw(ui, c, ui->focus, (struct canvas_rect){0, 2, c->w, c->h - 3}, now);
	}
	if (ui->detail)
		detail(ui, c, now);
	if (ui->help)
		help(ui, c);
	status_line(ui, c);
}
