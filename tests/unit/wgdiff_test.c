/* wgdiff: minimal deltas between applied and desired device models. */
#include "config.h"

#include <string.h>

#include "platform/wgdiff.h"
#include "tests/tap.h"

static uint8_t k[4][WG_KEY_LEN];

static struct wg_peer *
peer(struct wg_device *dev, int key, const char *ep, const char *const *aips)
{
	struct wg_peer *p = wg_device_add_peer(dev, k[key]);

	if (ep != NULL) {
		endpoint_parse(&p->endpoint, ep);
		p->flags |= WGPEER_HAS_ENDPOINT;
	}
	for (; aips != NULL && *aips != NULL; aips++) {
		struct ipprefix pfx;

		ipprefix_parse(&pfx, *aips, false);
		wg_peer_add_allowedip(p, &pfx);
	}
	return p;
}

int
main(void)
{
	static const char *const a1[] = { "10.1.0.1/32", "10.1.0.3/32", NULL };
	static const char *const a1r[] = { "10.1.0.3/32", "10.1.0.1/32", NULL };
	static const char *const a2[] = { "10.1.0.2/32", NULL };
	struct wg_device *applied, *desired, *delta;
	struct wg_peer *p;
	int i;

	for (i = 0; i < 4; i++)
		memset(k[i], i + 1, WG_KEY_LEN);

	/* From nothing: everything is added, allowed IPs replaced. */
	desired = wg_device_new("wg0");
	desired->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	desired->listen_port = 50001;
	peer(desired, 0, "203.0.113.2:50002", a1);
	is_int(wg_device_diff(NULL, desired, &delta), 0, "diff from empty");
	ok(delta->flags == (WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT), "device fields set");
	p = delta->first_peer;
	ok(p != NULL && (p->flags & WGPEER_REPLACE_ALLOWEDIPS) && (p->flags & WGPEER_HAS_ENDPOINT) &&
		   wg_peer_allowedip_count(p) == 2,
	   "new peer carries endpoint and replaces allowed IPs");
	wg_device_free(delta);

	/* Identical (allowed IPs in another order): empty delta. */
	applied = wg_device_clone(desired);
	wg_device_free(desired);
	desired = wg_device_new("wg0");
	desired->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	desired->listen_port = 50001;
	peer(desired, 0, "203.0.113.2:50002", a1r);
	wg_device_diff(applied, desired, &delta);
	ok(wg_device_delta_empty(delta), "same config, allowed IPs reordered: nothing to do");
	wg_device_free(delta);

	/* Desired without endpoint: never clears what WireGuard learnt. */
	wg_device_free(desired);
	desired = wg_device_new("wg0");
	peer(desired, 0, NULL, a1);
	wg_device_diff(applied, desired, &delta);
	ok(wg_device_delta_empty(delta), "no desired endpoint: endpoint left alone");
	wg_device_free(delta);

	/* Allowed IPs change, a peer added, a peer removed, port changed. */
	wg_device_free(applied);
	applied = wg_device_new("wg0");
	applied->flags = WGDEV_HAS_LISTEN_PORT;
	applied->listen_port = 50001;
	peer(applied, 0, "203.0.113.2:50002", a1);
	peer(applied, 1, "203.0.113.3:50003", a2);
	wg_device_free(desired);
	desired = wg_device_new("wg0");
	desired->flags = WGDEV_HAS_LISTEN_PORT;
	desired->listen_port = 50009;
	peer(desired, 0, "203.0.113.2:50002", a2);
	peer(desired, 2, "203.0.113.4:50004", NULL);
	wg_device_diff(applied, desired, &delta);
	ok(delta->flags == WGDEV_HAS_LISTEN_PORT && delta->listen_port == 50009, "port change");
	p = wg_device_find_peer(delta, k[1]);
	ok(p != NULL && (p->flags & WGPEER_REMOVE_ME), "vanished peer removed");
	p = wg_device_find_peer(delta, k[0]);
	ok(p != NULL && p->flags == (WGPEER_HAS_PUBLIC_KEY | WGPEER_REPLACE_ALLOWEDIPS) &&
		   wg_peer_allowedip_count(p) == 1,
	   "changed peer: only allowed IPs, replaced");
	p = wg_device_find_peer(delta, k[2]);
	ok(p != NULL && (p->flags & WGPEER_HAS_ENDPOINT), "new peer added");
	is_int(wg_device_peer_count(delta), 3, "three peer entries");
	wg_device_free(delta);

	/* Endpoint and keepalive changes; keepalive turned off. */
	wg_device_free(applied);
	applied = wg_device_new("wg0");
	p = peer(applied, 0, "203.0.113.2:50002", a1);
	p->flags |= WGPEER_HAS_KEEPALIVE;
	p->keepalive_s = 25;
	wg_device_free(desired);
	desired = wg_device_new("wg0");
	peer(desired, 0, "192.168.2.3:50002", a1);
	wg_device_diff(applied, desired, &delta);
	p = delta->first_peer;
	ok(p != NULL && (p->flags & WGPEER_HAS_ENDPOINT) && (p->flags & WGPEER_HAS_KEEPALIVE) &&
		   p->keepalive_s == 0 && !(p->flags & WGPEER_REPLACE_ALLOWEDIPS),
	   "endpoint moved, keepalive turned off, allowed IPs untouched");
	wg_device_free(delta);
	wg_device_free(applied);
	wg_device_free(desired);
	return tap_done();
}
