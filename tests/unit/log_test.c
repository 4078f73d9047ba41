/* log: ring buffer order and overflow, escaping, rate limiting. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/log.h"
#include "tests/tap.h"

static int hook_calls;

static void
hook(const struct log_line *line, void *arg)
{
	(void)line;
	(void)arg;
	hook_calls++;
}

int
main(void)
{
	struct log_line lines[8];
	char esc[32];
	size_t n;
	int i;

	log_init(LOG_TO_NONE, 0, "test");
	log_set_hook(hook, NULL);
	log_info("one");
	log_debug("hidden at verbosity 0");
	log_warnx("two %d", 2);
	n = log_ring_read(0, lines, 8);
	is_int(n, 2, "debug lines are dropped at verbosity 0");
	is_str(lines[0].text, "one", "first line");
	is_str(lines[1].text, "two 2", "second line formatted");
	is_int(lines[1].level, LOG_LVL_WARN, "level kept");
	is_int(hook_calls, 2, "hook called per line");
	is_int(log_ring_read(lines[1].seq, lines, 8), 0, "nothing after the last seq");

	for (i = 0; i < LOG_RING_LINES + 10; i++)
		log_info("line %d", i);
	n = log_ring_read(0, lines, 1);
	is_int(n, 1, "read is bounded by max");
	is_str(lines[0].text, "line 10", "oldest line after overflow is the oldest kept");
	is_int(log_ring_last_seq(), 2 + LOG_RING_LINES + 10, "seq counts every line");

	log_escape(esc, sizeof(esc), "a\x01\\b\n", 5);
	is_str(esc, "a\\x01\\\\b\\x0a", "non-printables escaped");
	log_escape(esc, 6, "abcdefgh", 8);
	is_str(esc, "abcde", "escape truncates and terminates");

	{
		struct log_ratelimit rl = LOG_RATELIMIT_INIT(10.0, 3);
		unsigned long sup = 99;
		int allowed = 0;

		for (i = 0; i < 100; i++)
			allowed += log_ratelimit_ok(&rl, 5.0 + i * 0.01, NULL);
		is_int(allowed, 3, "burst of 3 in one window");
		ok(log_ratelimit_ok(&rl, 20.0, &sup) && sup == 97, "next window reports 97 suppressed");
	}
	return tap_done();
}
