/*
 * wg_fake: in-memory WireGuard backend (semantics in wg_fake.h).
 *
 * Owns: a list of devices (struct fake_if, each owning a struct wg_device)
 * and an op log (struct fake_op, each owning its text and a request copy).
 * Peers and allowed IPs are the wgdev lists; removal here relinks them and
 * wipes what it frees.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "platform/wg_fake.h"

struct fake_if {
	struct wg_device *dev;
	struct fake_if *next;
};

struct fake_op {
	char text[160];
	struct wg_device *request; /* sets only */
	struct fake_op *next;
};

struct wg_fake {
	struct fake_if *ifs;
	struct fake_op *first_op, *last_op;
	size_t nops;
	int fail_next;
};

static int fake_get_cb(void *ctx, const char *ifname, struct wg_device **out);
static int fake_set_cb(void *ctx, const struct wg_device *dev);

const struct wg_backend_ops wg_fake_ops = {
    .name = "fake",
    .get = fake_get_cb,
    .set = fake_set_cb,
};

struct wg_fake *
wg_fake_new(void)
{
	return calloc(1, sizeof(struct wg_fake));
}

void
wg_fake_clear_ops(struct wg_fake *fake)
{
	struct fake_op *op, *next;

	for (op = fake->first_op; op != NULL; op = next) {
		next = op->next;
		wg_device_free(op->request);
		free(op);
	}
	fake->first_op = fake->last_op = NULL;
	fake->nops = 0;
}

void
wg_fake_free(struct wg_fake *fake)
{
	struct fake_if *fi, *next;

	if (fake == NULL)
		return;
	for (fi = fake->ifs; fi != NULL; fi = next) {
		next = fi->next;
		wg_device_free(fi->dev);
		free(fi);
	}
	wg_fake_clear_ops(fake);
	free(fake);
}

static struct fake_if *
fake_find(const struct wg_fake *fake, const char *ifname)
{
	struct fake_if *fi;

	for (fi = fake->ifs; fi != NULL; fi = fi->next)
		if (strncmp(fi->dev->name, ifname, IFNAMSIZ) == 0)
			return fi;
	return NULL;
}

int
wg_fake_add_device(struct wg_fake *fake, const char *ifname)
{
	struct fake_if *fi;
	size_t n = strnlen(ifname, IFNAMSIZ);

	if (n == 0 || n >= IFNAMSIZ)
		return -EINVAL;
	if (fake_find(fake, ifname) != NULL)
		return -EEXIST;
	fi = calloc(1, sizeof(*fi));
	if (fi == NULL || (fi->dev = wg_device_new(ifname)) == NULL) {
		free(fi);
		return -ENOMEM;
	}
	fi->next = fake->ifs;
	fake->ifs = fi;
	return 0;
}

int
wg_fake_del_device(struct wg_fake *fake, const char *ifname)
{
	struct fake_if **pp, *fi;

	for (pp = &fake->ifs; (fi = *pp) != NULL; pp = &fi->next) {
		if (strncmp(fi->dev->name, ifname, IFNAMSIZ) == 0) {
			*pp = fi->next;
			wg_device_free(fi->dev);
			free(fi);
			return 0;
		}
	}
	return -ENODEV;
}

struct wg_device *
wg_fake_device(struct wg_fake *fake, const char *ifname)
{
	struct fake_if *fi = fake_find(fake, ifname);

	return fi ? fi->dev : NULL;
}

void
wg_fake_fail_next(struct wg_fake *fake, int err)
{
	fake->fail_next = err;
}

size_t
wg_fake_op_count(const struct wg_fake *fake)
{
	return fake->nops;
}

static const struct fake_op *
op_at(const struct wg_fake *fake, size_t i)
{
	const struct fake_op *op = fake->first_op;

	while (op != NULL && i-- > 0)
		op = op->next;
	return op;
}

const char *
wg_fake_op(const struct wg_fake *fake, size_t i)
{
	const struct fake_op *op = op_at(fake, i);

	return op ? op->text : NULL;
}

const struct wg_device *
wg_fake_op_request(const struct wg_fake *fake, size_t i)
{
	const struct fake_op *op = op_at(fake, i);

	return op ? op->request : NULL;
}

/* Append an op; on ENOMEM the op is lost (a test will notice the count). */
static struct fake_op *
op_add(struct wg_fake *fake)
{
	struct fake_op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	if (fake->last_op)
		fake->last_op->next = op;
	else
		fake->first_op = op;
	fake->last_op = op;
	fake->nops++;
	return op;
}

/* ---- applying a set ------------------------------------------------------ */

static void
aip_free_all(struct wg_peer *peer)
{
	struct wg_allowedip *a, *next;

	for (a = peer->first_allowedip; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	peer->first_allowedip = peer->last_allowedip = NULL;
}

/* Remove every allowed IP equal to prefix from peer. */
static void
aip_remove(struct wg_peer *peer, const struct ipprefix *prefix)
{
	struct wg_allowedip **pp = &peer->first_allowedip, *a;

	peer->last_allowedip = NULL;
	while ((a = *pp) != NULL) {
		if (a->prefix.len == prefix->len && ipaddr_equal(&a->prefix.addr, &prefix->addr)) {
			*pp = a->next;
			free(a);
			continue;
		}
		peer->last_allowedip = a;
		pp = &a->next;
	}
}

static void
peer_remove(struct wg_device *dev, struct wg_peer *victim)
{
	struct wg_peer **pp = &dev->first_peer, *p;

	dev->last_peer = NULL;
	while ((p = *pp) != NULL) {
		if (p == victim) {
			*pp = p->next;
			aip_free_all(p);
			sodium_memzero(p, sizeof(*p));
			free(p);
			continue;
		}
		dev->last_peer = p;
		pp = &p->next;
	}
}

static int
validate(const struct wg_device *req)
{
	const struct wg_peer *p;
	const struct wg_allowedip *a;

	for (p = req->first_peer; p != NULL; p = p->next) {
		if (!(p->flags & WGPEER_HAS_PUBLIC_KEY))
			return -EINVAL;
		if (p->flags & WGPEER_REMOVE_ME)
			continue;
		if ((p->flags & WGPEER_HAS_ENDPOINT) &&
		    ((p->endpoint.addr.family != AF_INET && p->endpoint.addr.family != AF_INET6) ||
		     p->endpoint.port == 0))
			return -EINVAL;
		for (a = p->first_allowedip; a != NULL; a = a->next)
			if ((a->prefix.addr.family != AF_INET &&
			     a->prefix.addr.family != AF_INET6) ||
			    a->prefix.len > ipaddr_bits(&a->prefix.addr))
				return -EINVAL;
	}
	return 0;
}

static int
apply_peer(struct wg_device *dev, const struct wg_peer *rp)
{
	struct wg_peer *p, *other;
	const struct wg_allowedip *a;

	if ((dev->flags & WGDEV_HAS_PUBLIC_KEY) && wg_key_equal(dev->public_key, rp->public_key))
		return 0;
	p = wg_device_find_peer(dev, rp->public_key);
	if (rp->flags & WGPEER_REMOVE_ME) {
		if (p != NULL)
			peer_remove(dev, p);
		return 0;
	}
	if (p == NULL && (rp->flags & WGPEER_UPDATE_ONLY))
		return 0;
	if (p == NULL && (p = wg_device_add_peer(dev, rp->public_key)) == NULL)
		return -ENOMEM;
	p->flags |= WGPEER_HAS_KEEPALIVE; /* reported always, 0 = off */
	if (rp->flags & WGPEER_HAS_PRESHARED_KEY) {
		memcpy(p->preshared_key, rp->preshared_key, WG_KEY_LEN);
		if (wg_key_is_zero(p->preshared_key))
			p->flags &= ~(uint32_t)WGPEER_HAS_PRESHARED_KEY;
		else
			p->flags |= WGPEER_HAS_PRESHARED_KEY;
	}
	if (rp->flags & WGPEER_HAS_ENDPOINT) {
		p->endpoint = rp->endpoint;
		p->flags |= WGPEER_HAS_ENDPOINT;
	}
	if (rp->flags & WGPEER_HAS_KEEPALIVE)
		p->keepalive_s = rp->keepalive_s;
	if (rp->flags & WGPEER_REPLACE_ALLOWEDIPS)
		aip_free_all(p);
	for (a = rp->first_allowedip; a != NULL; a = a->next) {
		struct ipprefix m = a->prefix;

		ipprefix_mask(&m);
		for (other = dev->first_peer; other != NULL; other = other->next)
			aip_remove(other, &m);
		if (wg_peer_add_allowedip(p, &m) == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int
apply(struct wg_device *dev, const struct wg_device *req)
{
	const struct wg_peer *rp;
	struct wg_peer *p;
	int rc;

	if (req->flags & WGDEV_HAS_PRIVATE_KEY) {
		memcpy(dev->private_key, req->private_key, WG_KEY_LEN);
		dev->flags &= ~(uint32_t)(WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_PUBLIC_KEY);
		sodium_memzero(dev->public_key, WG_KEY_LEN);
		if (!wg_key_is_zero(dev->private_key) &&
		    wg_key_public_from_private(dev->public_key, dev->private_key) == 0) {
			dev->flags |= WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_PUBLIC_KEY;
			if ((p = wg_device_find_peer(dev, dev->public_key)) != NULL)
				peer_remove(dev, p);
		}
	}
	if (req->flags & WGDEV_HAS_LISTEN_PORT) {
		dev->listen_port = req->listen_port;
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
	}
	if (req->flags & WGDEV_HAS_FWMARK) {
		dev->fwmark = req->fwmark;
		dev->flags |= WGDEV_HAS_FWMARK;
	}
	if (req->flags & WGDEV_REPLACE_PEERS)
		while (dev->first_peer != NULL)
			peer_remove(dev, dev->first_peer);
	for (rp = req->first_peer; rp != NULL; rp = rp->next)
		if ((rc = apply_peer(dev, rp)) < 0)
			return rc;
	return 0;
}

static int
fake_set_cb(void *ctx, const struct wg_device *req)
{
	struct wg_fake *fake = ctx;
	struct fake_if *fi = fake_find(fake, req->name);
	struct fake_op *op = op_add(fake);
	const struct wg_peer *p;
	size_t npeers = 0, nremove = 0, off = 0;
	int rc;

	if (fake->fail_next < 0) {
		rc = fake->fail_next;
		fake->fail_next = 0;
	} else if (fi == NULL) {
		rc = -ENODEV;
	} else if ((rc = validate(req)) == 0) {
		rc = apply(fi->dev, req);
	}
	if (op == NULL)
		return rc;
	for (p = req->first_peer; p != NULL; p = p->next) {
		npeers++;
		if (p->flags & WGPEER_REMOVE_ME)
			nremove++;
	}
#define OPCAT(...)                                                                                 \
	do {                                                                                       \
		int n_ = snprintf(op->text + off, sizeof(op->text) - off, __VA_ARGS__);            \
		if (n_ > 0)                                                                        \
			off = off + (size_t)n_ < sizeof(op->text) ? off + (size_t)n_               \
			                                          : sizeof(op->text) - 1;          \
	} while (0)
	OPCAT("set %s", req->name);
	if (req->flags & WGDEV_HAS_PRIVATE_KEY)
		OPCAT(" priv");
	if (req->flags & WGDEV_HAS_LISTEN_PORT)
		OPCAT(" port=%u", (unsigned)req->listen_port);
	if (req->flags & WGDEV_HAS_FWMARK)
		OPCAT(" fwmark=%u", (unsigned)req->fwmark);
	if (req->flags & WGDEV_REPLACE_PEERS)
		OPCAT(" replace_peers");
	OPCAT(" peers=%zu", npeers);
	if (nremove)
		OPCAT(" remove=%zu", nremove);
	OPCAT(" rc=%d", rc);
#undef OPCAT
	op->request = wg_device_clone(req);
	return rc;
}

static int
fake_get_cb(void *ctx, const char *ifname, struct wg_device **out)
{
	struct wg_fake *fake = ctx;
	struct fake_if *fi = fake_find(fake, ifname);
	struct fake_op *op = op_add(fake);
	int rc = 0;

	*out = NULL;
	if (fake->fail_next < 0) {
		rc = fake->fail_next;
		fake->fail_next = 0;
	} else if (fi == NULL) {
		rc = -ENODEV;
	} else if ((*out = wg_device_clone(fi->dev)) == NULL) {
		rc = -ENOMEM;
	}
	if (op != NULL)
		snprintf(op->text, sizeof(op->text), "get %s rc=%d", ifname, rc);
	return rc;
}
