/*
 * canvas: an off-screen grid of cells that the panes draw into and that the
 * terminal layer copies to the screen (only the cells that changed). Any
 * screen can be dumped as plain text: golden tests compare those dumps.
 *
 * Vocabulary:
 *   cell    one screen column of one row: a Unicode code point and a style
 *   wide    a code point two columns wide (CJK, most emoji): its first cell
 *           holds it, the next cell holds CANVAS_CONT
 *   style   attribute bits (CANVAS_BOLD...) | CANVAS_COLOR(pair index)
 *   rect    x, y, w, h in cells; everything drawn is clipped to the canvas
 *
 * Text is UTF-8. Control characters and invalid sequences are drawn as '?',
 * zero-width marks are dropped, so nothing that came from the network can move
 * the cursor. Widths come from a small built-in table, not from the locale,
 * so a dump is the same everywhere. No curses here.
 */
#ifndef WGNM_TUI_CANVAS_H
#define WGNM_TUI_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#define CANVAS_BOLD            0x01
#define CANVAS_DIM             0x02
#define CANVAS_REVERSE         0x04
#define CANVAS_UNDERLINE       0x08
#define CANVAS_ATTR_MASK       0xff
#define CANVAS_COLOR(n)        ((uint16_t)((n) << 8))
#define CANVAS_COLOR_OF(style) ((unsigned)(style) >> 8)

#define CANVAS_CONT     0xffffffffU /* right half of a wide character */
#define CANVAS_ELLIPSIS 0x2026      /* "…": marks truncated text */

struct canvas_cell {
	uint32_t ch;
	uint16_t style;
};

struct canvas {
	int w, h;
	struct canvas_cell *cells; /* h rows of w cells */
};

struct canvas_rect {
	int x, y, w, h;
};

/* A w×h canvas of blanks. 0, -EINVAL (w or h < 1 or too big) or -ENOMEM. */
int canvas_init(struct canvas *c, int w, int h);
/* Resize (contents become blank). Same errors; on error c is unchanged. */
int canvas_resize(struct canvas *c, int w, int h);
void canvas_free(struct canvas *c);

/* Blank every cell. */
void canvas_clear(struct canvas *c);
void canvas_fill(struct canvas *c, struct canvas_rect r, uint32_t ch, uint16_t style);
/* Set the style of existing cells (e.g. reverse a selected row). */
void canvas_restyle(struct canvas *c, struct canvas_rect r, uint16_t style);

/* One code point at x, y; returns the columns it took (0, 1 or 2). */
int canvas_put(struct canvas *c, int x, int y, uint32_t ch, uint16_t style);

/*
 * UTF-8 text at x, y clipped to w columns. When it does not fit, the last
 * column shows CANVAS_ELLIPSIS. Returns the columns used.
 */
int canvas_text(struct canvas *c, int x, int y, int w, uint16_t style, const char *s);
/* Like canvas_text but right-aligned in w columns. */
int canvas_text_right(struct canvas *c, int x, int y, int w, uint16_t style, const char *s);
/* printf into a line, then canvas_text. */
int canvas_printf(struct canvas *c, int x, int y, int w, uint16_t style, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

void canvas_hline(struct canvas *c, int x, int y, int w, uint32_t ch, uint16_t style);
void canvas_vline(struct canvas *c, int x, int y, int h, uint32_t ch, uint16_t style);
/* A single-line box on the border of r, inside blank. */
void canvas_box(struct canvas *c, struct canvas_rect r, uint16_t style);

const struct canvas_cell *canvas_at(const struct canvas *c, int x, int y);

/* Columns a string takes (same rules as canvas_text). */
int canvas_width(const char *s);
/* Columns of one code point: 0, 1 or 2. */
int canvas_cp_width(uint32_t cp);
/* Encode cp as UTF-8 into buf (>= 4 bytes); returns the length. */
size_t canvas_utf8_put(char *buf, uint32_t cp);

/*
 * The canvas as text: h lines, each ending in '\n', trailing blanks trimmed,
 * wide characters once. Caller frees with free(). NULL on ENOMEM.
 */
char *canvas_dump(const struct canvas *c);

#endif
