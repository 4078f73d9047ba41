/* wgnm: the mesh manager (entry point). */
#include "config.h"

#include <stdio.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("wgnm %s\n", PACKAGE_VERSION);
	return 0;
}
