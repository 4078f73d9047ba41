/*
 * num: decimal numbers as the configuration, the command line and addresses
 * write them: digits only, no sign, no spaces, no leading "+", at most max.
 */
#ifndef WGNM_PROTO_NUM_H
#define WGNM_PROTO_NUM_H

/* The value of s (0..max), or -1 when s is empty, has a non-digit or exceeds max. */
long num_parse(const char *s, long max);

#endif
