/*
 * TUI golden screens: fixed model states and key sequences rendered at fixed
 * sizes, compared with tests/golden/<name>.txt. The golden files are the spec
 * of the screen. WGNM_UPDATE_GOLDEN=1 rewrites them (then read them).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "tui/canvas.h"
#include "tui/demo.h"
#include "tui/model.h"
#include "tui/ui.h"

enum fixture {
	FX_EMPTY,  /* nothing received yet */
	FX_HEADER, /* a header, no peers, no routes, no log */
	FX_DEMO,   /* the demo mesh: 8 peers */
	FX_MANY,   /* the demo mesh plus 292 filler peers: 300 */
};

#define K_END 0
static const uint32_t K_DOWN = UI_KEY_DOWN, K_PGDN = UI_KEY_PGDN, K_ENTER = UI_KEY_ENTER,
                      K_TAB = UI_KEY_TAB;

struct golden {
	const char *name;
	int w, h;
	enum fixture fx;
	uint32_t keys[48]; /* ends at K_END */
};

static const struct golden cases[] = {
    {"empty-80x24", 80, 24, FX_EMPTY, {K_END}},
    {"empty-200x60", 200, 60, FX_EMPTY, {K_END}},
    {"header-only-80x24", 80, 24, FX_HEADER, {K_END}},
    {"header-only-routes-80x24", 80, 24, FX_HEADER, {'2', K_END}},
    {"header-only-nat-80x24", 80, 24, FX_HEADER, {'3', K_END}},
    {"header-only-200x60", 200, 60, FX_HEADER, {K_END}},
    {"peers-80x24", 80, 24, FX_DEMO, {K_END}},
    {"peers-200x60", 200, 60, FX_DEMO, {K_END}},
    {"routes-80x24", 80, 24, FX_DEMO, {'2', K_END}},
    {"nat-80x24", 80, 24, FX_DEMO, {'3', K_DOWN, K_DOWN, K_END}},
    {"keepalive-80x24", 80, 24, FX_DEMO, {'4', K_END}},
    {"log-80x24", 80, 24, FX_DEMO, {'5', K_END}},
    {"log-debug-80x24", 80, 24, FX_DEMO, {'5', 'v', K_END}},
    {"log-warn-80x24", 80, 24, FX_DEMO, {'5', 'v', 'v', K_END}},
    {"detail-via-80x24", 80, 24, FX_DEMO, {K_DOWN, K_DOWN, K_DOWN, K_ENTER, K_END}},
    {"detail-conflict-200x60",
     200,
     60,
     FX_DEMO,
     {K_DOWN, K_DOWN, K_DOWN, K_DOWN, K_DOWN, K_DOWN, K_ENTER, K_END}},
    {"help-80x24", 80, 24, FX_DEMO, {'?', K_END}},
    {"help-200x60", 200, 60, FX_DEMO, {K_TAB, '?', K_END}},
    {"filter-prompt-80x24", 80, 24, FX_DEMO, {'/', 'e', 'T', K_END}},
    {"filter-80x24", 80, 24, FX_DEMO, {'/', 'e', 'T', K_ENTER, K_END}},
    {"filter-nomatch-80x24", 80, 24, FX_DEMO, {'/', 'x', 'y', 'z', K_ENTER, K_END}},
    {"quit-question-80x24", 80, 24, FX_DEMO, {'q', K_END}},
    {"many-top-80x24", 80, 24, FX_MANY, {K_END}},
    {"many-scrolled-80x24",
     80,
     24,
     FX_MANY,
     {K_DOWN, K_DOWN, K_DOWN, K_PGDN, K_PGDN, K_PGDN, K_DOWN, K_END}},
    {"many-end-200x60", 200, 60, FX_MANY, {UI_KEY_END, K_END}},
    {"many-keepalive-scrolled-80x24", 80, 24, FX_MANY, {'4', K_PGDN, K_PGDN, K_END}},
    {"many-routes-home-80x24", 80, 24, FX_MANY, {'2', UI_KEY_END, UI_KEY_HOME, K_DOWN, K_END}},
    {"too-small-30x6", 30, 6, FX_DEMO, {K_END}},
};

static void
fixture(struct tui_model *m, enum fixture fx)
{
	struct ctl_event ev;

	switch (fx) {
	case FX_EMPTY:
		break;
	case FX_HEADER:
		memset(&ev, 0, sizeof(ev));
		ev.seq = 1;
		ev.type = CTL_EV_HEADER;
		snprintf(ev.header.name, sizeof(ev.header.name), "a-node-with-a-long-name-x");
		snprintf(ev.header.id_short, sizeof(ev.header.id_short), "0f0e0d0c");
		snprintf(ev.header.ifname, sizeof(ev.header.ifname), "wgnm0");
		ev.header.backend = CTL_BACKEND_WIREGUARD_GO;
		ipaddr_parse(&ev.header.addr, "10.77.0.1");
		ipprefix_parse(&ev.header.subnet, "10.77.0.0/16", false);
		ev.header.wg_port = 51820;
		ev.header.admin_port = 51821;
		ev.header.start_time = TUI_DEMO_NOW - 42;
		snprintf(ev.header.version, sizeof(ev.header.version), "0.1.0");
		ev.header.mobile = true;
		tui_model_apply(m, &ev, 1);
		break;
	case FX_DEMO:
		tui_demo_fill(m, 0, TUI_DEMO_NOW);
		break;
	case FX_MANY:
		tui_demo_fill(m, 292, TUI_DEMO_NOW);
		break;
	}
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Say where two dumps first differ. */
static void
show_diff(const char *got, const char *want)
{
	int line = 1;
	const char *g = got, *w = want, *ge, *we;

	while (*g != '\0' || *w != '\0') {
		ge = strchr(g, '\n');
		we = strchr(w, '\n');
		if (ge == NULL)
			ge = g + strlen(g);
		if (we == NULL)
			we = w + strlen(w);
		if (ge - g != we - w || memcmp(g, w, (size_t)(ge - g)) != 0) {
			diag("line %d differs:", line);
			diag(" got: |%.*s|", (int)(ge - g), g);
			diag("want: |%.*s|", (int)(we - w), w);
			return;
		}
		g = *ge != '\0' ? ge + 1 : ge;
		w = *we != '\0' ? we + 1 : we;
		line++;
	}
}

static void
run(const struct golden *gc, const char *dir, bool update)
{
	struct tui_model m;
	struct ui ui;
	struct canvas c;
	enum ui_action act;
	char path[512], *got, *want;
	int i;
	FILE *f;

	tui_model_init(&m);
	fixture(&m, gc->fx);
	ui_init(&ui, &m, "Quit and tear the mesh node down? y/n", NULL);
	canvas_init(&c, gc->w, gc->h);
	/* Render once first, as the real loop does: keys see the page sizes. */
	ui_render(&ui, &c, TUI_DEMO_NOW);
	for (i = 0; gc->keys[i] != K_END; i++) {
		ui_key(&ui, gc->keys[i], &act);
		ui_render(&ui, &c, TUI_DEMO_NOW);
	}
	got = canvas_dump(&c);
	snprintf(path, sizeof(path), "%s/tests/golden/%s.txt", dir, gc->name);
	if (update) {
		f = fopen(path, "wb");
		ok(f != NULL && fputs(got, f) >= 0 && fclose(f) == 0, "%s: golden file written",
		   gc->name);
	} else {
		want = slurp(path);
		ok(want != NULL && strcmp(got, want) == 0, "%s matches %s", gc->name, path);
		if (want == NULL)
			diag("cannot read %s (WGNM_UPDATE_GOLDEN=1 writes it)", path);
		else if (strcmp(got, want) != 0)
			show_diff(got, want);
		free(want);
	}
	free(got);
	canvas_free(&c);
	ui_free(&ui);
	tui_model_free(&m);
}

int
main(void)
{
	const char *dir = getenv("top_srcdir");
	const char *upd = getenv("WGNM_UPDATE_GOLDEN");
	size_t i;

	setenv("TZ", "UTC", 1);
	if (dir == NULL || dir[0] == '\0')
		dir = ".";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i], dir, upd != NULL && strcmp(upd, "1") == 0);
	return tap_done();
}
