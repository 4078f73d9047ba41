/*
 * main: wgnm's entry point. Parses the command line (src/cli.c), prints
 * errors as "wgnm: <error>" (exit 2 for usage errors, 1 for everything
 * else), logs warnings, and runs the chosen mode: --help, --version,
 * --check (summary, exit 0), init (write net.yaml), key (print the node's
 * identity public key) or the node (wgnm_run).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli.h"
#include "src/conf.h"
#include <sodium.h>

#include "proto/identity.h"
#include "src/log.h"
#include "src/state.h"
#include "src/wgnm.h"

static void
print_errors(const struct config_diag *d)
{
	unsigned i;

	for (i = 0; i < d->nerrors; i++)
		fprintf(stderr, "wgnm: %s\n", d->errors[i]);
	if (d->errors_dropped > 0)
		fprintf(stderr, "wgnm: ... and %u more errors\n", d->errors_dropped);
}

static void
log_warnings(const struct config_diag *d)
{
	unsigned i;

	for (i = 0; i < d->nwarnings; i++)
		log_warnx("%s", d->warnings[i]);
	if (d->warnings_dropped > 0)
		log_warnx("... and %u more warnings", d->warnings_dropped);
}

/*
 * This node's identity public key (base64) from o->statedir, created there
 * like the daemon would. 0 or -errno with the reason in err.
 */
static int
identity_key(const struct options *o, char *key, size_t keylen, int *created, char *err,
             size_t errlen)
{
	struct identity *id = NULL;
	int rc = state_identity(o->statedir, &id, created, err, errlen);

	if (rc < 0)
		return rc;
	sodium_bin2base64(key, keylen, identity_node_id(id), IDENTITY_ID_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	identity_free(id);
	return 0;
}

static void
print_line_cb(const char *line, void *arg)
{
	fprintf(arg, "%s\n", line);
}

int
main(int argc, char **argv)
{
	struct config_diag *d;
	struct options o;
	char key[sodium_base64_ENCODED_LEN(IDENTITY_ID_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char err[512];
	int rc, status, created;

	log_init(LOG_TO_STDERR, 0, "wgnm");
	d = malloc(sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "wgnm: out of memory\n");
		return 1;
	}
	config_diag_init(d);
	rc = cli_parse(&o, argc, argv, d);
	log_set_verbose(o.verbose > 0 ? 1 : 0);
	log_warnings(d);
	if (rc < 0) {
		if (d->nerrors == 0)
			fprintf(stderr, "wgnm: %s\n", strerror(-rc));
		print_errors(d);
		if (rc == -EINVAL)
			fprintf(stderr, "Try 'wgnm --help' for more information.\n");
		status = rc == -EINVAL ? 2 : 1;
		goto out;
	}
	switch (o.mode) {
	case OPTIONS_HELP:
		cli_usage(stdout);
		status = 0;
		break;
	case OPTIONS_VERSION:
		printf("wgnm %s\n", PACKAGE_VERSION);
		status = 0;
		break;
	case OPTIONS_CHECK:
		cli_describe(&o, print_line_cb, stdout);
		printf("configuration OK\n");
		status = 0;
		break;
	case OPTIONS_INIT:
		config_diag_init(d);
		rc = cli_init_write(&o, d);
		if (rc < 0) {
			print_errors(d);
			status = 1;
		} else {
			if (strcmp(o.init_output, "-") != 0)
				fprintf(stderr, "wgnm: wrote %s (mode 0600)\n", o.init_output);
			/* the writer's own node: its identity, for a nodes: list */
			if (identity_key(&o, key, sizeof(key), &created, err, sizeof(err)) == 0)
				fprintf(stderr,
				        "wgnm: this node's identity (%s/identity%s): %s\n"
				        "wgnm: to pin it, list it in nodes: as {name: NAME, wgIp: "
				        "ADDRESS, identity: %s}\n",
				        o.statedir, created ? ", new" : "", key, key);
			else
				fprintf(stderr,
				        "wgnm: no identity for this node (%s); run 'wgnm key' on "
				        "each node to get its identity\n",
				        err);
			status = 0;
		}
		break;
	case OPTIONS_KEY:
		rc = identity_key(&o, key, sizeof(key), &created, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "wgnm: %s\n", err);
			status = 1;
		} else {
			printf("%s\n", key);
			if (created)
				fprintf(stderr, "wgnm: new identity in %s/identity\n", o.statedir);
			status = 0;
		}
		break;
	case OPTIONS_RUN:
	default:
		status = wgnm_run(&o, argc, argv);
		break;
	}
out:
	cli_free(&o);
	free(d);
	return status;
}
