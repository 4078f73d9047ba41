/*
 * cli: the command line, resolved into one validated struct options.
 *
 * Vocabulary:
 *   mode       what this run does: start the mesh, --check, init, key,
 *              --help, --version.
 *   resolved   every setting the daemon needs has its final value: command
 *              line beats peer.yaml beats the node's own static entry in
 *              net.yaml beats the built-in default.
 *   static     a static peer; --static adds one on the command line.
 *
 * cli_parse() goes from argv to a struct options in one call, never prints
 * and never exits: errors and warnings go to a struct config_diag and the
 * caller decides. Everything in struct options is owned by it and freed with
 * cli_free().
 */
#ifndef WGNM_CLI_H
#define WGNM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/ipaddr.h"
#include "src/conf.h"

#define CLI_DEFAULT_IFNAME "wg0"
#define CLI_DEFAULT_CONFIG WGNM_SYSCONFDIR "/net.yaml"

enum options_mode {
	OPTIONS_RUN,     /* start the mesh: interactive, or headless with --daemon */
	OPTIONS_CHECK,   /* --check: validate, print a summary */
	OPTIONS_INIT,    /* init: write a new net.yaml */
	OPTIONS_KEY,     /* key: print this node's identity public key */
	OPTIONS_HELP,    /* --help */
	OPTIONS_VERSION, /* --version */
};

struct options {
	enum options_mode mode;

	/* OPTIONS_RUN and OPTIONS_CHECK: the resolved node. */
	char *config_path;        /* net.yaml as given (or the default) */
	char *peer_path;          /* peer.yaml, NULL without -p */
	const struct config *net; /* net.yaml plus the --static entries */
	char name[CONFIG_NAME_MAX + 1];
	struct ipaddr address; /* overlay address, inside net->subnet */
	char ifname[CONFIG_IFNAME_MAX + 1];
	bool existing_interface; /* use an interface that already exists */
	uint16_t wg_port;
	uint16_t admin_port;
	const struct config_static *self; /* this node's entry in net->peers, or NULL */
	bool daemon;                      /* headless */
	bool foreground;                  /* with daemon: do not fork */
	bool mobile;
	unsigned idle_timeout;    /* seconds without data before a direct pair is idle; 0 = default */
	char *statedir; /* also for init and key */
	int verbose; /* number of -v */
	char *group; /* --group: who may read the control socket; NULL: root only */

	/* --static entries as given, defaults filled in (also merged into net). */
	struct config_static *statics;
	size_t nstatics;

	/* OPTIONS_INIT */
	struct ipprefix init_subnet;
	char *init_output; /* a path, or "-" for stdout */
	bool init_force;   /* overwrite an existing file */
};

/*
 * Parse and resolve argv (argv[0] is the program name). o is overwritten.
 * Returns 0, or:
 *   -EINVAL  a usage error (unknown option, malformed value, missing address)
 *   -EBADMSG a configuration file or a resolved setting is invalid
 *   -errno   a file cannot be read; -ENOMEM
 * with the reasons in d->errors. Warnings go to d->warnings either way.
 * Call cli_free(o) afterwards in every case.
 */
int cli_parse(struct options *o, int argc, char *const argv[], struct config_diag *d);
void cli_free(struct options *o);

/* The --help text. */
void cli_usage(FILE *f);

/* The resolved configuration, one line at a time (no newline), shared key only
 * as a fingerprint. Used by --check and by the daemon's start-up log. */
void cli_describe(const struct options *o, void (*line_cb)(const char *line, void *arg), void *arg);

/*
 * init: write a new net.yaml (fresh sharedKey, mode 0600) to o->init_output,
 * refusing to replace an existing file unless o->init_force. The text is
 * parsed back before it is written. Returns 0 or -errno (reason in d).
 */
int cli_init_write(const struct options *o, struct config_diag *d);

#endif
