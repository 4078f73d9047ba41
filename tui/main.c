/* wgnm-tui: attach to a running wgnm (entry point). */
#include "config.h"

#include <stdio.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("wgnm-tui %s\n", PACKAGE_VERSION);
	return 0;
}
