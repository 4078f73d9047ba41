/*
 * identity: a node's long-term keys, as pure crypto (reading and writing the
 * seed file under the state directory is the core's job).
 *
 * Vocabulary:
 *   seed      32 random bytes; everything else is derived from it, so the
 *             seed is all a node persists (mode 0600)
 *   node id   the Ed25519 public key (32 bytes): names the node everywhere
 *   short id  base64 of the first 6 bytes of the node id (8 characters, equal
 *             to the first 8 characters of the full key's base64), for logs
 *   WireGuard key pair
 *             Curve25519, derived from the seed: private = clamp(BLAKE2b-256(
 *             key = seed, message = "wgnm wireguard key v1")). A restart with
 *             the same seed keeps the same WireGuard keys. A KDF (rather than
 *             reusing the Ed25519 scalar) keeps the two keys algebraically
 *             independent; the link between them is the node's signed record.
 *   domain    a NUL-terminated label prepended (with its NUL) to every signed
 *             message, so a signature made for one structure can never be
 *             valid for another
 *
 * Secret keys live in sodium_malloc memory and are wiped on free. Functions
 * return 0 or -errno.
 */
#ifndef WGNM_PROTO_IDENTITY_H
#define WGNM_PROTO_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENTITY_ID_LEN     32
#define IDENTITY_SEED_LEN   32
#define IDENTITY_SIG_LEN    64
#define IDENTITY_WG_KEY_LEN 32
#define IDENTITY_SHORT_LEN  9 /* 8 characters + NUL */
/* Longest domain + message identity_sign/identity_verify accept. */
#define IDENTITY_SIGN_MAX 1536

struct identity;

/* A fresh random identity. Caller frees with identity_free(). */
int identity_generate(struct identity **out);
/* The identity for a stored seed (-ENOMEM, or -EIO when libsodium fails). */
int identity_from_seed(struct identity **out, const uint8_t seed[IDENTITY_SEED_LEN]);
/* Wipes and frees; NULL is a no-op. */
void identity_free(struct identity *id);

/* Copy the seed out for persisting; the caller wipes it with sodium_memzero. */
void identity_seed(const struct identity *id, uint8_t seed[IDENTITY_SEED_LEN]);
/* Pointers into the identity, valid until identity_free(). */
const uint8_t *identity_node_id(const struct identity *id);
const uint8_t *identity_wg_public(const struct identity *id);
const uint8_t *identity_wg_private(const struct identity *id);

/*
 * Ed25519 signature over domain || '\0' || msg. -EMSGSIZE when the whole is
 * longer than IDENTITY_SIGN_MAX.
 */
int identity_sign(const struct identity *id, const char *domain, const uint8_t *msg, size_t len,
                  uint8_t sig[IDENTITY_SIG_LEN]);
/* 0 when sig is node_id's signature over domain || '\0' || msg, else -EPERM. */
int identity_verify(const uint8_t node_id[IDENTITY_ID_LEN], const char *domain, const uint8_t *msg,
                    size_t len, const uint8_t sig[IDENTITY_SIG_LEN]);

void identity_short(char out[IDENTITY_SHORT_LEN], const uint8_t node_id[IDENTITY_ID_LEN]);
/* Constant-time comparison of two node ids. */
bool identity_id_equal(const uint8_t a[IDENTITY_ID_LEN], const uint8_t b[IDENTITY_ID_LEN]);

#endif
