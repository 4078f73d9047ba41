/* wgnm-tui: attach to a running wgnm (entry point). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui/demorun.h"

int
main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--demo-frames") == 0 || strcmp(argv[1], "--demo") == 0))
		return demorun_main(argc - 1, argv + 1);
	printf("wgnm-tui %s\n", PACKAGE_VERSION);
	return 0;
}
