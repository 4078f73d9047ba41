/*
 * panes: draws a model and its ui state into a canvas — header line, tab bar
 * or pane grid, the five panes, status line, detail and help overlays.
 *
 * Layout: below UI_WIDE_W×UI_WIDE_H one pane at a time under a tab bar; from
 * there on all five at once (Peers across the top, Routes | NAT, then
 * Keepalive | Log). Tables drop their least important columns when narrow and
 * give spare width to the text columns; text that does not fit ends in "…".
 * The selected row of the focused list is marked '>' and reversed, so a text
 * dump shows it too.
 */
#ifndef WGNM_TUI_PANES_H
#define WGNM_TUI_PANES_H

#include <stdint.h>

#include "tui/canvas.h"
#include "tui/ui.h"

#define UI_WIDE_W 160
#define UI_WIDE_H 40
#define UI_MIN_W  40
#define UI_MIN_H  8

/* Draw everything (ui_render() calls this after updating the views). */
void panes_render(struct ui *ui, struct canvas *c, int64_t now);

#endif
