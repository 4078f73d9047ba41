/*
 * wire: bounds-checked big-endian readers and writers over byte buffers.
 *
 * Vocabulary:
 *   writer  appends to a caller buffer of fixed capacity. The first put that
 *           does not fit sets a sticky error (-EMSGSIZE); every later put is a
 *           no-op, so an encoder may put everything and check once at the end.
 *   reader  consumes a (buf, len) view. The first get past the end sets a
 *           sticky error (-EBADMSG) and zero-fills its output, so a decoder
 *           never reads out of bounds and never sees uninitialised values.
 *
 * All integers are network byte order (big-endian). Strings are a u8 length
 * followed by that many bytes, no NUL on the wire. Pure: no I/O, no globals,
 * no allocation; the buffers belong to the caller.
 */
#ifndef WGNM_PROTO_WIRE_H
#define WGNM_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* 0 or -EMSGSIZE, sticky */
};

struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	int err; /* 0 or -EBADMSG (truncated) / -EINVAL (bad string), sticky */
};

void wire_writer_init(struct wire_writer *w, uint8_t *buf, size_t cap);
/* Each put returns the writer's (sticky) error: 0 or -EMSGSIZE. */
int wire_put_u8(struct wire_writer *w, uint8_t v);
int wire_put_u16(struct wire_writer *w, uint16_t v);
int wire_put_u32(struct wire_writer *w, uint32_t v);
int wire_put_u64(struct wire_writer *w, uint64_t v);
int wire_put_bytes(struct wire_writer *w, const void *p, size_t n);
/* u8 length + bytes of the NUL-terminated s; -EMSGSIZE when strlen(s) > 255. */
int wire_put_string(struct wire_writer *w, const char *s);

void wire_reader_init(struct wire_reader *r, const uint8_t *buf, size_t len);
/* Each get returns the reader's (sticky) error: 0 or negative. */
int wire_get_u8(struct wire_reader *r, uint8_t *v);
int wire_get_u16(struct wire_reader *r, uint16_t *v);
int wire_get_u32(struct wire_reader *r, uint32_t *v);
int wire_get_u64(struct wire_reader *r, uint64_t *v);
int wire_get_bytes(struct wire_reader *r, void *p, size_t n);
/*
 * u8 length + bytes into out (size outsz, NUL-terminated on success).
 * -EBADMSG when truncated, -EINVAL when the string holds a NUL byte or does
 * not fit in outsz - 1 bytes; out is "" on failure.
 */
int wire_get_string(struct wire_reader *r, char *out, size_t outsz);
/* Pointer to the next n bytes and consume them, or NULL (sets -EBADMSG). */
const uint8_t *wire_get_ptr(struct wire_reader *r, size_t n);
size_t wire_remaining(const struct wire_reader *r);
/* The sticky error, or -EBADMSG when bytes remain unread (trailing garbage). */
int wire_reader_end(const struct wire_reader *r);

#endif
