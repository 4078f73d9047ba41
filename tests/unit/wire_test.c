/* wire: writer bytes and overflow, reader values, truncation and string rejects. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "proto/wire.h"
#include "tests/tap.h"

static const struct {
	const char *name;
	size_t len;      /* bytes offered to the reader */
	size_t strsz;    /* output buffer for wire_get_string */
	int rc;          /* wire_get_string result */
	const char *out; /* string read, when rc == 0 */
} strings[] = {
    {"empty", 1, 8, 0, ""},
    {"abc", 4, 8, 0, "abc"},
    {"abc truncated body", 3, 8, -EBADMSG, ""},
    {"abc truncated length", 0, 8, -EBADMSG, ""},
    {"abc does not fit", 4, 3, -EINVAL, ""},
    {"abc exactly fits", 4, 4, 0, "abc"},
    {"embedded NUL", 4, 8, -EINVAL, ""},
};

int
main(void)
{
	static const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	                               0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 'h',  'i'};
	uint8_t buf[sizeof(want)], small[5];
	struct wire_writer w;
	struct wire_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[8];
	size_t i, n;

	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0x01);
	wire_put_u16(&w, 0x0203);
	wire_put_u32(&w, 0x04050607);
	wire_put_u64(&w, 0x08090a0b0c0d0e0fULL);
	is_int(wire_put_string(&w, "hi"), 0, "writer: all puts fit");
	ok(w.len == sizeof(want) && memcmp(buf, want, sizeof(want)) == 0,
	   "writer: big-endian bytes as specified");
	is_int(wire_put_u8(&w, 0), -EMSGSIZE, "writer: a put past the end fails");
	is_int(w.len, sizeof(want), "writer: a failed put writes nothing");

	wire_writer_init(&w, small, sizeof(small));
	wire_put_u32(&w, 1);
	is_int(wire_put_u16(&w, 2), -EMSGSIZE, "writer: u16 across the end fails");
	is_int(wire_put_u8(&w, 3), -EMSGSIZE, "writer: error is sticky even when a u8 would fit");
	is_int(w.len, 4, "writer: length stops at the last successful put");

	{
		char big[300];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		wire_writer_init(&w, buf, sizeof(buf));
		is_int(wire_put_string(&w, big), -EMSGSIZE, "writer: string over 255 bytes fails");
	}

	wire_reader_init(&r, want, sizeof(want));
	wire_get_u8(&r, &u8);
	wire_get_u16(&r, &u16);
	wire_get_u32(&r, &u32);
	wire_get_u64(&r, &u64);
	is_int(wire_get_string(&r, s, sizeof(s)), 0, "reader: all gets succeed");
	ok(u8 == 0x01 && u16 == 0x0203 && u32 == 0x04050607 && u64 == 0x08090a0b0c0d0e0fULL,
	   "reader: integers decode big-endian");
	is_str(s, "hi", "reader: string");
	is_int(wire_reader_end(&r), 0, "reader: fully consumed");

	/* Truncation at every length: the sticky error, zeroed outputs, never past the end. */
	for (n = 0; n < sizeof(want); n++) {
		int rc;

		wire_reader_init(&r, want, n);
		wire_get_u8(&r, &u8);
		wire_get_u16(&r, &u16);
		wire_get_u32(&r, &u32);
		wire_get_u64(&r, &u64);
		rc = wire_get_string(&r, s, sizeof(s));
		if (!ok(rc == -EBADMSG && r.off <= n, "reader: truncated to %zu bytes is -EBADMSG",
		        n))
			diag("rc %d off %zu", rc, r.off);
	}
	wire_reader_init(&r, want, 3);
	wire_get_u16(&r, &u16);
	wire_get_u16(&r, &u16);
	is_int(u16, 0, "reader: a truncated get yields zero");

	wire_reader_init(&r, want, sizeof(want));
	wire_get_u8(&r, &u8);
	is_int(wire_reader_end(&r), -EBADMSG, "reader: trailing bytes are -EBADMSG");
	ok(wire_get_ptr(&r, sizeof(want)) == NULL, "reader: get_ptr past the end is NULL");
	is_int(wire_get_u8(&r, &u8), -EBADMSG, "reader: error is sticky");

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		uint8_t in[8] = {3, 'a', 'b', 'c'};
		char out[8];
		int rc;

		if (i == 0)
			in[0] = 0;
		if (strcmp(strings[i].name, "embedded NUL") == 0)
			in[2] = '\0';
		wire_reader_init(&r, in, strings[i].len);
		rc = wire_get_string(&r, out, strings[i].strsz);
		is_int(rc, strings[i].rc, "string %s: %d", strings[i].name, strings[i].rc);
		is_str(out, strings[i].out, "string %s: output", strings[i].name);
	}
	return tap_done();
}
