/*
 * status: the one-shot outputs of wgnm-tui, made from a model that holds a
 * complete snapshot. Pure: model in, text out, `now` given by the caller.
 *
 *   --status  plain text in the manner of `wg show`: the node block, then
 *             one block per peer (self excluded), sorted by name then id.
 *   --json    one JSON object; the field names and value tokens are a
 *             stable interface, documented in wgnm-tui(1) (JSON OUTPUT).
 *             Fields are only ever added, never renamed or removed;
 *             "format" changes if that promise ever has to be broken.
 */
#ifndef WGNM_TUI_STATUS_H
#define WGNM_TUI_STATUS_H

#include <stdint.h>
#include <stdio.h>

#include "tui/model.h"

#define TUI_JSON_FORMAT 1

void tui_status_text(FILE *f, const struct tui_model *m, int64_t now);
void tui_status_json(FILE *f, const struct tui_model *m, int64_t now);

/* Stable tokens of the JSON output ("direct-lan", "backing-off", ...). */
const char *tui_json_peer_state(enum ctl_peer_state s);
const char *tui_json_nat_state(enum ctl_nat_state s);
const char *tui_json_nat_behaviour(enum ctl_nat_behaviour b);
const char *tui_json_backend(enum ctl_backend b);

#endif
