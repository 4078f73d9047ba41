/*
 * tap: a tiny TAP producer for unit tests (run by automake's tap-driver.sh).
 *
 *   ok(cond, "name %d", i);         one test case
 *   is_int(got, want, "name");      with a diagnostic on mismatch
 *   is_str(got, want, "name");
 *   return tap_done();              prints the plan, exit status 0/1
 *
 * Every check is one TAP test case, so the suite's totals count cases, not
 * programs. Header-only so each test stays one file.
 */
#ifndef WGNM_TESTS_TAP_H
#define WGNM_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                   \
		if (!ok(tap_g_ == tap_w_, __VA_ARGS__))                                            \
			printf("#   got: %lld\n#  want: %lld\n", tap_g_, tap_w_);                   \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *tap_g_ = (got), *tap_w_ = (want);                                      \
		int tap_eq_ = (tap_g_ == NULL && tap_w_ == NULL) ||                                \
			      (tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0);   \
		if (!ok(tap_eq_, __VA_ARGS__))                                                     \
			printf("#   got: \"%s\"\n#  want: \"%s\"\n", tap_g_ ? tap_g_ : "(null)",     \
			       tap_w_ ? tap_w_ : "(null)");                                        \
	} while (0)

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
