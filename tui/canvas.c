/*
 * canvas: the cell grid, UTF-8 decoding, widths, clipping and the text dump
 * (see canvas.h). A wide character always occupies a head cell and a
 * CANVAS_CONT cell; overwriting either half blanks the other, so the grid
 * never holds half a character.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/canvas.h"

#define CANVAS_DIM_MAX 4096

int
canvas_init(struct canvas *c, int w, int h)
{
	memset(c, 0, sizeof(*c));
	return canvas_resize(c, w, h);
}

int
canvas_resize(struct canvas *c, int w, int h)
{
	struct canvas_cell *cells;

	if (w < 1 || h < 1 || w > CANVAS_DIM_MAX || h > CANVAS_DIM_MAX)
		return -EINVAL;
	cells = calloc((size_t)w * (size_t)h, sizeof(*cells));
	if (cells == NULL)
		return -ENOMEM;
	free(c->cells);
	c->cells = cells;
	c->w = w;
	c->h = h;
	canvas_clear(c);
	return 0;
}

void
canvas_free(struct canvas *c)
{
	free(c->cells);
	memset(c, 0, sizeof(*c));
}

static struct canvas_cell *
cell(struct canvas *c, int x, int y)
{
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

const struct canvas_cell *
canvas_at(const struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

void
canvas_clear(struct canvas *c)
{
	size_t i, n = (size_t)c->w * (size_t)c->h;

	for (i = 0; i < n; i++) {
		c->cells[i].ch = ' ';
		c->cells[i].style = 0;
	}
}

/* Intersect r with the canvas. false when nothing is left. */
static bool
clip(const struct canvas *c, struct canvas_rect *r)
{
	if (r->x < 0) {
		r->w += r->x;
		r->x = 0;
	}
	if (r->y < 0) {
		r->h += r->y;
		r->y = 0;
	}
	if (r->x + r->w > c->w)
		r->w = c->w - r->x;
	if (r->y + r->h > c->h)
		r->h = c->h - r->y;
	return r->w > 0 && r->h > 0;
}

/* Before writing at x, y: do not leave half of a wide character behind. */
static void
unsplit(struct canvas *c, int x, int y)
{
	struct canvas_cell *p = cell(c, x, y);

	if (p->ch == CANVAS_CONT && x > 0)
		cell(c, x - 1, y)->ch = ' ';
	else if (p->ch != CANVAS_CONT && canvas_cp_width(p->ch) == 2 && x + 1 < c->w)
		cell(c, x + 1, y)->ch = ' ';
}

/*
 * Widths: 0 for combining marks and zero-width characters, 2 for the East
 * Asian wide and fullwidth ranges and the emoji blocks, 1 otherwise. Coarse
 * on purpose: names and log text are mostly ASCII.
 */
int
canvas_cp_width(uint32_t cp)
{
	static const struct {
		uint32_t lo, hi;
	} zero[] =
	    {
	        {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd},   {0x0610, 0x061a},
	        {0x064b, 0x065f}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},   {0x200b, 0x200f},
	        {0x202a, 0x202e}, {0x2060, 0x2064}, {0x20d0, 0x20ff},   {0xfe00, 0xfe0f},
	        {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
	    },
	  wide[] = {
	      {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},
	      {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
	      {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
	      {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
	  };
	size_t i;

	if (cp == CANVAS_CONT)
		return 0;
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i].lo && cp <= zero[i].hi)
			return 0;
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

/* Replace what must never reach a terminal. */
static uint32_t
sanitize(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return '?';
	return cp;
}

/* Decode one code point from s; returns bytes used (>= 1). Invalid input gives '?'. */
static size_t
utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	uint32_t v, min;

	if (u[0] < 0x80) {
		*cp = sanitize(u[0]);
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		n = 2;
		v = u[0] & 0x1f;
		min = 0x80;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3;
		v = u[0] & 0x0f;
		min = 0x800;
	} else if ((u[0] & 0xf8) == 0xf0) {
		n = 4;
		v = u[0] & 0x07;
		min = 0x10000;
	} else {
		*cp = '?';
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = '?';
			return i; /* resynchronise on the byte that broke the sequence */
		}
		v = v << 6 | (u[i] & 0x3f);
	}
	*cp = v < min ? '?' : sanitize(v);
	return n;
}

size_t
canvas_utf8_put(char *buf, uint32_t cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
canvas_put(struct canvas *c, int x, int y, uint32_t ch, uint16_t style)
{
	int w = canvas_cp_width(ch);

	if (w == 0 || y < 0 || y >= c->h || x < 0 || x >= c->w)
		return 0;
	if (w == 2 && x + 1 >= c->w) {
		/* Half a wide character does not exist: blank instead. */
		ch = ' ';
		w = 1;
	}
	unsplit(c, x, y);
	cell(c, x, y)->ch = ch;
	cell(c, x, y)->style = style;
	if (w == 2) {
		unsplit(c, x + 1, y);
		cell(c, x + 1, y)->ch = CANVAS_CONT;
		cell(c, x + 1, y)->style = style;
	}
	return w;
}

int
canvas_width(const char *s)
{
	uint32_t cp;
	int w = 0;

	while (*s != '\0') {
		s += utf8_next(s, &cp);
		w += canvas_cp_width(cp);
	}
	return w;
}

int
canvas_text(struct canvas *c, int x, int y, int w, uint16_t style, const char *s)
{
	int used = 0, cw, total;
	uint32_t cp;
	const char *p;

	if (w <= 0)
		return 0;
	total = canvas_width(s);
	p = s;
	while (*p != '\0') {
		p += utf8_next(p, &cp);
		cw = canvas_cp_width(cp);
		if (cw == 0)
			continue;
		/* Keep the last column for the ellipsis when the rest will not fit. */
		if (total > w && used + cw > w - 1)
			break;
		if (used + cw > w)
			break;
		canvas_put(c, x + used, y, cp, style);
		used += cw;
	}
	if (total > w) {
		while (used < w - 1)
			canvas_put(c, x + used++, y, ' ', style);
		canvas_put(c, x + used++, y, CANVAS_ELLIPSIS, style);
	}
	return used;
}

int
canvas_text_right(struct canvas *c, int x, int y, int w, uint16_t style, const char *s)
{
	int sw = canvas_width(s);

	if (sw >= w)
		return canvas_text(c, x, y, w, style, s);
	return canvas_text(c, x + w - sw, y, sw, style, s);
}

int
canvas_printf(struct canvas *c, int x, int y, int w, uint16_t style, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, w, style, line);
}

void
canvas_fill(struct canvas *c, struct canvas_rect r, uint32_t ch, uint16_t style)
{
	int x, y;

	if (!clip(c, &r))
		return;
	for (y = r.y; y < r.y + r.h; y++)
		for (x = r.x; x < r.x + r.w; x++)
			canvas_put(c, x, y, ch, style);
}

void
canvas_restyle(struct canvas *c, struct canvas_rect r, uint16_t style)
{
	int x, y;

	if (!clip(c, &r))
		return;
	for (y = r.y; y < r.y + r.h; y++)
		for (x = r.x; x < r.x + r.w; x++)
			cell(c, x, y)->style = style;
}

void
canvas_hline(struct canvas *c, int x, int y, int w, uint32_t ch, uint16_t style)
{
	canvas_fill(c, (struct canvas_rect){x, y, w, 1}, ch, style);
}

void
canvas_vline(struct canvas *c, int x, int y, int h, uint32_t ch, uint16_t style)
{
	canvas_fill(c, (struct canvas_rect){x, y, 1, h}, ch, style);
}

void
canvas_box(struct canvas *c, struct canvas_rect r, uint16_t style)
{
	if (r.w < 2 || r.h < 2)
		return;
	canvas_fill(c, (struct canvas_rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2}, ' ', style);
	canvas_hline(c, r.x + 1, r.y, r.w - 2, 0x2500, style);
	canvas_hline(c, r.x + 1, r.y + r.h - 1, r.w - 2, 0x2500, style);
	canvas_vline(c, r.x, r.y + 1, r.h - 2, 0x2502, style);
	canvas_vline(c, r.x + r.w - 1, r.y + 1, r.h - 2, 0x2502, style);
	canvas_put(c, r.x, r.y, 0x250c, style);
	canvas_put(c, r.x + r.w - 1, r.y, 0x2510, style);
	canvas_put(c, r.x, r.y + r.h - 1, 0x2514, style);
	canvas_put(c, r.x + r.w - 1, r.y + r.h - 1, 0x2518, style);
}

char *
canvas_dump(const struct canvas *c)
{
	size_t cap = (size_t)c->h * ((size_t)c->w * 4 + 1) + 1, len = 0, keep;
	char *out = malloc(cap);
	const struct canvas_cell *p;
	int x, y;

	if (out == NULL)
		return NULL;
	for (y = 0; y < c->h; y++) {
		keep = len;
		for (x = 0; x < c->w; x++) {
			p = &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
			if (p->ch == CANVAS_CONT)
				continue;
			len += canvas_utf8_put(out + len, p->ch);
			if (p->ch != ' ')
				keep = len;
		}
		len = keep;
		out[len++] = '\n';
	}
	out[len] = '\0';
	return out;
}
