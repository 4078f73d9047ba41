/*
 * wgnm: the daemon's entry point as main() sees it.
 *
 * main() parses the command line into a resolved struct options (src/cli.h)
 * and hands it to wgnm_run(), which owns the process from then on and returns
 * the exit status. The options stay owned by main() and outlive the call.
 */
#ifndef WGNM_WGNM_H
#define WGNM_WGNM_H

#include "src/cli.h"

/* Run the node described by o (mode OPTIONS_RUN). Returns the exit status. */
int wgnm_run(const struct options *o);

#endif
