/*
 * identity: Ed25519 identity and the WireGuard key pair derived from it
 * (see identity.h for the vocabulary and the derivation).
 *
 * Invariant: a struct identity is one sodium_malloc block holding the seed,
 * the Ed25519 secret key and the WireGuard private key; it is only ever
 * freed through identity_free(), which wipes it (sodium_free zeroes too).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/identity.h"

static const char identity_wg_label[] = "wgnm wireguard key v1";

struct identity {
	uint8_t seed[IDENTITY_SEED_LEN];
	uint8_t sign_sk[crypto_sign_ed25519_SECRETKEYBYTES];
	uint8_t node_id[IDENTITY_ID_LEN];
	uint8_t wg_private[IDENTITY_WG_KEY_LEN];
	uint8_t wg_public[IDENTITY_WG_KEY_LEN];
};

int
identity_from_seed(struct identity **out, const uint8_t seed[IDENTITY_SEED_LEN])
{
	struct identity *id;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	id = sodium_malloc(sizeof(*id));
	if (id == NULL)
		return -ENOMEM;
	memcpy(id->seed, seed, IDENTITY_SEED_LEN);
	if (crypto_sign_ed25519_seed_keypair(id->node_id, id->sign_sk, id->seed) != 0)
		goto fail;
	if (crypto_generichash(id->wg_private, sizeof(id->wg_private),
	                       (const uint8_t *)identity_wg_label, strlen(identity_wg_label),
	                       id->seed, sizeof(id->seed)) != 0)
		goto fail;
	/* Curve25519 clamping, as WireGuard does for its private keys. */
	id->wg_private[0] &= 248;
	id->wg_private[31] = (uint8_t)((id->wg_private[31] & 127) | 64);
	if (crypto_scalarmult_curve25519_base(id->wg_public, id->wg_private) != 0)
		goto fail;
	*out = id;
	return 0;
fail:
	identity_free(id);
	return -EIO;
}

int
identity_generate(struct identity **out)
{
	uint8_t seed[IDENTITY_SEED_LEN];
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(seed, sizeof(seed));
	rc = identity_from_seed(out, seed);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	sodium_memzero(id, sizeof(*id));
	sodium_free(id);
}

void
identity_seed(const struct identity *id, uint8_t seed[IDENTITY_SEED_LEN])
{
	memcpy(seed, id->seed, IDENTITY_SEED_LEN);
}

const uint8_t *
identity_node_id(const struct identity *id)
{
	return id->node_id;
}

const uint8_t *
identity_wg_public(const struct identity *id)
{
	return id->wg_public;
}

const uint8_t *
identity_wg_private(const struct identity *id)
{
	return id->wg_private;
}

/* domain || '\0' || msg into buf; the length, or -EMSGSIZE. */
static long
identity_message(uint8_t buf[IDENTITY_SIGN_MAX], const char *domain, const uint8_t *msg, size_t len)
{
	size_t dlen = strlen(domain) + 1;

	if (dlen > IDENTITY_SIGN_MAX || len > IDENTITY_SIGN_MAX - dlen)
		return -EMSGSIZE;
	memcpy(buf, domain, dlen);
	if (len > 0)
		memcpy(buf + dlen, msg, len);
	return (long)(dlen + len);
}

int
identity_sign(const struct identity *id, const char *domain, const uint8_t *msg, size_t len,
              uint8_t sig[IDENTITY_SIG_LEN])
{
	uint8_t buf[IDENTITY_SIGN_MAX];
	long n = identity_message(buf, domain, msg, len);

	if (n < 0)
		return (int)n;
	if (crypto_sign_ed25519_detached(sig, NULL, buf, (unsigned long long)n, id->sign_sk) != 0)
		return -EIO;
	return 0;
}

int
identity_verify(const uint8_t node_id[IDENTITY_ID_LEN], const char *domain, const uint8_t *msg,
                size_t len, const uint8_t sig[IDENTITY_SIG_LEN])
{
	uint8_t buf[IDENTITY_SIGN_MAX];
	long n = identity_message(buf, domain, msg, len);

	if (n < 0)
		return (int)n;
	if (sodium_init() < 0)
		return -EIO;
	if (crypto_sign_ed25519_verify_detached(sig, buf, (unsigned long long)n, node_id) != 0)
		return -EPERM;
	return 0;
}

void
identity_short(char out[IDENTITY_SHORT_LEN], const uint8_t node_id[IDENTITY_ID_LEN])
{
	/* 6 bytes are exactly 8 base64 characters, no padding. */
	sodium_bin2base64(out, IDENTITY_SHORT_LEN, node_id, 6, sodium_base64_VARIANT_ORIGINAL);
}

bool
identity_id_equal(const uint8_t a[IDENTITY_ID_LEN], const uint8_t b[IDENTITY_ID_LEN])
{
	return sodium_memcmp(a, b, IDENTITY_ID_LEN) == 0;
}
