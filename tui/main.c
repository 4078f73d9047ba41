/*
 * wgnm-tui: attach to a running wgnm (the same TUI as wgnm's own, fed by the
 * control socket), print its state once (--status, --json), or show the
 * built-in demo (--demo, --demo-frames N) that drives the real TUI path.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tui/attach.h"
#include "tui/client.h"
#include "tui/demorun.h"

#define DEFAULT_IFNAME "wg0"

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: wgnm-tui [-i IFNAME | -s SOCKET] [--status | --json]\n"
	        "       wgnm-tui --demo | --demo-frames N [--size WxH]\n"
	        "       wgnm-tui -h | --help | -V | --version\n"
	        "\n"
	        "  -i, --interface IFNAME  the daemon of this interface (default %s),\n"
	        "                          socket %s/IFNAME.sock\n"
	        "  -s, --socket PATH       the daemon's control socket\n"
	        "      --status            print the node and its peers once, like wg show\n"
	        "      --json              print the same as one JSON object\n"
	        "  -h, --help              show this help and exit\n"
	        "  -V, --version           show the version and exit\n"
	        "      --demo              show the TUI on a built-in demo model (q quits)\n"
	        "      --demo-frames N     render N frames of the demo and exit (tests)\n"
	        "\n"
	        "Attached: q or d leaves (the daemon keeps running), Q shuts the daemon down\n"
	        "(root only, asks first), ? shows every key. See wgnm-tui(1).\n",
	        DEFAULT_IFNAME, WGNM_RUNDIR);
}

int
main(int argc, char **argv)
{
	enum { OPT_STATUS = 256, OPT_JSON };
	static const struct option longopts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"socket", required_argument, NULL, 's'},
	    {"status", no_argument, NULL, OPT_STATUS},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *ifname = NULL, *sock = NULL;
	char path[256];
	bool status = false, json = false;
	int c;

	if (argc >= 2 && (strcmp(argv[1], "--demo-frames") == 0 || strcmp(argv[1], "--demo") == 0))
		return demorun_main(argc - 1, argv + 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case OPT_STATUS:
			status = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wgnm-tui %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, "wgnm-tui: unknown or incomplete option \"%s\"\n",
			        argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wgnm-tui: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if ((ifname != NULL && sock != NULL) || (status && json)) {
		fprintf(stderr, "wgnm-tui: %s\n",
		        status && json ? "--status and --json exclude each other"
		                       : "-i and -s exclude each other");
		return 2;
	}
	if (sock == NULL) {
		if (tui_socket_path(path, sizeof(path), ifname ? ifname : DEFAULT_IFNAME) < 0) {
			fprintf(stderr, "wgnm-tui: bad interface name \"%s\"\n", ifname);
			return 2;
		}
		sock = path;
	}
	if (status || json)
		return tui_status_main(sock, json);
	return tui_attach_main(sock);
}
