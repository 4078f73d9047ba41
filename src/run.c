/*
 * run: wgnm_run(), the daemon proper. For now it logs the resolved
 * configuration and returns; the mesh core replaces this file.
 */
#include "config.h"

#include "src/log.h"
#include "src/wgnm.h"

static void
log_line_cb(const char *line, void *arg)
{
	(void)arg;
	log_info("%s", line);
}

int
wgnm_run(const struct options *o)
{
	cli_describe(o, log_line_cb, NULL);
	return 0;
}
