/*
 * log: the one logging API of wgnm (OpenBSD style).
 *
 * log_warn() appends strerror(errno); log_warnx() does not. fatal()/fatalx()
 * log and exit(1): only for start-up failures and broken invariants, never for
 * anything a peer sent. Lines go to stderr or syslog, and every line (whatever
 * the verbosity) below the ring's level is also kept in a ring buffer of recent
 * lines that the TUI log pane and control clients read by sequence number.
 *
 * Text that came from the network must pass through log_escape() first.
 */
#ifndef WGNM_LOG_H
#define WGNM_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_FATAL = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

enum log_dest {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
	LOG_TO_NONE, /* ring buffer only (the TUI owns the terminal) */
};

#define LOG_LINE_MAX 256
#define LOG_RING_LINES 1024

struct log_line {
	uint64_t seq;        /* 1, 2, 3, ... never reused */
	int64_t realtime_ms; /* wall clock, for display only */
	enum log_level level;
	char text[LOG_LINE_MAX];
};

/* verbose: 0 = warnings and info, 1 = + debug. ident names the program. */
void log_init(enum log_dest dest, int verbose, const char *ident);
void log_set_dest(enum log_dest dest);
void log_set_verbose(int verbose);
int log_get_verbose(void);

/* Called for each new line (after it entered the ring), e.g. to push it to clients. */
typedef void (*log_hook_fn)(const struct log_line *line, void *arg);
void log_set_hook(log_hook_fn fn, void *arg);

/* Called once before fatal() exits, e.g. to restore the terminal. */
void log_set_fatal_hook(void (*fn)(void));

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_vmsg(enum log_level level, int with_errno, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Ring buffer access. Lines with seq > after, oldest first; returns how many were copied. */
size_t log_ring_read(uint64_t after, struct log_line *out, size_t max);
uint64_t log_ring_last_seq(void);

/*
 * Copy src (len bytes, not necessarily NUL-terminated) into dst as printable
 * ASCII: bytes outside 0x20..0x7e become \xNN, backslash becomes "\\". Always
 * NUL-terminates when dstlen > 0; truncates. Returns dst.
 */
char *log_escape(char *dst, size_t dstlen, const void *src, size_t len);

/*
 * Rate limit for log lines a peer can trigger: at most `burst` lines per
 * `interval_s` seconds; the rest are counted and reported with the next line
 * allowed. Embed one per message class.
 */
struct log_ratelimit {
	double interval_s;
	unsigned burst;
	double window_start;
	unsigned in_window;
	unsigned long suppressed;
};
#define LOG_RATELIMIT_INIT(interval, n) { (interval), (n), -1e300, 0, 0 }
/* Returns 1 if a line may be logged now; *suppressed_out gets the lines dropped since the last one. */
int log_ratelimit_ok(struct log_ratelimit *rl, double now, unsigned long *suppressed_out);

#endif
