/*
 * wgnm-tui: attach to a running wgnm. For now: --help, --version, and the
 * built-in demo (--demo, --demo-frames N) that drives the real TUI path.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui/demorun.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: wgnm-tui [-h | --help] [-V | --version]\n"
		   "       wgnm-tui --demo | --demo-frames N [--size WxH]\n"
		   "\n"
		   "  -h, --help         show this help and exit\n"
		   "  -V, --version      show the version and exit\n"
		   "  --demo             show the TUI on a built-in demo model (q quits)\n"
		   "  --demo-frames N    render N frames of the demo and exit (tests)\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--demo-frames") == 0 || strcmp(argv[1], "--demo") == 0))
		return demorun_main(argc - 1, argv + 1);
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
