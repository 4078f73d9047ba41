/*
 * seal, replay, identity: round trips and every reject, each pinned to its
 * exact code. forge() is an independent implementation of the datagram
 * format from PROTOCOL.md (libsodium only), used both to check that the
 * document and the code agree and to build datagrams the API refuses to make
 * (a member signing with its own key while claiming another's id).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/identity.h"
#include "proto/replay.h"
#include "proto/seal.h"
#include "tests/tap.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t shared_a[SEAL_KEY_LEN], shared_b[SEAL_KEY_LEN];
static uint8_t seed_alice[32], seed_bob[32], seed_mallory[32];

static void
fill(uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v + i * 7);
}

/* PROTOCOL.md, "Datagram": build one from the spec. Returns the length. */
static size_t
forge(uint8_t *out, const uint8_t shared[32], uint8_t version, const uint8_t sender[32],
      uint64_t counter, const uint8_t signer_seed[32], uint8_t type, const uint8_t *body,
      size_t blen)
{
	static const char dom[] = "wgnm/v1 datagram";
	uint8_t key[32], kid[16], pk[32], sk[64], sig[64];
	uint8_t msg[2048], plain[2048];
	unsigned long long clen;
	size_t i, n = 0;

	crypto_kdf_derive_from_key(key, 32, 1, "wgnmseal", shared);
	crypto_kdf_derive_from_key(kid, 16, 2, "wgnmseal", shared);
	crypto_sign_seed_keypair(pk, sk, signer_seed);
	memcpy(out, "WGNM", 4);
	out[4] = version;
	out[5] = kid[0];
	memcpy(out + 6, sender, 32);
	for (i = 0; i < 8; i++)
		out[38 + i] = (uint8_t)(counter >> (56 - 8 * i));
	randombytes_buf(out + 46, 24);
	memcpy(msg, dom, sizeof(dom)); /* with its NUL */
	n = sizeof(dom);
	memcpy(msg + n, out, 70);
	n += 70;
	msg[n++] = type;
	memcpy(msg + n, body, blen);
	n += blen;
	crypto_sign_detached(sig, NULL, msg, n, sk);
	plain[0] = type;
	memcpy(plain + 1, body, blen);
	memcpy(plain + 1 + blen, sig, 64);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 70, &clen, plain, 1 + blen + 64, out, 70,
	                                           NULL, out + 46, key);
	return 70 + (size_t)clen;
}

static void
test_identity(void)
{
	struct identity *a, *a2, *b;
	uint8_t seed[32], pub[32], sig[64], msg[3] = {1, 2, 3};
	char b64[64], sh[IDENTITY_SHORT_LEN];
	const uint8_t *priv;

	is_int(identity_from_seed(&a, seed_alice), 0, "identity: from seed");
	is_int(identity_from_seed(&a2, seed_alice), 0, "identity: from the same seed again");
	is_int(identity_generate(&b), 0, "identity: generate");
	ok(memcmp(identity_node_id(a), identity_node_id(a2), 32) == 0 &&
	       memcmp(identity_wg_private(a), identity_wg_private(a2), 32) == 0 &&
	       memcmp(identity_wg_public(a), identity_wg_public(a2), 32) == 0,
	   "identity: same seed, same node id and WireGuard keys (restart keeps them)");
	ok(!identity_id_equal(identity_node_id(a), identity_node_id(b)),
	   "identity: two identities differ");
	priv = identity_wg_private(a);
	ok((priv[0] & 7) == 0 && (priv[31] & 0x80) == 0 && (priv[31] & 0x40) != 0,
	   "identity: WireGuard private key is clamped");
	crypto_scalarmult_curve25519_base(pub, priv);
	ok(memcmp(pub, identity_wg_public(a), 32) == 0,
	   "identity: WireGuard public key matches the private key");
	{
		uint8_t want[32];

		crypto_generichash(want, 32, (const uint8_t *)"wgnm wireguard key v1", 21,
		                   seed_alice, 32);
		want[0] &= 248;
		want[31] = (uint8_t)((want[31] & 127) | 64);
		ok(memcmp(want, priv, 32) == 0,
		   "identity: WireGuard key derivation is the documented one");
	}
	ok(memcmp(identity_wg_public(a), identity_node_id(a), 32) != 0,
	   "identity: WireGuard key is not the node id");
	identity_seed(a, seed);
	ok(memcmp(seed, seed_alice, 32) == 0, "identity: seed copies out for persisting");

	identity_short(sh, identity_node_id(a));
	sodium_bin2base64(b64, sizeof(b64), identity_node_id(a), 32,
	                  sodium_base64_VARIANT_ORIGINAL);
	ok(strlen(sh) == 8 && strncmp(sh, b64, 8) == 0,
	   "identity: short id is the first 8 characters of the key's base64");

	is_int(identity_sign(a, "test", msg, sizeof(msg), sig), 0, "identity: sign");
	is_int(identity_verify(identity_node_id(a), "test", msg, sizeof(msg), sig), 0,
	       "identity: verify");
	is_int(identity_verify(identity_node_id(a), "test2", msg, sizeof(msg), sig), -EPERM,
	       "identity: another domain does not verify");
	is_int(identity_verify(identity_node_id(b), "test", msg, sizeof(msg), sig), -EPERM,
	       "identity: another key does not verify");
	msg[1] ^= 1;
	is_int(identity_verify(identity_node_id(a), "test", msg, sizeof(msg), sig), -EPERM,
	       "identity: altered message does not verify");
	{
		static uint8_t big[IDENTITY_SIGN_MAX];

		is_int(identity_sign(a, "x", big, sizeof(big), sig), -EMSGSIZE,
		       "identity: message over IDENTITY_SIGN_MAX is refused");
	}
	identity_free(a);
	identity_free(a2);
	identity_free(b);
	identity_free(NULL);
}

/* (counter, expected check result); a counter is committed when the check passes. */
static const struct {
	uint64_t c;
	int rc;
} replay_steps[] = {
    {10, 0},
    {10, -EALREADY}, /* duplicate */
    {8, 0},          /* out of order within the window */
    {9, 0},
    {7, 0},
    {8, -EALREADY},
    {1000, 0},             /* jump ahead */
    {1000 - 256, -ESTALE}, /* just outside the window */
    {1000 - 255, 0},       /* oldest counter inside it */
    {1000 - 255, -EALREADY},
    {10, -ESTALE},
    {1001, 0},
    {1000 - 255, -ESTALE}, /* window moved by one */
    {1000 + 256, 0},       /* move by exactly the window size */
    {1001, -EALREADY},     /* 255 below top: still inside */
    {1000, -ESTALE},       /* 256 below top: outside */
    {1000 + 257, 0},
    {1000 + 256, -EALREADY},
    {5000, 0}, /* far jump clears the window */
    {4999, 0},
    {1ULL << 32 | 1, 0}, /* sender restarted: higher epoch */
    {5000, -ESTALE},
    {1ULL << 32 | 1, -EALREADY},
    {UINT64_MAX, 0},
    {UINT64_MAX, -EALREADY},
    {UINT64_MAX - 255, 0},
    {UINT64_MAX - 256, -ESTALE},
};

static void
test_replay(void)
{
	struct replay_window w;
	struct replay_counter c;
	uint64_t v = 0;
	size_t i;

	replay_window_init(&w);
	is_int(replay_window_check(&w, 0), 0, "replay: empty window accepts counter 0");
	for (i = 0; i < N_ELEM(replay_steps); i++) {
		int rc = replay_window_check(&w, replay_steps[i].c);

		is_int(rc, replay_steps[i].rc, "replay step %zu: counter %#llx -> %d", i,
		       (unsigned long long)replay_steps[i].c, replay_steps[i].rc);
		if (rc == 0)
			replay_window_commit(&w, replay_steps[i].c);
	}

	replay_counter_init(&c, 7);
	is_int(replay_counter_next(&c, &v), 0, "counter: first");
	ok(v == (7ULL << 32 | 1), "counter: epoch << 32 | 1");
	c.seq = UINT32_MAX - 1;
	is_int(replay_counter_next(&c, &v), 0, "counter: last of the epoch");
	ok(v == (7ULL << 32 | UINT32_MAX), "counter: epoch << 32 | 0xffffffff");
	is_int(replay_counter_next(&c, &v), -EOVERFLOW, "counter: exhausted epoch is -EOVERFLOW");
}

enum region { R_MAGIC, R_VERSION, R_KEYID, R_SENDER, R_COUNTER, R_NONCE, R_CIPHER, R_TAG };
static const struct {
	const char *name;
	size_t from, to; /* byte offsets; to == 0: up to the end minus the tag */
	int rc;
} flips[] = {
    [R_MAGIC] = {"magic", 0, 4, SEAL_EMAGIC},       [R_VERSION] = {"version", 4, 5, SEAL_EVERSION},
    [R_KEYID] = {"key id", 5, 6, SEAL_EKEYID},      [R_SENDER] = {"sender", 6, 38, SEAL_EAUTH},
    [R_COUNTER] = {"counter", 38, 46, SEAL_EAUTH},  [R_NONCE] = {"nonce", 46, 70, SEAL_EAUTH},
    [R_CIPHER] = {"ciphertext", 70, 0, SEAL_EAUTH}, [R_TAG] = {"tag", 0, 0, SEAL_EAUTH},
};

static void
test_seal(void)
{
	static uint8_t body[SEAL_MAX_BODY + 1];
	struct seal_keyring *kr, *kr_b, *kr_same_id;
	struct identity *alice, *bob, *mallory;
	struct replay_window wa, wb;
	struct seal_opened o;
	uint8_t d[SEAL_MAX_DATAGRAM + 64], d2[SEAL_MAX_DATAGRAM + 64], other[32];
	size_t len, len2, i, j;
	int rc;

	fill(body, sizeof(body), 3);
	identity_from_seed(&alice, seed_alice);
	identity_from_seed(&bob, seed_bob);
	identity_from_seed(&mallory, seed_mallory);
	is_int(seal_keyring_new(&kr, shared_a), 0, "seal: keyring");
	is_int(seal_keyring_new(&kr_b, shared_b), 0, "seal: second keyring");
	ok(seal_keyring_id(kr) == seal_key_id(shared_a), "seal: keyring id is the key's id");
	if (seal_key_id(shared_b) == seal_key_id(shared_a))
		diag("test keys share a key id: EKEYID checks below would not apply");

	/* A second shared key with the same key id (1 in 256): wrong key, known id. */
	fill(other, sizeof(other), 99);
	for (i = 0; seal_key_id(other) != seal_key_id(shared_a) || memcmp(other, shared_a, 32) == 0;
	     i++)
		other[0] = (uint8_t)i, other[1] = (uint8_t)(i >> 8);
	is_int(seal_keyring_new(&kr_same_id, other), 0, "seal: keyring with a colliding key id");

	/* Round trips: empty, small, maximal body. */
	{
		static const size_t lens[] = {0, 1, 100, SEAL_MAX_BODY};

		for (i = 0; i < N_ELEM(lens); i++) {
			rc = seal_datagram(kr, alice, 42 + i, 0x30, body, lens[i], d, sizeof(d),
			                   &len);
			is_int(rc, 0, "seal: %zu-byte body seals", lens[i]);
			is_int(len, SEAL_OVERHEAD + lens[i], "seal: %zu-byte body length", lens[i]);
			ok(len <= SEAL_MAX_DATAGRAM, "seal: %zu-byte body fits the max datagram",
			   lens[i]);
			rc = seal_open(kr, NULL, d, len, &o);
			is_int(rc, 0, "seal: %zu-byte body opens", lens[i]);
			ok(o.type == 0x30 && o.body_len == lens[i] &&
			       memcmp(o.body, body, lens[i]) == 0 && o.hdr.counter == 42 + i &&
			       o.hdr.version == SEAL_VERSION &&
			       memcmp(o.hdr.sender, identity_node_id(alice), 32) == 0,
			   "seal: %zu-byte body: type, body, counter, sender", lens[i]);
		}
	}
	is_int(seal_datagram(kr, alice, 1, 1, body, SEAL_MAX_BODY + 1, d, sizeof(d), &len),
	       -EMSGSIZE, "seal: body over SEAL_MAX_BODY is refused");
	is_int(seal_datagram(kr, alice, 1, 1, body, 10, d, SEAL_OVERHEAD + 9, &len), -EMSGSIZE,
	       "seal: output buffer one byte short is refused");

	/* The spec's reference encoding opens, and the code's matches the spec. */
	len = forge(d, shared_a, 1, identity_node_id(alice), 77, seed_alice, 0x10, body, 20);
	rc = seal_open(kr, NULL, d, len, &o);
	is_int(rc, 0, "seal: datagram built from PROTOCOL.md opens");
	ok(rc == 0 && o.type == 0x10 && o.body_len == 20 && o.hdr.counter == 77,
	   "seal: PROTOCOL.md datagram decodes to the same fields");

	/* Truncation at every byte offset. */
	seal_datagram(kr, alice, 5, 0x30, body, 40, d, sizeof(d), &len);
	{
		size_t bad = 0;

		replay_window_init(&wa);
		for (i = 0; i < len; i++) {
			int want = i < SEAL_MIN_DATAGRAM ? SEAL_ETRUNC : SEAL_EAUTH;

			rc = seal_open(kr, &wa, d, i, &o);
			if (rc != want) {
				diag("truncated to %zu: %d, want %d", i, rc, want);
				bad++;
			}
		}
		is_int(bad, 0,
		       "seal: truncation at each of %zu offsets: ETRUNC below %d, else EAUTH", len,
		       SEAL_MIN_DATAGRAM);
		ok(!wa.used, "seal: rejected datagrams never touch the replay window");
	}

	/* A flipped bit in every byte, region by region. */
	for (j = 0; j < N_ELEM(flips); j++) {
		size_t from = flips[j].from, to = flips[j].to, bad = 0, n = 0;

		if (j == R_CIPHER)
			to = len - SEAL_TAG_LEN;
		if (j == R_TAG) {
			from = len - SEAL_TAG_LEN;
			to = len;
		}
		for (i = from; i < to; i++) {
			unsigned bit = (unsigned)(i % 8);

			memcpy(d2, d, len);
			d2[i] ^= (uint8_t)(1U << bit);
			rc = seal_open(kr, NULL, d2, len, &o);
			n++;
			if (rc != flips[j].rc) {
				diag("flip byte %zu bit %u: %d", i, bit, rc);
				bad++;
			}
		}
		ok(bad == 0 && n > 0, "seal: flipped bit in each %s byte (%zu) is %d",
		   flips[j].name, n, flips[j].rc);
	}

	/* Oversize, version, key id, wrong key. */
	memcpy(d2, d, len);
	memset(d2 + len, 0, sizeof(d2) - len);
	is_int(seal_open(kr, NULL, d2, SEAL_MAX_DATAGRAM + 1, &o), SEAL_EOVERSIZE,
	       "seal: %d bytes is oversize", SEAL_MAX_DATAGRAM + 1);
	len2 = forge(d2, shared_a, 2, identity_node_id(alice), 1, seed_alice, 1, body, 4);
	is_int(seal_open(kr, NULL, d2, len2, &o), SEAL_EVERSION,
	       "seal: version 2 (validly sealed) is unknown");
	len2 = forge(d2, shared_a, 0, identity_node_id(alice), 1, seed_alice, 1, body, 4);
	is_int(seal_open(kr, NULL, d2, len2, &o), SEAL_EVERSION, "seal: version 0 is unknown");
	if (seal_key_id(shared_b) != seal_key_id(shared_a))
		is_int(seal_open(kr_b, NULL, d, len, &o), SEAL_EKEYID,
		       "seal: another network's key id is unknown");
	is_int(seal_open(kr_same_id, NULL, d, len, &o), SEAL_EAUTH,
	       "seal: wrong key with the same key id fails authentication");

	/* A member signing with its own key while claiming another's id. */
	len2 = forge(d2, shared_a, 1, identity_node_id(alice), 1000, seed_mallory, 0x30, body, 8);
	replay_window_init(&wa);
	is_int(seal_open(kr, &wa, d2, len2, &o), SEAL_ESIG,
	       "seal: mallory signing as alice is a bad signature");
	ok(!wa.used, "seal: the forged counter did not enter alice's window");
	len2 = forge(d2, shared_a, 1, identity_node_id(mallory), 1000, seed_mallory, 0x30, body, 8);
	is_int(seal_open(kr, NULL, d2, len2, &o), 0, "seal: mallory signing as mallory is fine");

	/* Replay: per sender, whatever the source address (the window is keyed by sender). */
	replay_window_init(&wa);
	replay_window_init(&wb);
	seal_datagram(kr, alice, 1ULL << 32 | 5, 0x30, body, 8, d, sizeof(d), &len);
	seal_datagram(kr, bob, 1ULL << 32 | 5, 0x30, body, 8, d2, sizeof(d2), &len2);
	is_int(seal_open(kr, &wa, d, len, &o), 0, "replay: alice counter 5 accepted");
	is_int(seal_open(kr, &wb, d2, len2, &o), 0,
	       "replay: bob counter 5 accepted (independent window)");
	is_int(seal_open(kr, &wa, d, len, &o), SEAL_EREPLAY,
	       "replay: alice's datagram again is a replay");
	is_int(seal_header_parse(&o.hdr, d, len), 0, "replay: header parses without a key");
	ok(memcmp(o.hdr.sender, identity_node_id(alice), 32) == 0,
	   "replay: a resend from another address finds alice's window by sender id");
	is_int(seal_open(kr, &wa, d, len, &o), SEAL_EREPLAY,
	       "replay: so it is a replay from any source");
	seal_datagram(kr, alice, 1ULL << 32 | 3, 0x30, body, 8, d, sizeof(d), &len);
	is_int(seal_open(kr, &wa, d, len, &o), 0,
	       "replay: older counter within the window accepted");
	seal_datagram(kr, alice, 1ULL << 32 | 1000, 0x30, body, 8, d, sizeof(d), &len);
	is_int(seal_open(kr, &wa, d, len, &o), 0, "replay: jump ahead accepted");
	seal_datagram(kr, alice, 1ULL << 32 | 4, 0x30, body, 8, d, sizeof(d), &len);
	is_int(seal_open(kr, &wa, d, len, &o), SEAL_ESTALE, "replay: too old counter is stale");
	seal_datagram(kr, alice, 2ULL << 32 | 1, 0x30, body, 8, d, sizeof(d), &len);
	is_int(seal_open(kr, &wa, d, len, &o), 0, "replay: restart with a higher epoch accepted");
	seal_datagram(kr, alice, 1ULL << 32 | 1001, 0x30, body, 8, d, sizeof(d), &len);
	is_int(seal_open(kr, &wa, d, len, &o), SEAL_ESTALE,
	       "replay: previous epoch after the restart is stale");

	/* Key rotation: seal with the new key, still open the old one. */
	{
		struct seal_keyring *rot;

		is_int(seal_keyring_new(&rot, shared_b), 0, "rotation: new keyring");
		is_int(seal_keyring_add(rot, shared_a), 0, "rotation: old key added");
		is_int(seal_keyring_add(rot, other), -ENOSPC, "rotation: ring full");
		seal_datagram(kr, alice, 9, 0x30, body, 8, d, sizeof(d), &len);
		is_int(seal_open(rot, NULL, d, len, &o), 0, "rotation: old-key datagram opens");
		seal_datagram(rot, alice, 9, 0x30, body, 8, d, sizeof(d), &len);
		is_int(seal_open(kr_b, NULL, d, len, &o), 0, "rotation: seals with the new key");
		seal_keyring_free(rot);
	}

	seal_keyring_free(kr);
	seal_keyring_free(kr_b);
	seal_keyring_free(kr_same_id);
	seal_keyring_free(NULL);
	identity_free(alice);
	identity_free(bob);
	identity_free(mallory);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	fill(shared_a, sizeof(shared_a), 1);
	fill(shared_b, sizeof(shared_b), 2);
	fill(seed_alice, sizeof(seed_alice), 10);
	fill(seed_bob, sizeof(seed_bob), 20);
	fill(seed_mallory, sizeof(seed_mallory), 30);
	test_identity();
	test_replay();
	test_seal();
	return tap_done();
}
