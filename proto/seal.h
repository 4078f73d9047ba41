/*
 * seal: sealing and opening of admin datagrams (the mesh's UDP framing).
 *
 * A datagram is a clear header, bound as AEAD associated data, followed by
 * the XChaCha20-Poly1305 (IETF) ciphertext of
 *     type (u8) || body || Ed25519 signature
 * where the signature is the sender identity's over
 *     "wgnm/v1 datagram" '\0' || header || type || body.
 *
 * Header (SEAL_HEADER_LEN bytes, network byte order):
 *     0  magic "WGNM"        4
 *     4  version (1)         1
 *     5  key id              1   derived from the shared key, see below
 *     6  sender node id     32   Ed25519 public key
 *    38  counter             8   epoch << 32 | seq, see replay.h
 *    46  nonce              24   random per datagram
 *
 * Vocabulary:
 *   shared key  the 32-byte network.sharedKey: proves membership only. It is
 *               never used directly: the AEAD key is
 *               crypto_kdf_derive_from_key(32, 1, "wgnmseal", sharedKey) and
 *               the key id the first byte of
 *               crypto_kdf_derive_from_key(16, 2, "wgnmseal", sharedKey).
 *   keyring     the current key (seals and opens) plus up to
 *               SEAL_MAX_KEYS - 1 older keys (open only) during a rotation
 *
 * Rejects, each its own code so the caller can count them:
 *   SEAL_ETRUNC    shorter than an empty sealed message
 *   SEAL_EOVERSIZE longer than SEAL_MAX_DATAGRAM
 *   SEAL_EMAGIC    not "WGNM"
 *   SEAL_EVERSION  a version this build does not speak
 *   SEAL_EKEYID    no key in the keyring has this key id
 *   SEAL_EAUTH     AEAD tag mismatch: wrong key, tampered or truncated
 *   SEAL_ESIG      the signature is not the claimed sender's
 *   SEAL_EREPLAY   counter already accepted from this sender
 *   SEAL_ESTALE    counter older than the sender's replay window
 */
#ifndef WGNM_PROTO_SEAL_H
#define WGNM_PROTO_SEAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/identity.h"
#include "proto/replay.h"

#define SEAL_VERSION    1
#define SEAL_MAGIC      "WGNM"
#define SEAL_KEY_LEN    32
#define SEAL_MAX_KEYS   2
#define SEAL_HEADER_LEN 70
#define SEAL_NONCE_LEN  24
#define SEAL_TAG_LEN    16
/* IPv6 minimum MTU 1280 - 40 (IPv6) - 8 (UDP): fits every underlay unfragmented. */
#define SEAL_MAX_DATAGRAM 1232
#define SEAL_OVERHEAD     (SEAL_HEADER_LEN + 1 + IDENTITY_SIG_LEN + SEAL_TAG_LEN)
#define SEAL_MIN_DATAGRAM SEAL_OVERHEAD
#define SEAL_MAX_BODY     (SEAL_MAX_DATAGRAM - SEAL_OVERHEAD) /* 1081 */

#define SEAL_ETRUNC    (-EBADMSG)
#define SEAL_EOVERSIZE (-EMSGSIZE)
#define SEAL_EMAGIC    (-ENOMSG)
#define SEAL_EVERSION  (-EPROTONOSUPPORT)
#define SEAL_EKEYID    (-ENOKEY)
#define SEAL_EAUTH     (-EKEYREJECTED)
#define SEAL_ESIG      (-EPERM)
#define SEAL_EREPLAY   (-EALREADY)
#define SEAL_ESTALE    (-ESTALE)

struct seal_keyring;

struct seal_header {
	uint8_t version;
	uint8_t key_id;
	uint8_t sender[IDENTITY_ID_LEN];
	uint64_t counter;
	uint8_t nonce[SEAL_NONCE_LEN];
};

struct seal_opened {
	struct seal_header hdr;
	uint8_t type;
	size_t body_len;
	uint8_t body[SEAL_MAX_BODY];
};

/* The key id a shared key gets. */
uint8_t seal_key_id(const uint8_t shared_key[SEAL_KEY_LEN]);
/* A keyring sealing with shared_key. Caller frees with seal_keyring_free(). */
int seal_keyring_new(struct seal_keyring **out, const uint8_t shared_key[SEAL_KEY_LEN]);
/* Also accept (never seal with) shared_key; -ENOSPC when the ring is full. */
int seal_keyring_add(struct seal_keyring *kr, const uint8_t shared_key[SEAL_KEY_LEN]);
/* Wipes and frees; NULL is a no-op. */
void seal_keyring_free(struct seal_keyring *kr);
/* Key id of the sealing key. */
uint8_t seal_keyring_id(const struct seal_keyring *kr);

/*
 * Seal type + body into out (capacity cap) as id's datagram with the given
 * counter (from replay_counter_next()). *out_len is set on success.
 * -EMSGSIZE when body_len > SEAL_MAX_BODY or cap is too small.
 */
int seal_datagram(const struct seal_keyring *kr, const struct identity *id, uint64_t counter,
                  uint8_t type, const uint8_t *body, size_t body_len, uint8_t *out, size_t cap,
                  size_t *out_len);

/*
 * Parse the clear header: SEAL_ETRUNC, SEAL_EOVERSIZE, SEAL_EMAGIC or
 * SEAL_EVERSION. Unauthenticated: use it only to find the sender's window.
 */
int seal_header_parse(struct seal_header *h, const uint8_t *dgram, size_t len);

/*
 * Open a datagram: header checks, key id, replay check against w, decrypt,
 * signature check, and only then commit the counter to w. w may be NULL (no
 * replay protection: tests and fuzzing only). On success out holds the
 * authenticated sender, counter, type and body. out->hdr is also filled when
 * a later step fails after the header parsed (for per-sender counting), but
 * is then unauthenticated. Returns 0 or one of the SEAL_E* codes.
 */
int seal_open(const struct seal_keyring *kr, struct replay_window *w, const uint8_t *dgram,
              size_t len, struct seal_opened *out);

#endif
