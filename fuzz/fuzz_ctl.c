/*
 * fuzz_ctl: libFuzzer target for the control protocol. The input drives the
 * frame accumulator (split into feeds at positions taken from the input
 * itself) and every decoder (each message type on the same bytes); whatever
 * decodes must encode again and decode to the same message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"

static const uint16_t types[] = {
	CTL_MSG_HELLO,	       CTL_MSG_HELLO_ACK,  CTL_MSG_VERSION_MISMATCH, CTL_MSG_SNAPSHOT_BEGIN,
	CTL_MSG_SNAPSHOT_PART, CTL_MSG_SNAPSHOT_END, CTL_MSG_EVENT,	     CTL_MSG_REQUEST,
	CTL_MSG_RESULT,
};

static void
roundtrip(const struct ctl_msg *m)
{
	static uint8_t buf[CTL_FRAME_MAX];
	static struct ctl_msg again;
	int n = ctl_encode(m, buf, sizeof(buf));

	if (n < 0)
		abort(); /* a decoded message must always encode */
	if (ctl_decode_frame(&again, buf, (size_t)n) != 0 || memcmp(m, &again, sizeof(*m)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_reader r;
	static struct ctl_msg m;
	const uint8_t *body;
	size_t off = 0, chunk, blen;
	uint16_t type, ver;
	size_t i;
	int rc;

	/* Every decoder on the raw bytes. */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ctl_decode_body(&m, types[i], data, size) == 0)
			roundtrip(&m);
	if (ctl_decode_frame(&m, data, size) == 0)
		roundtrip(&m);
	ctl_hello_peek(data, size, &ver);

	/* The stream side, fed in chunks whose sizes come from the data. */
	ctl_reader_init(&r);
	while (off < size) {
		chunk = 1 + data[off] % 64;
		if (chunk > size - off)
			chunk = size - off;
		off += ctl_reader_feed(&r, data + off, chunk);
		while ((rc = ctl_reader_next(&r, &type, &body, &blen)) > 0)
			if (ctl_decode_body(&m, type, body, blen) == 0)
				roundtrip(&m);
		if (rc < 0)
			break;
	}
	return 0;
}
