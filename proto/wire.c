/*
 * wire: bounds-checked big-endian readers and writers (see wire.h).
 *
 * Invariants: w->len <= w->cap and r->off <= r->len at all times; once err is
 * set it never clears, and no byte is written or read past the bounds.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "proto/wire.h"

void
wire_writer_init(struct wire_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

int
wire_put_bytes(struct wire_writer *w, const void *p, size_t n)
{
	if (w->err < 0)
		return w->err;
	if (n > w->cap - w->len) {
		w->err = -EMSGSIZE;
		return w->err;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int
wire_put_u8(struct wire_writer *w, uint8_t v)
{
	return wire_put_bytes(w, &v, 1);
}

int
wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return wire_put_bytes(w, b, sizeof(b));
}

int
wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return wire_put_bytes(w, b, sizeof(b));
}

int
wire_put_u64(struct wire_writer *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t)(v >> 32));
	return wire_put_u32(w, (uint32_t)v);
}

int
wire_put_string(struct wire_writer *w, const char *s)
{
	size_t n = strlen(s);

	if (w->err < 0)
		return w->err;
	if (n > UINT8_MAX) {
		w->err = -EMSGSIZE;
		return w->err;
	}
	wire_put_u8(w, (uint8_t)n);
	return wire_put_bytes(w, s, n);
}

void
wire_reader_init(struct wire_reader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

const uint8_t *
wire_get_ptr(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err < 0)
		return NULL;
	if (n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

int
wire_get_bytes(struct wire_reader *r, void *p, size_t n)
{
	const uint8_t *src = wire_get_ptr(r, n);

	if (src == NULL) {
		if (n > 0)
			memset(p, 0, n);
		return r->err;
	}
	if (n > 0)
		memcpy(p, src, n);
	return 0;
}

int
wire_get_u8(struct wire_reader *r, uint8_t *v)
{
	return wire_get_bytes(r, v, 1);
}

int
wire_get_u16(struct wire_reader *r, uint16_t *v)
{
	uint8_t b[2];
	int rc = wire_get_bytes(r, b, sizeof(b));

	*v = (uint16_t)(b[0] << 8 | b[1]);
	return rc;
}

int
wire_get_u32(struct wire_reader *r, uint32_t *v)
{
	uint8_t b[4];
	int rc = wire_get_bytes(r, b, sizeof(b));

	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return rc;
}

int
wire_get_u64(struct wire_reader *r, uint64_t *v)
{
	uint32_t hi, lo;

	wire_get_u32(r, &hi);
	wire_get_u32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return r->err;
}

int
wire_get_string(struct wire_reader *r, char *out, size_t outsz)
{
	const uint8_t *p;
	uint8_t n;

	if (outsz > 0)
		out[0] = '\0';
	if (wire_get_u8(r, &n) < 0)
		return r->err;
	p = wire_get_ptr(r, n);
	if (p == NULL)
		return r->err;
	if ((size_t)n >= outsz || memchr(p, '\0', n) != NULL) {
		r->err = -EINVAL;
		return r->err;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

size_t
wire_remaining(const struct wire_reader *r)
{
	return r->len - r->off;
}

int
wire_reader_end(const struct wire_reader *r)
{
	if (r->err < 0)
		return r->err;
	return r->off == r->len ? 0 : -EBADMSG;
}
