/*
 * fuzz_mesh: libFuzzer target for the admin protocol.
 *
 * Input: first byte selects the path, the rest is the payload.
 *   0xff      seal_open() with the fixed fuzz key and a fresh replay window,
 *             then mesh_decode() of whatever opened
 *   any other mesh_decode() of the payload as a body of that type
 * Whatever decodes must re-encode to the same bytes (decoding is strict and
 * canonical: signatures are checked over the received bytes), and a decoded
 * LINK_STATE fragment is fed to a reassembly. Seeds: fuzz/corpus/mesh/,
 * written by fuzz/gen_mesh_corpus.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proto/mesh.h"

/* The same key as fuzz/gen_mesh_corpus.c, so sealed seeds open. */
static const uint8_t fuzz_key[SEAL_KEY_LEN] = "wgnm fuzz key, not a secret....";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(const struct mesh_msg *m, const uint8_t *body, size_t len)
{
	uint8_t out[SEAL_MAX_BODY];
	size_t olen;

	if (mesh_encode(m, out, sizeof(out), &olen) < 0 || olen != len ||
	    memcmp(out, body, len) != 0)
		abort();
	if (m->type == MESH_LINK_STATE) {
		struct mesh_ls_assembly a;

		mesh_ls_assembly_init(&a, m->ls.origin);
		if (mesh_ls_assembly_add(&a, &m->ls) < 0)
			abort();
		mesh_ls_assembly_free(&a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seal_keyring *kr;
	static struct seal_opened o;
	static struct mesh_msg m;
	struct replay_window w;

	if (size < 1)
		return 0;
	if (data[0] != 0xff) {
		if (mesh_decode(&m, data[0], data + 1, size - 1) == 0)
			fuzz_check(&m, data + 1, size - 1);
		return 0;
	}
	if (kr == NULL && seal_keyring_new(&kr, fuzz_key) < 0)
		abort();
	replay_window_init(&w);
	if (seal_open(kr, &w, data + 1, size - 1, &o) < 0)
		return 0;
	if (replay_window_check(&w, o.hdr.counter) != -EALREADY)
		abort();
	if (mesh_decode(&m, o.type, o.body, o.body_len) == 0)
		fuzz_check(&m, o.body, o.body_len);
	return 0;
}
