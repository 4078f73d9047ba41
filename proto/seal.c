/*
 * seal: sealed admin datagrams (format, key derivation and rejects in
 * seal.h; the full specification is PROTOCOL.md).
 *
 * Invariants: a keyring is one sodium_malloc block wiped on free, slot 0 is
 * the sealing key; nothing is written to a replay window before both the AEAD
 * tag and the sender's signature have been verified.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/seal.h"
#include "proto/wire.h"

static const char seal_kdf_ctx[crypto_kdf_CONTEXTBYTES + 1] = "wgnmseal";
static const char seal_sig_domain[] = "wgnm/v1 datagram";

#define SEAL_SUBKEY_AEAD  1
#define SEAL_SUBKEY_KEYID 2

struct seal_key {
	uint8_t id;
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
};

struct seal_keyring {
	unsigned n;
	struct seal_key keys[SEAL_MAX_KEYS];
};

uint8_t
seal_key_id(const uint8_t shared_key[SEAL_KEY_LEN])
{
	uint8_t sub[crypto_kdf_BYTES_MIN];
	uint8_t id;

	crypto_kdf_derive_from_key(sub, sizeof(sub), SEAL_SUBKEY_KEYID, seal_kdf_ctx, shared_key);
	id = sub[0];
	sodium_memzero(sub, sizeof(sub));
	return id;
}

static int
seal_key_derive(struct seal_key *k, const uint8_t shared_key[SEAL_KEY_LEN])
{
	if (crypto_kdf_derive_from_key(k->key, sizeof(k->key), SEAL_SUBKEY_AEAD, seal_kdf_ctx,
	                               shared_key) != 0)
		return -EIO;
	k->id = seal_key_id(shared_key);
	return 0;
}

int
seal_keyring_new(struct seal_keyring **out, const uint8_t shared_key[SEAL_KEY_LEN])
{
	struct seal_keyring *kr;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	kr = sodium_malloc(sizeof(*kr));
	if (kr == NULL)
		return -ENOMEM;
	sodium_memzero(kr, sizeof(*kr));
	rc = seal_key_derive(&kr->keys[0], shared_key);
	if (rc < 0) {
		seal_keyring_free(kr);
		return rc;
	}
	kr->n = 1;
	*out = kr;
	return 0;
}

int
seal_keyring_add(struct seal_keyring *kr, const uint8_t shared_key[SEAL_KEY_LEN])
{
	int rc;

	if (kr->n >= SEAL_MAX_KEYS)
		return -ENOSPC;
	rc = seal_key_derive(&kr->keys[kr->n], shared_key);
	if (rc < 0)
		return rc;
	kr->n++;
	return 0;
}

void
seal_keyring_free(struct seal_keyring *kr)
{
	if (kr == NULL)
		return;
	sodium_memzero(kr, sizeof(*kr));
	sodium_free(kr);
}

uint8_t
seal_keyring_id(const struct seal_keyring *kr)
{
	return kr->keys[0].id;
}

static void
seal_header_write(struct wire_writer *w, uint8_t key_id, const uint8_t *sender, uint64_t counter,
                  const uint8_t nonce[SEAL_NONCE_LEN])
{
	wire_put_bytes(w, SEAL_MAGIC, 4);
	wire_put_u8(w, SEAL_VERSION);
	wire_put_u8(w, key_id);
	wire_put_bytes(w, sender, IDENTITY_ID_LEN);
	wire_put_u64(w, counter);
	wire_put_bytes(w, nonce, SEAL_NONCE_LEN);
}

int
seal_datagram(const struct seal_keyring *kr, const struct identity *id, uint64_t counter,
              uint8_t type, const uint8_t *body, size_t body_len, uint8_t *out, size_t cap,
              size_t *out_len)
{
	/* header || type || body || signature: the signed part, then the plaintext. */
	uint8_t buf[SEAL_HEADER_LEN + 1 + SEAL_MAX_BODY + IDENTITY_SIG_LEN];
	uint8_t nonce[SEAL_NONCE_LEN];
	unsigned long long clen;
	struct wire_writer w;
	size_t total;
	int rc;

	if (body_len > SEAL_MAX_BODY)
		return -EMSGSIZE;
	total = SEAL_OVERHEAD + body_len;
	if (cap < total)
		return -EMSGSIZE;
	randombytes_buf(nonce, sizeof(nonce));
	wire_writer_init(&w, buf, sizeof(buf));
	seal_header_write(&w, kr->keys[0].id, identity_node_id(id), counter, nonce);
	wire_put_u8(&w, type);
	wire_put_bytes(&w, body, body_len);
	if (w.err < 0)
		return w.err;
	rc = identity_sign(id, seal_sig_domain, buf, w.len, buf + w.len);
	if (rc < 0)
		return rc;
	memcpy(out, buf, SEAL_HEADER_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_HEADER_LEN, &clen,
	                                           buf + SEAL_HEADER_LEN,
	                                           w.len - SEAL_HEADER_LEN + IDENTITY_SIG_LEN, buf,
	                                           SEAL_HEADER_LEN, NULL, nonce, kr->keys[0].key);
	*out_len = SEAL_HEADER_LEN + (size_t)clen;
	return 0;
}

int
seal_header_parse(struct seal_header *h, const uint8_t *dgram, size_t len)
{
	struct wire_reader r;
	uint8_t magic[4];

	memset(h, 0, sizeof(*h));
	if (len < SEAL_MIN_DATAGRAM)
		return SEAL_ETRUNC;
	if (len > SEAL_MAX_DATAGRAM)
		return SEAL_EOVERSIZE;
	wire_reader_init(&r, dgram, len);
	wire_get_bytes(&r, magic, sizeof(magic));
	if (memcmp(magic, SEAL_MAGIC, 4) != 0)
		return SEAL_EMAGIC;
	wire_get_u8(&r, &h->version);
	if (h->version != SEAL_VERSION)
		return SEAL_EVERSION;
	wire_get_u8(&r, &h->key_id);
	wire_get_bytes(&r, h->sender, sizeof(h->sender));
	wire_get_u64(&r, &h->counter);
	wire_get_bytes(&r, h->nonce, sizeof(h->nonce));
	return r.err; /* cannot fail: len >= SEAL_MIN_DATAGRAM > SEAL_HEADER_LEN */
}

int
seal_open(const struct seal_keyring *kr, struct replay_window *w, const uint8_t *dgram, size_t len,
          struct seal_opened *out)
{
	/* header || plaintext, so the signed part is contiguous. */
	uint8_t buf[SEAL_MAX_DATAGRAM];
	unsigned long long plen = 0;
	size_t signed_len;
	bool known_id = false, opened = false;
	unsigned i;
	int rc;

	out->type = 0;
	out->body_len = 0;
	rc = seal_header_parse(&out->hdr, dgram, len);
	if (rc < 0)
		return rc;
	for (i = 0; i < kr->n && !opened; i++) {
		if (kr->keys[i].id != out->hdr.key_id)
			continue;
		if (!known_id && w != NULL) {
			rc = replay_window_check(w, out->hdr.counter);
			if (rc < 0)
				return rc == -EALREADY ? SEAL_EREPLAY : SEAL_ESTALE;
		}
		known_id = true;
		opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
		             buf + SEAL_HEADER_LEN, &plen, NULL, dgram + SEAL_HEADER_LEN,
		             len - SEAL_HEADER_LEN, dgram, SEAL_HEADER_LEN, out->hdr.nonce,
		             kr->keys[i].key) == 0;
	}
	if (!known_id)
		return SEAL_EKEYID;
	if (!opened)
		return SEAL_EAUTH;
	memcpy(buf, dgram, SEAL_HEADER_LEN);
	/* plen >= 1 + IDENTITY_SIG_LEN because len >= SEAL_MIN_DATAGRAM. */
	signed_len = SEAL_HEADER_LEN + (size_t)plen - IDENTITY_SIG_LEN;
	if (identity_verify(out->hdr.sender, seal_sig_domain, buf, signed_len, buf + signed_len) <
	    0)
		return SEAL_ESIG;
	if (w != NULL)
		replay_window_commit(w, out->hdr.counter);
	out->type = buf[SEAL_HEADER_LEN];
	out->body_len = signed_len - SEAL_HEADER_LEN - 1;
	memcpy(out->body, buf + SEAL_HEADER_LEN + 1, out->body_len);
	return 0;
}
