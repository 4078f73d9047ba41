/*
 * wgnm-tui: the terminal interface to a running wgnm (entry point).
 * This build knows --help and --version only.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	fprintf(f, "usage: wgnm-tui [-h | --help] [-V | --version]\n"
	           "\n"
	           "  -h, --help     show this help and exit\n"
	           "  -V, --version  show the version and exit\n");
}

int
main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("wgnm-tui %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1)
		fprintf(stderr, "wgnm-tui: unknown argument \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
