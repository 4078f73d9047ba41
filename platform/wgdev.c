/*
 * wgdev: allocation and helpers for the neutral WireGuard device model
 * (see wgdev.h), and key encodings. Key bytes are wiped before memory is freed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "platform/wgdev.h"

struct wg_device *
wg_device_new(const char *ifname)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));

	if (dev != NULL && ifname != NULL) {
		strncpy(dev->name, ifname, sizeof(dev->name) - 1);
		dev->name[sizeof(dev->name) - 1] = '\0';
	}
	return dev;
}

static void
wg_peer_free(struct wg_peer *peer)
{
	struct wg_allowedip *aip, *next;

	for (aip = peer->first_allowedip; aip != NULL; aip = next) {
		next = aip->next;
		free(aip);
	}
	sodium_memzero(peer, sizeof(*peer));
	free(peer);
}

void
wg_device_free(struct wg_device *dev)
{
	struct wg_peer *peer, *next;

	if (dev == NULL)
		return;
	for (peer = dev->first_peer; peer != NULL; peer = next) {
		next = peer->next;
		wg_peer_free(peer);
	}
	sodium_memzero(dev, sizeof(*dev));
	free(dev);
}

struct wg_peer *
wg_device_add_peer(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *peer = calloc(1, sizeof(*peer));

	if (peer == NULL)
		return NULL;
	if (public_key != NULL) {
		memcpy(peer->public_key, public_key, WG_KEY_LEN);
		peer->flags |= WGPEER_HAS_PUBLIC_KEY;
	}
	if (dev->last_peer != NULL)
		dev->last_peer->next = peer;
	else
		dev->first_peer = peer;
	dev->last_peer = peer;
	return peer;
}

struct wg_allowedip *
wg_peer_add_allowedip(struct wg_peer *peer, const struct ipprefix *prefix)
{
	struct wg_allowedip *aip = calloc(1, sizeof(*aip));

	if (aip == NULL)
		return NULL;
	aip->prefix = *prefix;
	if (peer->last_allowedip != NULL)
		peer->last_allowedip->next = aip;
	else
		peer->first_allowedip = aip;
	peer->last_allowedip = aip;
	return aip;
}

struct wg_peer *
wg_device_find_peer(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *peer;

	for (peer = dev->first_peer; peer != NULL; peer = peer->next)
		if (wg_key_equal(peer->public_key, public_key))
			return peer;
	return NULL;
}

size_t
wg_device_peer_count(const struct wg_device *dev)
{
	const struct wg_peer *peer;
	size_t n = 0;

	for (peer = dev->first_peer; peer != NULL; peer = peer->next)
		n++;
	return n;
}

size_t
wg_peer_allowedip_count(const struct wg_peer *peer)
{
	const struct wg_allowedip *aip;
	size_t n = 0;

	for (aip = peer->first_allowedip; aip != NULL; aip = aip->next)
		n++;
	return n;
}

struct wg_device *
wg_device_clone(const struct wg_device *dev)
{
	const struct wg_peer *peer;
	const struct wg_allowedip *aip;
	struct wg_device *copy = wg_device_new(NULL);

	if (copy == NULL)
		return NULL;
	*copy = *dev;
	copy->first_peer = copy->last_peer = NULL;
	for (peer = dev->first_peer; peer != NULL; peer = peer->next) {
		struct wg_peer *p = wg_device_add_peer(copy, NULL);

		if (p == NULL)
			goto fail;
		*p = *peer;
		p->next = NULL;
		p->first_allowedip = p->last_allowedip = NULL;
		for (aip = peer->first_allowedip; aip != NULL; aip = aip->next)
			if (wg_peer_add_allowedip(p, &aip->prefix) == NULL)
				goto fail;
	}
	return copy;
fail:
	wg_device_free(copy);
	return NULL;
}

void
wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN])
{
	sodium_bin2base64(out, WG_KEY_B64_LEN, key, WG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int
wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *b64)
{
	uint8_t tmp[WG_KEY_LEN];
	size_t len = 0;
	const char *end = NULL;

	if (strlen(b64) != WG_KEY_B64_LEN - 1)
		return -EINVAL;
	if (sodium_base642bin(tmp, sizeof(tmp), b64, WG_KEY_B64_LEN - 1, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != WG_KEY_LEN || *end != '\0') {
		sodium_memzero(tmp, sizeof(tmp));
		return -EINVAL;
	}
	memcpy(key, tmp, WG_KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

void
wg_key_to_hex(char out[2 * WG_KEY_LEN + 1], const uint8_t key[WG_KEY_LEN])
{
	sodium_bin2hex(out, 2 * WG_KEY_LEN + 1, key, WG_KEY_LEN);
}

int
wg_key_from_hex(uint8_t key[WG_KEY_LEN], const char *hex, size_t len)
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (len != 2 * WG_KEY_LEN)
		return -EINVAL;
	if (sodium_hex2bin(key, WG_KEY_LEN, hex, len, NULL, &bin_len, &end) != 0 ||
	    bin_len != WG_KEY_LEN || end != hex + len)
		return -EINVAL;
	return 0;
}

bool
wg_key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	return sodium_is_zero(key, WG_KEY_LEN) == 1;
}

bool
wg_key_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN])
{
	return sodium_memcmp(a, b, WG_KEY_LEN) == 0;
}

void
wg_key_generate_private(uint8_t key[WG_KEY_LEN])
{
	randombytes_buf(key, WG_KEY_LEN);
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

int
wg_key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	return crypto_scalarmult_curve25519_base(pub, priv) == 0 ? 0 : -EINVAL;
}
