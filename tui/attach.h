/*
 * attach: wgnm-tui's modes that talk to a daemon — the attached TUI (the
 * same tui_app as in wgnm, its model fed by the control socket) and the
 * one-shot --status / --json outputs.
 */
#ifndef WGNM_TUI_ATTACH_H
#define WGNM_TUI_ATTACH_H

#include <stdbool.h>

/* Attach to the daemon at path on this terminal. Returns the exit status. */
int tui_attach_main(const char *path);
/* Print one snapshot of the daemon at path as text or JSON. Returns the exit status. */
int tui_status_main(const char *path, bool json);

#endif
