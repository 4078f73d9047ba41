/*
 * ui: screen state, views and key handling (see ui.h). Drawing is in panes.c.
 *
 * Invariant kept after every key: for each list, sel < number of rows (or 0
 * when empty). top and page are settled by the next render, which knows the
 * pane's height.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/panes.h"
#include "tui/ui.h"

int
ui_init(struct ui *ui, const struct tui_model *m, const char *quit_question,
        const char *shutdown_question)
{
	int i;

	memset(ui, 0, sizeof(*ui));
	ui->model = m;
	ui->quit_question = quit_question;
	ui->shutdown_question = shutdown_question;
	ui->focus = UI_PANE_PEERS;
	ui->log_follow = true;
	ui->log_level = CTL_LOG_INFO;
	for (i = 0; i < UI_PANE_COUNT; i++)
		ui->list[i].page = 10;
	ui->logv = malloc(TUI_LOG_LINES * sizeof(*ui->logv));
	if (ui->logv == NULL)
		return -ENOMEM;
	return ui_view_update(ui);
}

void
ui_free(struct ui *ui)
{
	free(ui->view);
	free(ui->logv);
	memset(ui, 0, sizeof(*ui));
}

static const struct ui *sort_ui; /* qsort has no context argument */

static int
view_cmp(const void *a, const void *b)
{
	const struct ctl_peer *pa = &sort_ui->model->peers[*(const size_t *)a].p;
	const struct ctl_peer *pb = &sort_ui->model->peers[*(const size_t *)b].p;
	int c = strcmp(pa->name, pb->name);

	return c != 0 ? c : memcmp(pa->id, pb->id, CTL_ID_LEN);
}

static bool
peer_matches(const struct ctl_peer *p, const char *filter)
{
	char addr[IPADDR_STRLEN];

	if (filter[0] == '\0')
		return true;
	if (strcasestr(p->name, filter) != NULL)
		return true;
	if (p->addr.family != AF_UNSPEC &&
	    strcasestr(ipaddr_fmt(&p->addr, addr, sizeof(addr)), filter) != NULL)
		return true;
	return false;
}

int
ui_view_update(struct ui *ui)
{
	const struct tui_model *m = ui->model;
	size_t i, n = 0;
	size_t *v;

	if (ui->cap_view < m->n_peers) {
		v = realloc(ui->view, m->n_peers * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		ui->view = v;
		ui->cap_view = m->n_peers;
	}
	for (i = 0; i < m->n_peers; i++)
		if (peer_matches(&m->peers[i].p, ui->filter))
			ui->view[n++] = i;
	ui->n_view = n;
	sort_ui = ui;
	if (n > 1)
		qsort(ui->view, n, sizeof(*ui->view), view_cmp);
	sort_ui = NULL;

	ui->n_logv = 0;
	for (i = 0; i < m->log_n; i++)
		if (tui_model_log(m, i)->level <= ui->log_level)
			ui->logv[ui->n_logv++] = i;
	return 0;
}

/* Number of rows of a pane's list. */
static size_t
rows_of(const struct ui *ui, enum ui_pane p)
{
	if (p == UI_PANE_ROUTES)
		return ui->model->n_routes;
	if (p == UI_PANE_LOG)
		return ui->n_logv;
	return ui->n_view;
}

static bool
is_peer_pane(enum ui_pane p)
{
	return p == UI_PANE_PEERS || p == UI_PANE_NAT || p == UI_PANE_KEEPALIVE;
}

const struct tui_peer *
ui_selected_peer(const struct ui *ui)
{
	const struct ui_list *l = &ui->list[ui->focus];

	if (ui->detail)
		return tui_model_peer(ui->model, ui->detail_id);
	if (!is_peer_pane(ui->focus) || l->sel >= ui->n_view)
		return NULL;
	return &ui->model->peers[ui->view[l->sel]];
}

/* Move the focused list's selection by delta rows (clamped). */
static unsigned
move(struct ui *ui, long delta)
{
	struct ui_list *l = &ui->list[ui->focus];
	size_t n = rows_of(ui, ui->focus);
	long sel = (long)l->sel + delta;

	if (n == 0)
		return UI_HANDLED;
	if (ui->focus == UI_PANE_LOG && ui->log_follow)
		sel = (long)n - 1 + delta;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)n)
		sel = (long)n - 1;
	l->sel = (size_t)sel;
	if (ui->focus == UI_PANE_LOG)
		ui->log_follow = l->sel == n - 1 && delta > 0;
	if (ui->detail && is_peer_pane(ui->focus))
		memcpy(ui->detail_id, ui->model->peers[ui->view[l->sel]].p.id, CTL_ID_LEN);
	return UI_HANDLED | UI_REDRAW;
}

static void
clamp_all(struct ui *ui)
{
	int p;
	size_t n;

	for (p = 0; p < UI_PANE_COUNT; p++) {
		n = rows_of(ui, (enum ui_pane)p);
		if (ui->list[p].sel >= n)
			ui->list[p].sel = n > 0 ? n - 1 : 0;
	}
}

static unsigned
key_prompt(struct ui *ui, uint32_t key, enum ui_action *act)
{
	size_t len = strlen(ui->filter);
	enum ui_prompt p = ui->prompt;

	if (p == UI_PROMPT_QUIT || p == UI_PROMPT_SHUTDOWN) {
		ui->prompt = UI_PROMPT_NONE;
		if (key == 'y' || key == 'Y')
			*act = p == UI_PROMPT_QUIT ? UI_ACT_QUIT : UI_ACT_SHUTDOWN;
		return UI_HANDLED | UI_REDRAW;
	}
	switch (key) {
	case UI_KEY_ENTER:
		ui->prompt = UI_PROMPT_NONE;
		return UI_HANDLED | UI_REDRAW;
	case UI_KEY_ESC:
		memcpy(ui->filter, ui->filter_saved, sizeof(ui->filter));
		ui->prompt = UI_PROMPT_NONE;
		break;
	case UI_KEY_BACKSPACE:
	case 0x7f:
	case UI_KEY_CTRL('h'):
		/* Drop one UTF-8 character. */
		while (len > 0 && ((unsigned char)ui->filter[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		ui->filter[len] = '\0';
		break;
	case UI_KEY_CTRL('u'):
		ui->filter[0] = '\0';
		break;
	default:
		if (key < 0x20 || key >= 0x110000 || key == 0x7f)
			return UI_HANDLED; /* swallowed: the prompt has the keyboard */
		{
			char u[4];
			size_t n = canvas_utf8_put(u, key);

			if (len + n > UI_FILTER_MAX)
				return UI_HANDLED;
			memcpy(ui->filter + len, u, n);
			ui->filter[len + n] = '\0';
		}
	}
	/* The filter applies as it is typed. */
	ui_view_update(ui);
	clamp_all(ui);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned
open_detail(struct ui *ui)
{
	const struct tui_peer *tp;

	if (!is_peer_pane(ui->focus))
		return 0;
	tp = ui_selected_peer(ui);
	if (tp == NULL)
		return UI_HANDLED;
	memcpy(ui->detail_id, tp->p.id, CTL_ID_LEN);
	ui->detail = true;
	return UI_HANDLED | UI_REDRAW;
}

unsigned
ui_key(struct ui *ui, uint32_t key, enum ui_action *act)
{
	struct ui_list *l = &ui->list[ui->focus];
	long page = l->page > 1 ? l->page - 1 : 1;

	*act = UI_ACT_NONE;
	if (ui->prompt != UI_PROMPT_NONE)
		return key_prompt(ui, key, act);
	if (ui->help) {
		/* Any key closes the help; Ctrl-L still repaints. */
		ui->help = false;
		if (key == UI_KEY_CTRL('l'))
			*act = UI_ACT_REPAINT;
		return UI_HANDLED | UI_REDRAW;
	}
	switch (key) {
	case 'q':
	case UI_KEY_CTRL('c'):
		if (ui->quit_question == NULL) {
			*act = UI_ACT_QUIT;
			return UI_HANDLED;
		}
		ui->prompt = UI_PROMPT_QUIT;
		return UI_HANDLED | UI_REDRAW;
	case 'Q':
		if (ui->shutdown_question == NULL)
			return 0;
		ui->prompt = UI_PROMPT_SHUTDOWN;
		return UI_HANDLED | UI_REDRAW;
	case 'd':
		*act = UI_ACT_DETACH;
		return UI_HANDLED;
	case UI_KEY_CTRL('l'):
		*act = UI_ACT_REPAINT;
		return UI_HANDLED | UI_REDRAW;
	case '?':
		ui->help = true;
		return UI_HANDLED | UI_REDRAW;
	case UI_KEY_ESC:
		if (!ui->detail)
			return 0;
		ui->detail = false;
		return UI_HANDLED | UI_REDRAW;
	case UI_KEY_ENTER:
		if (ui->detail) {
			ui->detail = false;
			return UI_HANDLED | UI_REDRAW;
		}
		return open_detail(ui);
	case UI_KEY_UP:
		return move(ui, -1);
	case UI_KEY_DOWN:
		return move(ui, 1);
	case UI_KEY_PGUP:
		return move(ui, -page);
	case UI_KEY_PGDN:
		return move(ui, page);
	case UI_KEY_HOME:
		return move(ui, -(long)rows_of(ui, ui->focus) - 1);
	case UI_KEY_END:
		return move(ui, (long)rows_of(ui, ui->focus) + 1);
	}
	if (ui->detail)
		return 0; /* the rest belongs to the panes behind the detail view */
	switch (key) {
	case UI_KEY_TAB:
	case UI_KEY_RIGHT:
		ui->focus = (enum ui_pane)((ui->focus + 1) % UI_PANE_COUNT);
		return UI_HANDLED | UI_REDRAW;
	case UI_KEY_BTAB:
	case UI_KEY_LEFT:
		ui->focus = (enum ui_pane)((ui->focus + UI_PANE_COUNT - 1) % UI_PANE_COUNT);
		return UI_HANDLED | UI_REDRAW;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
		ui->focus = (enum ui_pane)(key - '1');
		return UI_HANDLED | UI_REDRAW;
	case '/':
		memcpy(ui->filter_saved, ui->filter, sizeof(ui->filter));
		ui->prompt = UI_PROMPT_FILTER;
		return UI_HANDLED | UI_REDRAW;
	case 'v':
		ui->log_level = ui->log_level == CTL_LOG_WARN   ? CTL_LOG_INFO
		                : ui->log_level == CTL_LOG_INFO ? CTL_LOG_DEBUG
		                                                : CTL_LOG_WARN;
		ui_view_update(ui);
		clamp_all(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	return 0;
}

void
ui_render(struct ui *ui, struct canvas *c, int64_t now)
{
	ui_view_update(ui);
	clamp_all(ui);
	panes_render(ui, c, now);
}

void
ui_fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1000) {
		snprintf(buf, len, "%uB", (unsigned)bytes);
		return;
	}
	do {
		v /= 1024;
		u++;
	} while (v >= 999.5 && u < 5);
	snprintf(buf, len, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void
ui_fmt_age(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%ds", (int)s);
	else if (s < 3600)
		snprintf(buf, len, "%dm", (int)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh", (int)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

void
ui_fmt_rtt(char *buf, size_t len, uint32_t us)
{
	if (us == 0)
		snprintf(buf, len, "-");
	else if (us < 1000)
		snprintf(buf, len, "%uus", (unsigned)us);
	else if (us < 10000)
		snprintf(buf, len, "%.1fms", us / 1000.0);
	else if (us < 1000000)
		snprintf(buf, len, "%ums", (unsigned)(us / 1000));
	else
		snprintf(buf, len, "%.1fs", us / 1e6);
}
