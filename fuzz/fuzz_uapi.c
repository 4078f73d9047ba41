/*
 * fuzz_uapi: libFuzzer target for the UAPI reply decoders (proto/uapi.c).
 *
 * Arbitrary bytes go to uapi_reply_complete, uapi_decode_set and
 * uapi_decode_get. When a get reply is accepted, the decoded device must
 * re-encode (as a reply and as a set request), the re-encoded reply must
 * decode again, and encoding that gives the identical text (a fixpoint).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct wg_device *d1 = NULL, *d2 = NULL;
	struct uapi_buf b1 = {0}, b2 = {0}, s = {0};
	size_t done = uapi_reply_complete(buf, size);

	if (done > size)
		abort();
	(void)uapi_decode_set(buf, size);
	if (uapi_decode_get(buf, size, "fuzz0", &d1) != 0) {
		if (d1 != NULL)
			abort();
		return 0;
	}
	/* an accepted reply is complete exactly at its end */
	if (done != size)
		abort();
	if (uapi_encode_reply(d1, 0, &b1) != 0 || uapi_encode_set(d1, &s) != 0)
		abort();
	if (uapi_decode_get(b1.data, b1.len, "fuzz0", &d2) != 0)
		abort();
	if (uapi_encode_reply(d2, 0, &b2) != 0 || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	if (wg_device_peer_count(d1) != wg_device_peer_count(d2))
		abort();
	wg_device_free(d1);
	wg_device_free(d2);
	uapi_buf_free(&b1);
	uapi_buf_free(&b2);
	uapi_buf_free(&s);
	return 0;
}
