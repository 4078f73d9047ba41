/*
 * TUI keys → flags and actions (q asks first, d detaches, ...), plus the
 * model (rates, ordering, staleness, snapshot counts, log ring) and the canvas
 * primitives (wide characters, truncation, sanitising) the screens rest on.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "tui/canvas.h"
#include "tui/demo.h"
#include "tui/model.h"
#include "tui/ui.h"

#define HR (UI_HANDLED | UI_REDRAW)

static struct tui_model model;
static struct ui ui;
static struct canvas canvas;

static void
setup(const char *quitq, const char *shutq)
{
	tui_model_init(&model);
	tui_demo_fill(&model, 20, TUI_DEMO_NOW);
	ui_init(&ui, &model, quitq, shutq);
	canvas_init(&canvas, 80, 24);
	ui_render(&ui, &canvas, TUI_DEMO_NOW);
}

static void
teardown(void)
{
	canvas_free(&canvas);
	ui_free(&ui);
	tui_model_free(&model);
}

static unsigned
key(uint32_t k, enum ui_action *act)
{
	unsigned f = ui_key(&ui, k, act);

	ui_render(&ui, &canvas, TUI_DEMO_NOW);
	return f;
}

static void
test_quit_detach(void)
{
	enum ui_action act;

	setup("Quit and tear the mesh node down? y/n", NULL);
	is_int(key('q', &act), HR, "q: handled, redraw");
	is_int(act, UI_ACT_NONE, "q: asks first, no action yet");
	is_int(ui.prompt, UI_PROMPT_QUIT, "q: the quit question is up");
	is_int(key('n', &act), HR, "n: handled");
	is_int(act, UI_ACT_NONE, "n: no action");
	is_int(ui.prompt, UI_PROMPT_NONE, "n: question gone");
	key('q', &act);
	is_int(key('x', &act), HR, "any other key answers no");
	is_int(act, UI_ACT_NONE, "x: no action");
	key('q', &act);
	key('y', &act);
	is_int(act, UI_ACT_QUIT, "q y: quit");
	key(UI_KEY_CTRL('c'), &act);
	is_int(ui.prompt, UI_PROMPT_QUIT, "Ctrl-C asks like q");
	key('Y', &act);
	is_int(act, UI_ACT_QUIT, "Ctrl-C Y: quit");

	is_int(key('Q', &act), 0, "Q without a shutdown question: not handled");
	is_int(act, UI_ACT_NONE, "Q: no action");
	is_int(key('d', &act), UI_HANDLED, "d: handled");
	is_int(act, UI_ACT_DETACH, "d: detach");
	is_int(key(UI_KEY_CTRL('l'), &act), HR, "Ctrl-L: redraw");
	is_int(act, UI_ACT_REPAINT, "Ctrl-L: full repaint");
	is_int(key('z', &act), 0, "z: not handled");
	teardown();

	setup(NULL, "Shut the wgnm daemon down? y/n");
	is_int(key('q', &act), UI_HANDLED, "wgnm-tui q: handled, nothing to redraw");
	is_int(act, UI_ACT_QUIT, "wgnm-tui q: leaves at once");
	is_int(key('Q', &act), HR, "Q: asks");
	is_int(ui.prompt, UI_PROMPT_SHUTDOWN, "Q: the shutdown question is up");
	key('y', &act);
	is_int(act, UI_ACT_SHUTDOWN, "Q y: shutdown");
	key('Q', &act);
	key(UI_KEY_ESC, &act);
	is_int(act, UI_ACT_NONE, "Q Esc: no");
	teardown();
}

static void
test_panes_and_lists(void)
{
	enum ui_action act;
	const struct tui_peer *tp;

	setup("q?", NULL);
	is_int(ui.focus, UI_PANE_PEERS, "starts on Peers");
	key(UI_KEY_TAB, &act);
	is_int(ui.focus, UI_PANE_ROUTES, "Tab: Routes");
	key(UI_KEY_BTAB, &act);
	key(UI_KEY_BTAB, &act);
	is_int(ui.focus, UI_PANE_LOG, "Shift-Tab twice: Log (wraps)");
	is_int(key('3', &act), HR, "3: handled");
	is_int(ui.focus, UI_PANE_NAT, "3: NAT");
	key('1', &act);
	is_int(ui.focus, UI_PANE_PEERS, "1: Peers");

	is_int(ui.n_view, 28, "28 peers in the view");
	key(UI_KEY_DOWN, &act);
	key(UI_KEY_DOWN, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 2, "Down twice: row 2");
	key(UI_KEY_UP, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 1, "Up: row 1");
	key(UI_KEY_PGDN, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 1 + 19, "PgDn: a page (20 rows) minus one");
	key(UI_KEY_END, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 27, "End: last row");
	key(UI_KEY_DOWN, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 27, "Down at the end stays");
	is_int(ui.list[UI_PANE_PEERS].top, 27 - 19, "the last row is at the bottom");
	key(UI_KEY_HOME, &act);
	is_int(ui.list[UI_PANE_PEERS].sel, 0, "Home: first row");
	is_int(ui.list[UI_PANE_PEERS].top, 0, "Home: scrolled to the top");

	/* Detail. */
	key(UI_KEY_DOWN, &act);
	is_int(key(UI_KEY_ENTER, &act), HR, "Enter: handled");
	ok(ui.detail, "Enter: detail open");
	tp = ui_selected_peer(&ui);
	is_str(tp != NULL ? tp->p.name : NULL, "alice", "detail shows the selected peer");
	key(UI_KEY_DOWN, &act);
	tp = ui_selected_peer(&ui);
	is_str(tp != NULL ? tp->p.name : NULL, "beta", "Down in detail: next peer");
	is_int(key(UI_KEY_TAB, &act), 0, "Tab in detail: not handled");
	is_int(ui.focus, UI_PANE_PEERS, "focus kept under the detail");
	is_int(key(UI_KEY_ESC, &act), HR, "Esc: handled");
	ok(!ui.detail, "Esc: detail closed");
	is_int(key(UI_KEY_ESC, &act), 0, "Esc with nothing open: not handled");
	key('2', &act);
	is_int(key(UI_KEY_ENTER, &act), 0, "Enter on Routes: not handled");
	ok(!ui.detail, "no detail for a route");
	key('4', &act);
	key(UI_KEY_ENTER, &act);
	ok(ui.detail, "Enter on Keepalive opens the peer detail");
	key(UI_KEY_ENTER, &act);
	ok(!ui.detail, "Enter again closes it");

	/* Help. */
	is_int(key('?', &act), HR, "?: handled");
	ok(ui.help, "?: help shown");
	is_int(key('q', &act), HR, "a key on help: handled");
	ok(!ui.help, "any key closes help");
	is_int(ui.prompt, UI_PROMPT_NONE, "the key that closed help did nothing else");

	/* Log level. */
	is_int(ui.log_level, CTL_LOG_INFO, "log level starts at info");
	key('v', &act);
	is_int(ui.log_level, CTL_LOG_DEBUG, "v: debug");
	key('v', &act);
	is_int(ui.log_level, CTL_LOG_WARN, "v: warn");
	is_int(ui.n_logv, 2, "warn: 2 lines");
	key('v', &act);
	is_int(ui.log_level, CTL_LOG_INFO, "v: back to info");
	key('5', &act);
	ok(ui.log_follow, "the log follows new lines");
	key(UI_KEY_UP, &act);
	ok(!ui.log_follow, "Up stops following");
	key(UI_KEY_END, &act);
	ok(ui.log_follow, "End follows again");
	teardown();
}

static void
test_filter(void)
{
	enum ui_action act;

	setup("q?", NULL);
	is_int(key('/', &act), HR, "/: handled");
	is_int(ui.prompt, UI_PROMPT_FILTER, "/: the filter prompt is up");
	key('n', &act);
	key('o', &act);
	key('d', &act);
	is_int(act, UI_ACT_NONE, "d typed into the prompt does not detach");
	key('e', &act);
	key('-', &act);
	key('0', &act);
	key('1', &act);
	is_str(ui.filter, "node-01", "typed text is the filter");
	is_int(ui.n_view, 10, "node-01: 10 peers, as typed");
	key(UI_KEY_BACKSPACE, &act);
	is_str(ui.filter, "node-0", "Backspace drops a character");
	is_int(key(UI_KEY_ENTER, &act), HR, "Enter: handled");
	is_int(ui.prompt, UI_PROMPT_NONE, "Enter closes the prompt");
	is_int(ui.n_view, 20, "filter kept: 20 filler peers");
	key('/', &act);
	key('z', &act);
	is_int(ui.n_view, 0, "node-0z: nothing");
	key(UI_KEY_ESC, &act);
	is_str(ui.filter, "node-0", "Esc restores the previous filter");
	is_int(ui.n_view, 20, "and its view");
	key('/', &act);
	key(UI_KEY_CTRL('u'), &act);
	key('1', &act);
	key('0', &act);
	key('.', &act);
	key('1', &act);
	key('.', &act);
	key('9', &act);
	key(UI_KEY_ENTER, &act);
	is_int(ui.n_view, 1, "filter on the address: 10.1.9 finds omega");
	is_str(ui_selected_peer(&ui) ? ui_selected_peer(&ui)->p.name : NULL, "omega",
	       "and selects it");
	key('/', &act);
	key(0x00e9, &act); /* é, two bytes */
	key(UI_KEY_BACKSPACE, &act);
	is_str(ui.filter, "10.1.9", "Backspace drops a whole UTF-8 character");
	key(UI_KEY_ESC, &act);
	teardown();
}

static struct ctl_event
peer_ev(uint64_t seq, int id, const char *name, uint64_t rx, uint64_t tx)
{
	struct ctl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.type = CTL_EV_PEER_UPSERT;
	ev.peer.id[0] = (uint8_t)id;
	snprintf(ev.peer.name, sizeof(ev.peer.name), "%s", name);
	ev.peer.rx_bytes = rx;
	ev.peer.tx_bytes = tx;
	return ev;
}

static void
test_model(void)
{
	struct tui_model m;
	struct ctl_event ev;
	struct ctl_snapshot_begin b;
	struct ctl_snapshot_end e;
	const struct tui_peer *tp;
	uint8_t id[CTL_ID_LEN] = {0};
	int i, ordered = 1;

	tui_model_init(&m);
	ev = peer_ev(1, 5, "e", 1000, 500);
	is_int(tui_model_apply(&m, &ev, 10000), 0, "upsert applies");
	ev = peer_ev(2, 5, "e", 3000, 1500);
	tui_model_apply(&m, &ev, 10500);
	id[0] = 5;
	tp = tui_model_peer(&m, id);
	ok(tp != NULL && !tp->have_rate, "no rate before %d ms", TUI_RATE_MIN_MS);
	ev = peer_ev(3, 5, "e", 5000, 2500);
	tui_model_apply(&m, &ev, 12000);
	ok(tp != NULL && tp->have_rate, "rate after 2 s");
	if (tp == NULL)
		return;
	is_int(tp->rx_rate, 2000, "rx rate 4000 B / 2 s");
	is_int(tp->tx_rate, 1000, "tx rate 2000 B / 2 s");
	ev = peer_ev(4, 5, "e", 10, 10);
	tui_model_apply(&m, &ev, 13000);
	ok(!tp->have_rate, "counters went back (reset): no rate");
	ev = peer_ev(3, 5, "stale", 0, 0);
	is_int(tui_model_apply(&m, &ev, 14000), 0, "a stale event is accepted...");
	is_str(tp->p.name, "e", "...and ignored");

	for (i = 0; i < 50; i++) {
		ev = peer_ev(10 + (uint64_t)i, (i * 37) % 256, "x", 0, 0);
		tui_model_apply(&m, &ev, 1);
	}
	for (i = 1; i < (int)m.n_peers; i++)
		if (memcmp(m.peers[i - 1].p.id, m.peers[i].p.id, CTL_ID_LEN) >= 0)
			ordered = 0;
	ok(ordered && m.n_peers == 51, "peers sorted by id, no duplicates (%zu = 50 + e)",
	   m.n_peers);
	m.dirty = 0;
	memset(&ev, 0, sizeof(ev));
	ev.seq = 100;
	ev.type = CTL_EV_PEER_REMOVE;
	ev.peer_id[0] = 5;
	tui_model_apply(&m, &ev, 1);
	ok(tui_model_peer(&m, ev.peer_id) == NULL, "peer removed");
	ok(m.dirty & TUI_DIRTY_PEERS, "remove marks peers dirty");
	ok(!(m.dirty & TUI_DIRTY_ROUTES), "and not routes");

	for (i = 0; i < 3; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = 200 + (uint64_t)i;
		ev.type = CTL_EV_ROUTE_UPSERT;
		ipprefix_parse(&ev.route.dst,
		               i == 0   ? "10.9.0.0/16"
		               : i == 1 ? "10.1.0.0/16"
		                        : "10.1.0.0/24",
		               false);
		tui_model_apply(&m, &ev, 1);
	}
	tui_model_apply(&m, &ev, 1); /* same seq again: ignored */
	is_int(m.n_routes, 3, "three routes");
	ok(m.routes[0].dst.len == 16 && m.routes[0].dst.addr.bytes[1] == 1 &&
	       m.routes[1].dst.len == 24 && m.routes[2].dst.addr.bytes[1] == 9,
	   "routes sorted by prefix");
	ev.seq = 300;
	ev.type = CTL_EV_ROUTE_REMOVE;
	ipprefix_parse(&ev.route_dst, "10.1.0.0/24", false);
	tui_model_apply(&m, &ev, 1);
	is_int(m.n_routes, 2, "route removed");

	for (i = 0; i < TUI_LOG_LINES + 500; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = 1000 + (uint64_t)i;
		ev.type = CTL_EV_LOG;
		ev.log.seq = (uint64_t)i + 1;
		ev.log.level = CTL_LOG_INFO;
		tui_model_apply(&m, &ev, 1);
	}
	is_int(m.log_n, TUI_LOG_LINES, "log ring bounded at %d", TUI_LOG_LINES);
	is_int(tui_model_log(&m, 0)->seq, 501, "oldest kept line");
	is_int(tui_model_log(&m, m.log_n - 1)->seq, TUI_LOG_LINES + 500, "newest line");
	ev.seq = 99999;
	ev.log.seq = 7;
	tui_model_apply(&m, &ev, 1);
	is_int(tui_model_log(&m, m.log_n - 1)->seq, TUI_LOG_LINES + 500,
	       "an old log line is skipped");
	ev.type = (enum ctl_event_type)42;
	ev.seq = 100000;
	is_int(tui_model_apply(&m, &ev, 1), -EINVAL, "unknown event type: -EINVAL");

	memset(&b, 0, sizeof(b));
	b.seq = 5;
	b.n_peers = 2;
	tui_model_snapshot_begin(&m, &b);
	is_int(m.n_peers + m.n_routes + m.log_n, 0, "a snapshot starts from nothing");
	ev = peer_ev(5, 1, "a", 0, 0);
	tui_model_apply(&m, &ev, 1);
	ev = peer_ev(5, 2, "b", 0, 0);
	tui_model_apply(&m, &ev, 1);
	e = (struct ctl_snapshot_end){5, 2, 0, 0};
	is_int(tui_model_snapshot_end(&m, &e), 0, "snapshot with matching counts");
	is_int(m.n_peers, 2, "two peers from the snapshot parts (same seq)");
	ev = peer_ev(5, 3, "c", 0, 0);
	tui_model_apply(&m, &ev, 1);
	is_int(m.n_peers, 2, "after the snapshot, its seq is stale");
	tui_model_snapshot_begin(&m, &b);
	e = (struct ctl_snapshot_end){5, 2, 0, 0};
	is_int(tui_model_snapshot_end(&m, &e), -EPROTO, "missing parts: -EPROTO");
	tui_model_free(&m);
}

static void
test_canvas(void)
{
	struct canvas c;
	char *d;
	static const struct {
		const char *in;
		int w;
		const char *out;
	} texts[] = {
	    {"hello", 10, "hello\n"},
	    {"hello world", 5, "hell\u2026\n"},
	    {"hello", 5, "hello\n"},
	    {"ab\tc\x1b[2Jd", 20, "ab?c?[2Jd\n"},
	    {"\xff\xfe ok", 10, "?? ok\n"},
	    {"\xc3\xa9t\xc3\xa9", 10, "\u00e9t\u00e9\n"},
	    {"e\xcc\x81", 10, "e\n"}, /* combining mark dropped */
	    {"\xe4\xb8\xad\xe6\x96\x87", 10, "\u4e2d\u6587\n"},
	    {"\xe4\xb8\xad\xe6\x96\x87x", 4, "\u4e2d \u2026\n"},
	    {"\xe4\xb8\xad\xe6\x96\x87", 3, "\u4e2d\u2026\n"},
	    {"\xc2\x9b"
	     "31m",
	     10, "?31m\n"},              /* C1 CSI */
	    {"\xed\xa0\x80", 10, "?\n"}, /* surrogate */
	    {"\xc0\xaf", 10, "?\n"},     /* overlong */
	    {"", 10, "\n"},
	};
	size_t i;

	canvas_init(&c, 10, 1);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		canvas_clear(&c);
		canvas_text(&c, 0, 0, texts[i].w, 0, texts[i].in);
		d = canvas_dump(&c);
		is_str(d, texts[i].out, "canvas_text case %zu", i);
		free(d);
	}
	canvas_clear(&c);
	canvas_text(&c, 0, 0, 10, 0, "\xe4\xb8\xad\xe6\x96\x87");
	canvas_put(&c, 1, 0, 'x', 0);
	d = canvas_dump(&c);
	is_str(d, " x\u6587\n", "writing over half a wide char blanks the other half");
	free(d);
	canvas_put(&c, 9, 0, 0x4e2d, 0);
	is_int(canvas_at(&c, 9, 0)->ch, ' ', "a wide char in the last column becomes a blank");
	is_int(canvas_put(&c, 10, 0, 'x', 0), 0, "outside the canvas: nothing");
	is_int(canvas_width("a\xe4\xb8\xad"
	                    "b"),
	       4, "width of a mixed string");
	is_int(canvas_resize(&c, 0, 5), -EINVAL, "resize to 0 columns: -EINVAL");
	canvas_resize(&c, 6, 3);
	canvas_box(&c, (struct canvas_rect){0, 0, 6, 3}, 0);
	d = canvas_dump(&c);
	is_str(d,
	       "\u250c\u2500\u2500\u2500\u2500\u2510\n\u2502    "
	       "\u2502\n\u2514\u2500\u2500\u2500\u2500\u2518\n",
	       "box");
	free(d);
	canvas_free(&c);
}

static void
test_formats(void)
{
	static const struct {
		uint64_t v;
		const char *want;
	} bytes[] = {
	    {0, "0B"},         {999, "999B"},        {1000, "1.0K"},
	    {1024, "1.0K"},    {10239, "10K"},       {1022976, "999K"},
	    {1023500, "1.0M"}, {5ULL << 30, "5.0G"}, {UINT64_MAX, "16E"},
	};
	static const struct {
		int64_t s;
		const char *want;
	} ages[] = {
	    {-5, "0s"},    {0, "0s"},    {59, "59s"},    {60, "1m"},
	    {3599, "59m"}, {3600, "1h"}, {86399, "23h"}, {86400 * 400, "400d"},
	};
	static const struct {
		uint32_t us;
		const char *want;
	} rtts[] = {
	    {0, "-"}, {650, "650us"}, {1500, "1.5ms"}, {18400, "18ms"}, {2400000, "2.4s"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		ui_fmt_bytes(buf, sizeof(buf), bytes[i].v);
		is_str(buf, bytes[i].want, "bytes %llu", (unsigned long long)bytes[i].v);
	}
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		ui_fmt_age(buf, sizeof(buf), ages[i].s);
		is_str(buf, ages[i].want, "age %lld", (long long)ages[i].s);
	}
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		ui_fmt_rtt(buf, sizeof(buf), rtts[i].us);
		is_str(buf, rtts[i].want, "rtt %u", (unsigned)rtts[i].us);
	}
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	test_quit_detach();
	test_panes_and_lists();
	test_filter();
	test_model();
	test_canvas();
	test_formats();
	return tap_done();
}
