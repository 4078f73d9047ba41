/* num: see num.h. Overflow cannot happen: the value is checked after each digit. */
#include "config.h"

#include "proto/num.h"

long
num_parse(const char *s, long max)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}
