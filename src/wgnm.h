/*
 * wgnm: the daemon's entry point as main() sees it.
 *
 * main() parses the command line into a resolved struct options (src/cli.h)
 * and hands it to wgnm_run(), which owns the process from then on and returns
 * the exit status. The options and argv stay owned by main() and outlive
 * the call.
 */
#ifndef WGNM_WGNM_H
#define WGNM_WGNM_H

#include "src/cli.h"

/*
 * Run the node described by o (mode OPTIONS_RUN), which cli_parse() made
 * from argc/argv. Returns the exit status. argv is kept (not copied) and
 * parsed again on every reload (SIGHUP of a headless daemon): it must
 * outlive the call, as main's does.
 */
int wgnm_run(const struct options *o, int argc, char *const argv[]);

#endif
