/*
 * log: stderr/syslog output plus a ring buffer of recent lines.
 *
 * The ring holds the last LOG_RING_LINES lines at every level the current
 * verbosity lets through. Sequence numbers only grow, so a reader that
 * remembers the last seq it saw can ask for "what is new" without locks or
 * callbacks (wgnm is single-threaded).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "src/log.h"

static enum log_dest log_dest = LOG_TO_STDERR;
static int log_verbose;
static const char *log_ident = "wgnm";
static log_hook_fn log_hook;
static void *log_hook_arg;
static void (*log_fatal_hook)(void);

static struct log_line log_ring[LOG_RING_LINES];
static uint64_t log_next_seq = 1;

void
log_init(enum log_dest dest, int verbose, const char *ident)
{
	if (ident != NULL)
		log_ident = ident;
	log_verbose = verbose;
	log_set_dest(dest);
}

void
log_set_dest(enum log_dest dest)
{
	if (log_dest == LOG_TO_SYSLOG && dest != LOG_TO_SYSLOG)
		closelog();
	if (dest == LOG_TO_SYSLOG && log_dest != LOG_TO_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_dest = dest;
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

void
log_set_hook(log_hook_fn fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

void
log_set_fatal_hook(void (*fn)(void))
{
	log_fatal_hook = fn;
}

static int64_t
now_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
level_prefix(enum log_level level)
{
	switch (level) {
	case LOG_LVL_FATAL:
		return "fatal: ";
	case LOG_LVL_WARN:
		return "warning: ";
	case LOG_LVL_INFO:
	case LOG_LVL_DEBUG:
		break;
	}
	return "";
}

static int
syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LVL_FATAL:
		return LOG_CRIT;
	case LOG_LVL_WARN:
		return LOG_WARNING;
	case LOG_LVL_INFO:
		return LOG_INFO;
	case LOG_LVL_DEBUG:
		break;
	}
	return LOG_DEBUG;
}

void
log_vmsg(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	struct log_line *line;
	int saved_errno = errno;
	size_t n;

	if (level == LOG_LVL_DEBUG && log_verbose < 1)
		return;

	line = &log_ring[log_next_seq % LOG_RING_LINES];
	line->seq = log_next_seq++;
	line->realtime_ms = now_realtime_ms();
	line->level = level;
	vsnprintf(line->text, sizeof(line->text), fmt, ap);
	if (with_errno) {
		n = strlen(line->text);
		snprintf(line->text + n, sizeof(line->text) - n, ": %s", strerror(saved_errno));
	}

	switch (log_dest) {
	case LOG_TO_STDERR:
		fprintf(stderr, "%s: %s%s\n", log_ident, level_prefix(level), line->text);
		break;
	case LOG_TO_SYSLOG:
		syslog(syslog_priority(level), "%s%s", level_prefix(level), line->text);
		break;
	case LOG_TO_NONE:
		break;
	}
	if (log_hook != NULL)
		log_hook(line, log_hook_arg);
	errno = saved_errno;
}

#define LOG_FN(name, level, with_errno)                                                            \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vmsg(level, with_errno, fmt, ap);                                              \
		va_end(ap);                                                                        \
	}

LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

static void __attribute__((noreturn))
fatal_exit(void)
{
	if (log_fatal_hook != NULL) {
		void (*fn)(void) = log_fatal_hook;

		log_fatal_hook = NULL;
		fn();
	}
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_FATAL, 1, fmt, ap);
	va_end(ap);
	fatal_exit();
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_FATAL, 0, fmt, ap);
	va_end(ap);
	fatal_exit();
}

size_t
log_ring_read(uint64_t after, struct log_line *out, size_t max)
{
	uint64_t first = log_next_seq > LOG_RING_LINES ? log_next_seq - LOG_RING_LINES : 1;
	uint64_t seq;
	size_t n = 0;

	if (after + 1 > first)
		first = after + 1;
	for (seq = first; seq < log_next_seq && n < max; seq++)
		out[n++] = log_ring[seq % LOG_RING_LINES];
	return n;
}

uint64_t
log_ring_last_seq(void)
{
	return log_next_seq - 1;
}

char *
log_escape(char *dst, size_t dstlen, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0, i;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t need = (c == '\\') ? 2 : (c >= 0x20 && c < 0x7f) ? 1 : 4;

		if (o + need >= dstlen)
			break;
		if (c == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

int
log_ratelimit_ok(struct log_ratelimit *rl, double now, unsigned long *suppressed_out)
{
	if (now - rl->window_start >= rl->interval_s) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return 0;
	}
	rl->in_window++;
	if (suppressed_out != NULL)
		*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}
