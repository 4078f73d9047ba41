/*
 * wg_fake: the in-memory backend passes the semantic table (tests/wgspec.c)
 * that tests/net/uapi_wggo.sh also runs against wireguard-go, plus its op
 * log, error injection and request validation.
 */
#include "config.h"

#include <errno.h>

#include "platform/wg_fake.h"
#include "tests/tap.h"
#include "tests/wgspec.h"

static void
report_cb(void *arg, size_t i, int pass, int rc, const char *got)
{
	(void)arg;
	if (!ok(pass, "semantics: %s", wgsem_table[i].what))
		diag("set \"%s\" rc=%d\n#   got: %s\n#  want: %s", wgsem_table[i].set, rc, got,
		     wgsem_table[i].want);
}

static int
set_spec(struct wg_fake *fake, const char *spec)
{
	struct wg_device *req = NULL;
	int rc = wgspec_parse("wg0", spec, &req);

	if (rc == 0)
		rc = wg_fake_ops.set(fake, req);
	wg_device_free(req);
	return rc;
}

static const char *
state(struct wg_fake *fake)
{
	static char buf[2048];
	struct wg_device *dev = NULL;

	if (wg_fake_ops.get(fake, "wg0", &dev) < 0)
		return "(get failed)";
	wgspec_format(dev, buf, sizeof(buf));
	wg_device_free(dev);
	return buf;
}

int
main(void)
{
	struct wg_fake *fake = wg_fake_new();
	struct wg_device *dev = NULL, *live;
	const struct wg_device *req;
	size_t n;

	is_int(wg_fake_add_device(fake, "wg0"), 0, "add wg0");
	is_int(wg_fake_add_device(fake, "wg0"), -EEXIST, "add wg0 twice: -EEXIST");
	is_int(wg_fake_add_device(fake, "an-overlong-ifname"), -EINVAL, "overlong name: -EINVAL");
	is_int(wg_fake_ops.get(fake, "wg9", &dev), -ENODEV, "get unknown interface: -ENODEV");
	ok(dev == NULL, "no device on error");

	n = wgsem_run(&wg_fake_ops, fake, "wg0", report_cb, NULL);
	is_int(n, 0, "semantic table: no failed steps");

	/* op log */
	wg_fake_clear_ops(fake);
	is_int(wg_fake_op_count(fake), 0, "op log cleared");
	is_int(set_spec(fake, "priv=A port=51820 fwmark=3 replace_peers peer=B peer=C remove"), 0,
	       "set with device fields and two peers");
	is_str(wg_fake_op(fake, 0),
	       "set wg0 priv port=51820 fwmark=3 replace_peers peers=2 remove=1 rc=0",
	       "op log line of a set");
	req = wg_fake_op_request(fake, 0);
	ok(req != NULL && wg_device_peer_count(req) == 2, "op log keeps the request");
	is_str(state(fake), "priv=A port=51820 fwmark=3 | B psk=- ep=- ka=0 ips=-",
	       "state after the set");
	is_str(wg_fake_op(fake, 1), "get wg0 rc=0", "op log line of a get");
	ok(wg_fake_op_request(fake, 1) == NULL, "a get has no request");
	ok(wg_fake_op(fake, 2) == NULL, "no op past the end");

	/* validation: nothing applied */
	is_int(set_spec(fake, "peer=D ip=10.1.0.0/16 peer=E ep=198.51.100.1:1"), 0, "valid set");
	{
		struct wg_device *bad = NULL;
		struct wg_peer *p;

		wgspec_parse("wg0", "peer=F ip=10.2.0.0/16", &bad);
		p = wg_device_add_peer(bad, NULL); /* no public key */
		(void)p;
		is_int(wg_fake_ops.set(fake, bad), -EINVAL, "peer without public key: -EINVAL");
		wg_device_free(bad);
		wgspec_parse("wg0", "peer=F ip=10.2.0.0/16 peer=G", &bad);
		bad->last_peer->flags |= WGPEER_HAS_ENDPOINT; /* unset address */
		is_int(wg_fake_ops.set(fake, bad), -EINVAL, "endpoint without address: -EINVAL");
		wg_device_free(bad);
	}
	is_str(state(fake),
	       "priv=A port=51820 fwmark=3 | B psk=- ep=- ka=0 ips=- | D psk=- ep=- ka=0 "
	       "ips=10.1.0.0/16 | E psk=- ep=198.51.100.1:1 ka=0 ips=-",
	       "rejected sets changed nothing");

	/* error injection */
	wg_fake_fail_next(fake, -ETIMEDOUT);
	is_int(set_spec(fake, "replace_peers"), -ETIMEDOUT, "injected set failure");
	ok(wg_device_peer_count(wg_fake_device(fake, "wg0")) == 3, "failed set changed nothing");
	wg_fake_fail_next(fake, -EIO);
	is_int(wg_fake_ops.get(fake, "wg0", &dev), -EIO, "injected get failure");
	is_int(set_spec(fake, "peer=B ka=1"), 0, "failure is one-shot");

	/* tests may poke counters in the live device */
	live = wg_fake_device(fake, "wg0");
	live->first_peer->rx_bytes = 123;
	ok(wg_fake_ops.get(fake, "wg0", &dev) == 0 && dev->first_peer->rx_bytes == 123,
	   "counters set on the live device are reported");
	wg_device_free(dev);

	is_int(wg_fake_del_device(fake, "wg0"), 0, "delete wg0");
	is_int(wg_fake_del_device(fake, "wg0"), -ENODEV, "delete it again: -ENODEV");
	is_int(set_spec(fake, "port=1"), -ENODEV, "set on a deleted interface: -ENODEV");
	wg_fake_free(fake);
	return tap_done();
}
