/*
 * wgdiff: compute a minimal set request between two device models.
 * See wgdiff.h. Peers are matched by public key through a sorted index, so a
 * diff of n peers costs O(n log n), not O(n^2).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/wgdiff.h"

static int
prefix_cmp(const void *a, const void *b)
{
	const struct ipprefix *x = a, *y = b;
	int c = ipaddr_cmp(&x->addr, &y->addr);

	return c != 0 ? c : (int)x->len - (int)y->len;
}

/* Sorted array of a peer's allowed IPs (caller frees); NULL with *n = 0 when empty. */
static struct ipprefix *
sorted_allowedips(const struct wg_peer *p, size_t *n, int *err)
{
	const struct wg_allowedip *aip;
	struct ipprefix *v;
	size_t i = 0;

	*n = wg_peer_allowedip_count(p);
	if (*n == 0)
		return NULL;
	v = malloc(*n * sizeof(*v));
	if (v == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	for (aip = p->first_allowedip; aip != NULL; aip = aip->next)
		v[i++] = aip->prefix;
	qsort(v, *n, sizeof(*v), prefix_cmp);
	return v;
}

bool
wg_peer_allowedips_equal(const struct wg_peer *a, const struct wg_peer *b)
{
	struct ipprefix *va, *vb;
	size_t na, nb, i;
	int err = 0;
	bool eq;

	if (wg_peer_allowedip_count(a) != wg_peer_allowedip_count(b))
		return false;
	va = sorted_allowedips(a, &na, &err);
	vb = sorted_allowedips(b, &nb, &err);
	eq = err == 0;
	for (i = 0; eq && i < na; i++)
		eq = prefix_cmp(&va[i], &vb[i]) == 0;
	free(va);
	free(vb);
	return eq;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct wg_peer *const *x = a, *const *y = b;

	return memcmp((*x)->public_key, (*y)->public_key, WG_KEY_LEN);
}

static struct wg_peer **
peer_index(const struct wg_device *dev, size_t *n)
{
	struct wg_peer **v, *p;
	size_t i = 0;

	*n = dev != NULL ? wg_device_peer_count(dev) : 0;
	v = malloc((*n ? *n : 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (p = dev != NULL ? dev->first_peer : NULL; p != NULL; p = p->next)
		v[i++] = p;
	qsort(v, *n, sizeof(*v), key_cmp);
	return v;
}

static struct wg_peer *
peer_lookup(struct wg_peer **v, size_t n, const uint8_t key[WG_KEY_LEN])
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(v[mid]->public_key, key, WG_KEY_LEN);

		if (c == 0)
			return v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
copy_allowedips(struct wg_peer *to, const struct wg_peer *from)
{
	const struct wg_allowedip *aip;

	for (aip = from->first_allowedip; aip != NULL; aip = aip->next)
		if (wg_peer_add_allowedip(to, &aip->prefix) == NULL)
			return -ENOMEM;
	return 0;
}

/* The delta entry for desired peer d, given its applied counterpart a (or NULL). */
static int
diff_peer(struct wg_device *delta, const struct wg_peer *a, const struct wg_peer *d)
{
	uint32_t flags = WGPEER_HAS_PUBLIC_KEY;
	struct wg_peer *p;

	if (a == NULL) {
		flags |= d->flags & (WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE |
				     WGPEER_HAS_PRESHARED_KEY);
		flags |= WGPEER_REPLACE_ALLOWEDIPS;
	} else {
		if ((d->flags & WGPEER_HAS_ENDPOINT) &&
		    (!(a->flags & WGPEER_HAS_ENDPOINT) || !endpoint_equal(&a->endpoint, &d->endpoint)))
			flags |= WGPEER_HAS_ENDPOINT;
		if ((d->flags & WGPEER_HAS_KEEPALIVE) && a->keepalive_s != d->keepalive_s)
			flags |= WGPEER_HAS_KEEPALIVE;
		if (!(d->flags & WGPEER_HAS_KEEPALIVE) && (a->flags & WGPEER_HAS_KEEPALIVE) &&
		    a->keepalive_s != 0)
			flags |= WGPEER_HAS_KEEPALIVE; /* turn it off */
		if ((d->flags & WGPEER_HAS_PRESHARED_KEY) &&
		    (!(a->flags & WGPEER_HAS_PRESHARED_KEY) ||
		     !wg_key_equal(a->preshared_key, d->preshared_key)))
			flags |= WGPEER_HAS_PRESHARED_KEY;
		if (!wg_peer_allowedips_equal(a, d))
			flags |= WGPEER_REPLACE_ALLOWEDIPS;
		if (flags == WGPEER_HAS_PUBLIC_KEY)
			return 0;
	}
	p = wg_device_add_peer(delta, d->public_key);
	if (p == NULL)
		return -ENOMEM;
	p->flags = flags;
	p->endpoint = d->endpoint;
	p->keepalive_s = (d->flags & WGPEER_HAS_KEEPALIVE) ? d->keepalive_s : 0;
	memcpy(p->preshared_key, d->preshared_key, WG_KEY_LEN);
	if (flags & WGPEER_REPLACE_ALLOWEDIPS)
		return copy_allowedips(p, d);
	return 0;
}

int
wg_device_diff(const struct wg_device *applied, const struct wg_device *desired,
	       struct wg_device **delta_out)
{
	struct wg_peer **ai = NULL, **di = NULL, *p;
	struct wg_device *delta;
	size_t na, nd;
	int rc = -ENOMEM;

	*delta_out = NULL;
	delta = wg_device_new(desired->name);
	if (delta == NULL)
		return -ENOMEM;
	if ((desired->flags & WGDEV_HAS_PRIVATE_KEY) &&
	    (applied == NULL || !(applied->flags & WGDEV_HAS_PRIVATE_KEY) ||
	     !wg_key_equal(applied->private_key, desired->private_key))) {
		delta->flags |= WGDEV_HAS_PRIVATE_KEY;
		memcpy(delta->private_key, desired->private_key, WG_KEY_LEN);
	}
	if ((desired->flags & WGDEV_HAS_LISTEN_PORT) &&
	    (applied == NULL || !(applied->flags & WGDEV_HAS_LISTEN_PORT) ||
	     applied->listen_port != desired->listen_port)) {
		delta->flags |= WGDEV_HAS_LISTEN_PORT;
		delta->listen_port = desired->listen_port;
	}
	if ((desired->flags & WGDEV_HAS_FWMARK) &&
	    (applied == NULL || !(applied->flags & WGDEV_HAS_FWMARK) ||
	     applied->fwmark != desired->fwmark)) {
		delta->flags |= WGDEV_HAS_FWMARK;
		delta->fwmark = desired->fwmark;
	}
	ai = peer_index(applied, &na);
	di = peer_index(desired, &nd);
	if (ai == NULL || di == NULL)
		goto out;
	for (p = applied != NULL ? applied->first_peer : NULL; p != NULL; p = p->next) {
		if (peer_lookup(di, nd, p->public_key) == NULL) {
			struct wg_peer *r = wg_device_add_peer(delta, p->public_key);

			if (r == NULL)
				goto out;
			r->flags |= WGPEER_REMOVE_ME;
		}
	}
	for (p = desired->first_peer; p != NULL; p = p->next)
		if ((rc = diff_peer(delta, peer_lookup(ai, na, p->public_key), p)) < 0)
			goto out;
	rc = 0;
out:
	free(ai);
	free(di);
	if (rc < 0) {
		wg_device_free(delta);
		return rc;
	}
	*delta_out = delta;
	return 0;
}

bool
wg_device_delta_empty(const struct wg_device *delta)
{
	return delta->first_peer == NULL &&
	       (delta->flags & (WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK |
				WGDEV_REPLACE_PEERS)) == 0;
}
