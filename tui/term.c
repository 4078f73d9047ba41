/*
 * term: ncurses behind a bounded, non-blocking output path (see term.h).
 *
 * ncurses writes with write(2) on the fd of the stream it is given (a stdio
 * cookie does not work: it has no fd), so it is given the write end of a
 * pipe that only this module reads. After every curses call that may output,
 * pipe_drain() moves the pipe's contents into t->obuf (the bounded backlog),
 * and t->wio drains obuf into the tty fd when the terminal can take it. The
 * pipe never holds more than one batch: a draw is cut into bands of rows
 * small enough for the pipe even at the worst bytes per cell, so ncurses
 * never waits on it. Its output fd is not a tty, so its own termios and size
 * calls do nothing: raw mode and the window size are handled here.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/term.h"
#include "tui/ui.h"

/* Readable events in a row that yield no key before the input counts as gone. */
#define TERM_EMPTY_READS_MAX 64

struct term {
	struct ev_loop *loop;
	struct term_cbs cbs;
	void *arg;
	int fd;
	struct termios saved;
	bool raw;
	SCREEN *scr;
	FILE *out, *in;
	int pipe_r;
	size_t pipe_size;
	bool colors, utf8;

	uint8_t *obuf;
	size_t olen, ooff; /* bytes in obuf; bytes of them already written */
	bool overflow, want_drain, full, lost;
	uint64_t dropped;
	int empty_reads;

	ev_io rio, wio;
	ev_signal winch;
	int w, h;
	struct canvas shown;
};

static struct term *active; /* for term_restore() */

bool
term_color_wanted(bool has_colors, const char *no_color_env)
{
	return has_colors && (no_color_env == NULL || no_color_env[0] == '\0');
}

/* --- output ------------------------------------------------------------- */

static void
backlog_append(struct term *t, const char *buf, size_t len)
{
	if (t->lost)
		return;
	if (t->ooff > 0 && t->olen + len > TERM_OUT_MAX) {
		memmove(t->obuf, t->obuf + t->ooff, t->olen - t->ooff);
		t->olen -= t->ooff;
		t->ooff = 0;
	}
	if (t->olen + len > TERM_OUT_MAX) {
		/* The terminal is not keeping up: drop it all, repaint fully later. */
		t->dropped += t->olen - t->ooff + len;
		t->olen = t->ooff = 0;
		t->overflow = true;
		return;
	}
	memcpy(t->obuf + t->olen, buf, len);
	t->olen += len;
}

/* Move what ncurses wrote from the pipe into the backlog. */
static void
pipe_drain(struct term *t)
{
	char buf[16384];
	ssize_t n;

	if (t->out != NULL)
		fflush(t->out);
	while ((n = read(t->pipe_r, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			backlog_append(t, buf, (size_t)n);
}

static void
lose(struct term *t, int err)
{
	if (t->lost)
		return;
	t->lost = true;
	ev_io_stop(t->loop, &t->rio);
	ev_io_stop(t->loop, &t->wio);
	ev_signal_stop(t->loop, &t->winch);
	if (t->cbs.lost_cb != NULL)
		t->cbs.lost_cb(t, err, t->arg);
}

/* Write what the terminal takes now. */
static void
flush_some(struct term *t)
{
	ssize_t n;

	while (t->ooff < t->olen) {
		n = write(t->fd, t->obuf + t->ooff, t->olen - t->ooff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			lose(t, n < 0 ? -errno : -EPIPE);
			return;
		}
		t->ooff += (size_t)n;
	}
	if (t->ooff == t->olen) {
		t->ooff = t->olen = 0;
		ev_io_stop(t->loop, &t->wio);
		if (t->want_drain) {
			t->want_drain = false;
			if (t->cbs.drained_cb != NULL)
				t->cbs.drained_cb(t, t->arg);
		}
	} else if (!ev_is_active(&t->wio)) {
		ev_io_start(t->loop, &t->wio);
	}
}

static void
write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct term *t = (struct term *)((char *)w - offsetof(struct term, wio));

	flush_some(t);
}

/* --- input -------------------------------------------------------------- */

static uint32_t
map_key(int rc, wint_t wch)
{
	if (rc == KEY_CODE_YES) {
		switch (wch) {
		case KEY_UP:
			return UI_KEY_UP;
		case KEY_DOWN:
			return UI_KEY_DOWN;
		case KEY_LEFT:
			return UI_KEY_LEFT;
		case KEY_RIGHT:
			return UI_KEY_RIGHT;
		case KEY_PPAGE:
			return UI_KEY_PGUP;
		case KEY_NPAGE:
			return UI_KEY_PGDN;
		case KEY_HOME:
			return UI_KEY_HOME;
		case KEY_END:
			return UI_KEY_END;
		case KEY_ENTER:
			return UI_KEY_ENTER;
		case KEY_BTAB:
			return UI_KEY_BTAB;
		case KEY_BACKSPACE:
			return UI_KEY_BACKSPACE;
		}
		return 0;
	}
	switch (wch) {
	case '\r':
	case '\n':
		return UI_KEY_ENTER;
	case '\t':
		return UI_KEY_TAB;
	case 27:
		return UI_KEY_ESC;
	case 127:
	case 8:
		return UI_KEY_BACKSPACE;
	}
	return (uint32_t)wch;
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct term *t = (struct term *)((char *)w - offsetof(struct term, rio));
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	wint_t wch;
	uint32_t key;
	int rc, keys = 0;

	set_term(t->scr);
	while (!t->lost && (rc = wget_wch(stdscr, &wch)) != ERR) {
		keys++;
		key = map_key(rc, wch);
		if (key != 0 && t->cbs.key_cb != NULL)
			t->cbs.key_cb(t, key, t->arg);
	}
	if (t->lost)
		return;
	if (keys > 0) {
		t->empty_reads = 0;
		return;
	}
	/* Readable but nothing came: a hangup shows as POLLHUP or endless EOF. */
	if ((poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) ||
	    ++t->empty_reads > TERM_EMPTY_READS_MAX)
		lose(t, -EPIPE);
}

/* --- size --------------------------------------------------------------- */

static void
query_size(struct term *t)
{
	struct winsize ws;

	if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		t->w = ws.ws_col;
		t->h = ws.ws_row;
	}
	if (t->w < 1 || t->h < 1) {
		t->w = 80;
		t->h = 24;
	}
}

static void
winch_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct term *t = (struct term *)((char *)w - offsetof(struct term, winch));
	int ow = t->w, oh = t->h;

	query_size(t);
	if (t->w == ow && t->h == oh)
		return;
	set_term(t->scr);
	resize_term(t->h, t->w);
	t->full = true;
	if (t->cbs.resize_cb != NULL)
		t->cbs.resize_cb(t, t->w, t->h, t->arg);
}

/* --- open / close ------------------------------------------------------- */

static void
raw_mode(struct term *t)
{
	struct termios tio = t->saved;

	tio.c_iflag &=
	    ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	tio.c_cflag |= CS8;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(t->fd, TCSAFLUSH, &tio) == 0)
		t->raw = true;
}

static void
init_colors(struct term *t)
{
	t->colors = term_color_wanted(has_colors(), getenv("NO_COLOR"));
	if (!t->colors || start_color() == ERR) {
		t->colors = false;
		return;
	}
	use_default_colors();
	init_pair(UI_COLOR_GOOD, COLOR_GREEN, -1);
	init_pair(UI_COLOR_WARN, COLOR_YELLOW, -1);
	init_pair(UI_COLOR_BAD, COLOR_RED, -1);
	init_pair(UI_COLOR_ACCENT, COLOR_CYAN, -1);
}

int
term_open(struct term **out, struct ev_loop *loop, int fd, const struct term_cbs *cbs, void *arg)
{
	struct term *t;
	const char *name, *cs;
	int infd = -1, p[2] = {-1, -1}, rc, sz;

	*out = NULL;
	if (active != NULL)
		return -EBUSY;
	if (!isatty(fd))
		return -ENOTTY;
	name = ttyname(fd);
	if (name == NULL)
		return errno != 0 ? -errno : -ENOTTY;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->loop = loop;
	t->cbs = *cbs;
	t->arg = arg;
	t->pipe_r = -1;
	t->fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		rc = -errno;
		free(t);
		return rc;
	}
	rc = -ENOMEM;
	t->obuf = malloc(TERM_OUT_MAX);
	if (t->obuf == NULL || tcgetattr(t->fd, &t->saved) < 0)
		goto fail;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	t->pipe_r = p[0];
	/* A bigger pipe means bigger bands; the default (64 KiB) works too. */
	sz = fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (sz < 0)
		sz = fcntl(p[1], F_GETPIPE_SZ);
	t->pipe_size = sz > 0 ? (size_t)sz : 4096;
	t->out = fdopen(p[1], "w");
	if (t->out == NULL)
		goto fail;
	p[1] = -1;
	infd = dup(t->fd);
	if (infd < 0)
		goto fail;
	t->in = fdopen(infd, "r");
	if (t->in == NULL)
		goto fail;
	infd = -1;
	query_size(t);
	if (canvas_init(&t->shown, t->w, t->h) < 0)
		goto fail;

	/* Before ncurses: with a SIGWINCH handler present it installs none of its own. */
	ev_signal_init(&t->winch, winch_cb, SIGWINCH);
	ev_signal_start(loop, &t->winch);
	raw_mode(t);
	active = t;
	cs = nl_langinfo(CODESET);
	t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	t->scr = newterm(NULL, t->out, t->in);
	if (t->scr == NULL) {
		rc = -ENOTSUP;
		goto fail;
	}
	set_term(t->scr);
	noecho();
	cbreak();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	resize_term(t->h, t->w);
	init_colors(t);
	t->full = true;
	pipe_drain(t);

	ev_io_init(&t->rio, read_cb, t->fd, EV_READ);
	ev_io_init(&t->wio, write_cb, t->fd, EV_WRITE);
	ev_io_start(loop, &t->rio);
	*out = t;
	return 0;
fail:
	if (infd >= 0)
		close(infd);
	if (p[1] >= 0)
		close(p[1]);
	term_close(t);
	return rc;
}

/* Best effort, bounded: give the terminal what is pending (reset sequences). */
static void
flush_bounded(struct term *t)
{
	struct pollfd pfd = {.fd = t->fd, .events = POLLOUT};
	int tries;
	ssize_t n;

	for (tries = 0; tries < 10 && t->ooff < t->olen && !t->lost; tries++) {
		if (poll(&pfd, 1, 20) != 1)
			continue;
		n = write(t->fd, t->obuf + t->ooff, t->olen - t->ooff);
		if (n > 0)
			t->ooff += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	t->ooff = t->olen = 0;
}

static void
restore(struct term *t)
{
	if (t->scr != NULL && (set_term(t->scr), !isendwin())) {
		curs_set(1);
		endwin();
		pipe_drain(t);
	}
	flush_bounded(t);
	if (t->raw) {
		tcsetattr(t->fd, TCSAFLUSH, &t->saved);
		t->raw = false;
	}
}

void
term_restore(void)
{
	if (active != NULL)
		restore(active);
}

static void
term_free(struct term *t, bool restore_it)
{
	ev_io_stop(t->loop, &t->rio);
	ev_io_stop(t->loop, &t->wio);
	if (ev_is_active(&t->winch))
		ev_signal_stop(t->loop, &t->winch);
	if (restore_it)
		restore(t);
	else
		t->lost = true; /* whatever ncurses still writes goes nowhere */
	if (t->scr != NULL)
		delscreen(t->scr);
	if (t->out != NULL)
		fclose(t->out);
	if (t->in != NULL)
		fclose(t->in);
	if (t->fd >= 0)
		close(t->fd);
	if (t->pipe_r >= 0)
		close(t->pipe_r);
	canvas_free(&t->shown);
	free(t->obuf);
	if (active == t)
		active = NULL;
	free(t);
}

void
term_close(struct term *t)
{
	if (t != NULL)
		term_free(t, true);
}

void
term_abandon(struct term *t)
{
	if (t != NULL)
		term_free(t, false);
}

/* --- drawing ------------------------------------------------------------ */

static uint32_t
fallback(uint32_t ch)
{
	switch (ch) {
	case 0x2500:
	case 0x2550:
		return '-';
	case 0x2502:
		return '|';
	case 0x250c:
	case 0x2510:
	case 0x2514:
	case 0x2518:
		return '+';
	case CANVAS_ELLIPSIS:
		return '>';
	case 0x2014:
		return '-';
	}
	return ch < 0x80 ? ch : '?';
}

static void
put_cell(struct term *t, int x, int y, const struct canvas_cell *cc)
{
	wchar_t wc[2] = {0, 0};
	attr_t attr = 0;
	short pair = 0;
	cchar_t cch;

	wc[0] = (wchar_t)(t->utf8 ? cc->ch : fallback(cc->ch));
	if (!t->utf8 && canvas_cp_width(cc->ch) == 2)
		wc[0] = '?';
	if (cc->style & CANVAS_BOLD)
		attr |= A_BOLD;
	if (cc->style & CANVAS_DIM)
		attr |= A_DIM;
	if (cc->style & CANVAS_REVERSE)
		attr |= A_REVERSE;
	if (cc->style & CANVAS_UNDERLINE)
		attr |= A_UNDERLINE;
	if (t->colors && CANVAS_COLOR_OF(cc->style) < UI_COLOR_COUNT)
		pair = (short)CANVAS_COLOR_OF(cc->style);
	if (setcchar(&cch, wc, attr, pair, NULL) == OK)
		mvwadd_wch(stdscr, y, x, &cch);
}

/* Worst case bytes ncurses may emit for one cell: a cursor move, attributes, colour, UTF-8. */
#define TERM_CELL_BYTES_MAX 48

int
term_draw(struct term *t, const struct canvas *c)
{
	const struct canvas_cell *cc, *sc;
	int x, y, band, rows, w, h;

	if (t->lost)
		return -EPIPE;
	if (t->olen - t->ooff > TERM_OUT_MAX / 2) {
		t->want_drain = true;
		return -EAGAIN;
	}
	set_term(t->scr);
	if (t->overflow) {
		t->overflow = false;
		t->full = true;
	}
	if (c->w != t->shown.w || c->h != t->shown.h) {
		if (canvas_resize(&t->shown, c->w, c->h) < 0)
			return -ENOMEM;
		t->full = true;
	}
	w = c->w < t->w ? c->w : t->w;
	h = c->h < t->h ? c->h : t->h;
	if (t->full) {
		/* Clear first (little output), then paint band by band. */
		clearok(curscr, TRUE);
		werase(stdscr);
		wnoutrefresh(stdscr);
		doupdate();
		pipe_drain(t);
	}
	rows = (int)(t->pipe_size / 2 / TERM_CELL_BYTES_MAX / (size_t)(w > 0 ? w : 1));
	if (rows < 1)
		rows = 1;
	for (band = 0; band < h; band += rows) {
		for (y = band; y < band + rows && y < h; y++)
			for (x = 0; x < w; x++) {
				cc = canvas_at(c, x, y);
				sc = canvas_at(&t->shown, x, y);
				if (!t->full && cc->ch == sc->ch && cc->style == sc->style)
					continue;
				if (cc->ch != CANVAS_CONT)
					put_cell(t, x, y, cc);
			}
		wnoutrefresh(stdscr);
		doupdate();
		pipe_drain(t);
	}
	memcpy(t->shown.cells, c->cells, (size_t)c->w * (size_t)c->h * sizeof(*c->cells));
	t->full = false;
	if (t->overflow)
		t->want_drain = true; /* repaint fully once the terminal caught up */
	flush_some(t);
	return 0;
}

void
term_repaint(struct term *t)
{
	t->full = true;
}

void
term_size(const struct term *t, int *w, int *h)
{
	*w = t->w;
	*h = t->h;
}

size_t
term_backlog(const struct term *t)
{
	return t->olen - t->ooff;
}

uint64_t
term_dropped(const struct term *t)
{
	return t->dropped;
}
