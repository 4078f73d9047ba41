/*
 * wg_kernel_msg: SET chunking and GET dump parsing, without a kernel.
 *
 * SET: the chunks of a device are parsed back with libmnl by a small
 * simulated kernel (test code, independent of the module's walkers) that
 * applies them to a model device; the result must equal the request, and
 * every chunk is checked against the split rules.
 * GET: dump datagrams are built here attribute by attribute, including a
 * split peer, malformed attributes (each pinned to its error) and
 * NLM_F_DUMP_INTR.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "platform/wg_kernel.h"
#include "platform/wg_kernel_msg.h"
#include "tests/tap.h"

#define FAMILY 0x1b
#define SEQ    4242
#define PORTID 777

static void
test_key(uint8_t key[WG_KEY_LEN], unsigned i, uint8_t tag)
{
	memset(key, tag, WG_KEY_LEN);
	key[0] = (uint8_t)(i >> 8);
	key[1] = (uint8_t)i;
}

static struct ipprefix
test_prefix(unsigned i)
{
	struct ipprefix p;

	memset(&p, 0, sizeof(p));
	if (i % 3 == 2) {
		p.addr.family = AF_INET6;
		p.addr.bytes[0] = 0xfd;
		p.addr.bytes[13] = (uint8_t)(i >> 16);
		p.addr.bytes[14] = (uint8_t)(i >> 8);
		p.addr.bytes[15] = (uint8_t)i;
		p.len = 128;
	} else {
		p.addr.family = AF_INET;
		p.addr.bytes[0] = 10;
		p.addr.bytes[1] = (uint8_t)(i >> 16);
		p.addr.bytes[2] = (uint8_t)(i >> 8);
		p.addr.bytes[3] = (uint8_t)i;
		p.len = 32;
	}
	return p;
}

/*
 * A device with npeers peers of aips allowed IPs each; peer big_idx (if
 * < npeers) gets big_aips instead. Peer flags pflags on every peer.
 */
static struct wg_device *
test_device(unsigned npeers, unsigned aips, unsigned big_idx, unsigned big_aips, uint32_t dflags,
            uint32_t pflags)
{
	struct wg_device *dev = wg_device_new("wgtest0");
	unsigned i, j, n, ip = 0;

	dev->flags = dflags | WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK;
	test_key(dev->private_key, 0, 0xaa);
	dev->listen_port = 51820;
	dev->fwmark = 0x42;
	for (i = 0; i < npeers; i++) {
		uint8_t key[WG_KEY_LEN];
		struct wg_peer *peer;

		test_key(key, i, 0x11);
		peer = wg_device_add_peer(dev, key);
		peer->flags |= pflags;
		if (!(pflags & WGPEER_REMOVE_ME)) {
			peer->flags |= WGPEER_HAS_KEEPALIVE | WGPEER_HAS_ENDPOINT;
			peer->keepalive_s = (uint16_t)(i % 60);
			endpoint_parse(&peer->endpoint,
			               i % 2 ? "[2001:db8::7]:51000" : "203.0.113.7:51000");
			if (i % 4 == 0) {
				peer->flags |= WGPEER_HAS_PRESHARED_KEY;
				test_key(peer->preshared_key, i, 0x22);
			}
		}
		n = i == big_idx ? big_aips : aips;
		for (j = 0; j < n; j++) {
			struct ipprefix p = test_prefix(ip++);

			wg_peer_add_allowedip(peer, &p);
		}
	}
	return dev;
}

/* ---- the simulated kernel: applies SET chunks to a model device ---------- */

struct sim {
	struct wg_device *dev; /* the state "in the kernel" */
	unsigned chunks;
	unsigned errors;         /* split rule violations */
	const uint8_t *last_key; /* last peer of the previous chunk */
	uint8_t last_key_buf[WG_KEY_LEN];
	bool last_peer_incomplete;
};

static void
sim_error(struct sim *s, const char *what)
{
	s->errors++;
	diag("chunk %u: %s", s->chunks, what);
}

static void
sim_remove_peer(struct wg_device *dev, struct wg_peer *peer)
{
	struct wg_peer **pp, *prev = NULL;

	for (pp = &dev->first_peer; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp == peer) {
			*pp = peer->next;
			if (dev->last_peer == peer)
				dev->last_peer = prev;
			peer->next = NULL;
			/* Free through a throw-away device, which wipes and frees. */
			{
				struct wg_device *tmp = wg_device_new(NULL);

				tmp->first_peer = tmp->last_peer = peer;
				wg_device_free(tmp);
			}
			return;
		}
	}
}

static void
sim_clear_allowedips(struct wg_peer *peer)
{
	struct wg_allowedip *aip, *next;

	for (aip = peer->first_allowedip; aip != NULL; aip = next) {
		next = aip->next;
		free(aip);
	}
	peer->first_allowedip = peer->last_allowedip = NULL;
}

static void
sim_peer(struct sim *s, const struct nlattr *pnest, bool first_in_chunk, bool *head_fields)
{
	const struct nlattr *a, *an, *f;
	const uint8_t *key = NULL;
	uint32_t flags = 0;
	struct wg_peer *peer;

	*head_fields = false;
	mnl_attr_for_each_nested(a, pnest)
	{
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PUBLIC_KEY:
			if (mnl_attr_validate2(a, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
				sim_error(s, "bad public key");
			key = mnl_attr_get_payload(a);
			break;
		case WGPEER_A_FLAGS:
			flags = mnl_attr_get_u32(a);
			break;
		case WGPEER_A_PRESHARED_KEY:
		case WGPEER_A_ENDPOINT:
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			*head_fields = true;
			break;
		default:
			break;
		}
	}
	if (key == NULL) {
		sim_error(s, "peer without public key");
		return;
	}
	if (first_in_chunk && s->last_peer_incomplete && s->last_key != NULL &&
	    memcmp(key, s->last_key, WG_KEY_LEN) == 0) {
		/* A continuation. */
		if (flags & WGPEER_F_REPLACE_ALLOWEDIPS)
			sim_error(s, "continuation carries REPLACE_ALLOWEDIPS");
		if (*head_fields)
			sim_error(s, "continuation repeats peer fields");
	}
	peer = wg_device_find_peer(s->dev, key);
	if (flags & WGPEER_F_REMOVE_ME) {
		if (peer != NULL)
			sim_remove_peer(s->dev, peer);
		return;
	}
	if (peer == NULL) {
		if (flags & WGPEER_F_UPDATE_ONLY)
			return;
		peer = wg_device_add_peer(s->dev, key);
	}
	if (flags & WGPEER_F_REPLACE_ALLOWEDIPS)
		sim_clear_allowedips(peer);
	mnl_attr_for_each_nested(a, pnest)
	{
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PRESHARED_KEY:
			memcpy(peer->preshared_key, mnl_attr_get_payload(a), WG_KEY_LEN);
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
			break;
		case WGPEER_A_ENDPOINT:
			endpoint_from_sockaddr(&peer->endpoint, mnl_attr_get_payload(a),
			                       mnl_attr_get_payload_len(a));
			peer->flags |= WGPEER_HAS_ENDPOINT;
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			peer->keepalive_s = mnl_attr_get_u16(a);
			peer->flags |= WGPEER_HAS_KEEPALIVE;
			break;
		case WGPEER_A_ALLOWEDIPS:
			mnl_attr_for_each_nested(an, a)
			{
				struct ipprefix p;

				memset(&p, 0, sizeof(p));
				mnl_attr_for_each_nested(f, an)
				{
					switch (mnl_attr_get_type(f)) {
					case WGALLOWEDIP_A_FAMILY:
						p.addr.family = mnl_attr_get_u16(f);
						break;
					case WGALLOWEDIP_A_IPADDR:
						memcpy(p.addr.bytes, mnl_attr_get_payload(f),
						       mnl_attr_get_payload_len(f));
						break;
					case WGALLOWEDIP_A_CIDR_MASK:
						p.len = mnl_attr_get_u8(f);
						break;
					default:
						break;
					}
				}
				wg_peer_add_allowedip(peer, &p);
			}
			break;
		default:
			break;
		}
	}
}

/* Apply one chunk. */
static void
sim_chunk(struct sim *s, const void *buf, size_t len, size_t buflen)
{
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *genl;
	const struct nlattr *a, *pn;
	bool dev_named = false, head_fields = false;
	unsigned npeers_here = 0;

	s->chunks++;
	if (len > buflen || nlh->nlmsg_len != len)
		sim_error(s, "length");
	if (nlh->nlmsg_type != FAMILY || nlh->nlmsg_seq != SEQ + s->chunks ||
	    nlh->nlmsg_flags != (NLM_F_REQUEST | NLM_F_ACK))
		sim_error(s, "header");
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != WG_CMD_SET_DEVICE || genl->version != WG_GENL_VERSION)
		sim_error(s, "genl header");
	mnl_attr_for_each(a, nlh, sizeof(*genl))
	{
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_IFNAME:
			dev_named = strcmp(mnl_attr_get_str(a), s->dev->name) == 0;
			break;
		case WGDEVICE_A_FLAGS:
			if (s->chunks != 1)
				sim_error(s, "device flags after the first chunk");
			if (mnl_attr_get_u32(a) & WGDEVICE_F_REPLACE_PEERS) {
				while (s->dev->first_peer != NULL)
					sim_remove_peer(s->dev, s->dev->first_peer);
			}
			break;
		case WGDEVICE_A_PRIVATE_KEY:
		case WGDEVICE_A_LISTEN_PORT:
		case WGDEVICE_A_FWMARK:
			if (s->chunks != 1)
				sim_error(s, "device fields after the first chunk");
			if (mnl_attr_get_type(a) == WGDEVICE_A_PRIVATE_KEY) {
				memcpy(s->dev->private_key, mnl_attr_get_payload(a), WG_KEY_LEN);
				s->dev->flags |= WGDEV_HAS_PRIVATE_KEY;
			} else if (mnl_attr_get_type(a) == WGDEVICE_A_LISTEN_PORT) {
				s->dev->listen_port = mnl_attr_get_u16(a);
				s->dev->flags |= WGDEV_HAS_LISTEN_PORT;
			} else {
				s->dev->fwmark = mnl_attr_get_u32(a);
				s->dev->flags |= WGDEV_HAS_FWMARK;
			}
			break;
		case WGDEVICE_A_PEERS:
			mnl_attr_for_each_nested(pn, a)
			{
				sim_peer(s, pn, npeers_here == 0, &head_fields);
				memcpy(s->last_key_buf,
				       mnl_attr_get_payload(mnl_attr_get_payload(pn)), WG_KEY_LEN);
				s->last_key = s->last_key_buf;
				npeers_here++;
			}
			break;
		default:
			break;
		}
	}
	if (!dev_named)
		sim_error(s, "device not named");
	/* The next chunk may continue the last peer of this one. */
	s->last_peer_incomplete = npeers_here > 0;
}

/* Model equality of what a set puts (keys, port, mark, peers, allowed IPs). */
static bool
device_equal(const struct wg_device *a, const struct wg_device *b)
{
	const struct wg_peer *pa, *pb;
	const struct wg_allowedip *xa, *xb;

	if (a->listen_port != b->listen_port || a->fwmark != b->fwmark ||
	    !wg_key_equal(a->private_key, b->private_key))
		return false;
	for (pa = a->first_peer, pb = b->first_peer; pa != NULL && pb != NULL;
	     pa = pa->next, pb = pb->next) {
		if (!wg_key_equal(pa->public_key, pb->public_key) ||
		    pa->keepalive_s != pb->keepalive_s ||
		    !endpoint_equal(&pa->endpoint, &pb->endpoint) ||
		    (pa->flags & WGPEER_HAS_PRESHARED_KEY) !=
		        (pb->flags & WGPEER_HAS_PRESHARED_KEY) ||
		    !wg_key_equal(pa->preshared_key, pb->preshared_key))
			return false;
		for (xa = pa->first_allowedip, xb = pb->first_allowedip; xa != NULL && xb != NULL;
		     xa = xa->next, xb = xb->next)
			if (!ipaddr_equal(&xa->prefix.addr, &xb->prefix.addr) ||
			    xa->prefix.len != xb->prefix.len)
				return false;
		if (xa != NULL || xb != NULL)
			return false;
	}
	return pa == NULL && pb == NULL;
}

/*
 * Run a whole set through the simulated kernel starting from `initial`
 * (NULL = empty device). Returns the number of chunks, or the builder's
 * error; *out is the resulting kernel state.
 */
static int
sim_run(const struct wg_device *dev, const struct wg_device *initial, size_t buflen,
        struct wg_device **out, unsigned *errors)
{
	struct wg_kernel_msg_set it;
	struct sim s;
	uint8_t *buf = malloc(buflen + 64);
	int rc;

	memset(&s, 0, sizeof(s));
	s.dev = initial != NULL ? wg_device_clone(initial) : wg_device_new(dev->name);
	wg_kernel_msg_set_init(&it, dev);
	for (;;) {
		/* A canary after the buffer catches any write past buflen. */
		memset(buf, 0xee, buflen + 64);
		rc = wg_kernel_msg_set_next(&it, buf, buflen, FAMILY, SEQ + s.chunks + 1);
		if (rc <= 0)
			break;
		for (size_t i = buflen; i < buflen + 64; i++)
			if (buf[i] != 0xee) {
				sim_error(&s, "wrote past the buffer");
				break;
			}
		sim_chunk(&s, buf, (size_t)rc, buflen);
	}
	free(buf);
	*errors = s.errors;
	*out = s.dev;
	return rc < 0 ? rc : (int)s.chunks;
}

static const struct {
	const char *name;
	unsigned npeers, aips, big_idx, big_aips;
	uint32_t dflags, pflags;
	size_t buflen;
	int min_chunks, max_chunks;
} set_cases[] = {
    {"no peers", 0, 0, 0, 0, 0, 0, 4096, 1, 1},
    {"one peer, no allowed IPs", 1, 0, 9, 0, 0, 0, 4096, 1, 1},
    {"three small peers", 3, 2, 9, 0, 0, 0, 4096, 1, 1},
    {"300 peers", 300, 1, 999, 0, WGDEV_REPLACE_PEERS, 0, 4096, 5, 100},
    {"one peer, 2000 allowed IPs", 1, 0, 0, 2000, 0, WGPEER_REPLACE_ALLOWEDIPS, 4096, 10, 100},
    {"300 peers, #7 with 2000 allowed IPs", 300, 2, 7, 2000, WGDEV_REPLACE_PEERS,
     WGPEER_REPLACE_ALLOWEDIPS, 4096, 20, 200},
    {"tiny buffer, 20 peers x 20", 20, 20, 99, 0, WGDEV_REPLACE_PEERS, WGPEER_REPLACE_ALLOWEDIPS,
     200, 20, 2000},
    {"8 KiB buffer, 50 peers x 100", 50, 100, 99, 0, 0, 0, 8192, 5, 100},
};

static void
test_set_split(void)
{
	size_t i;

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		struct wg_device *dev, *got;
		unsigned errors = 0;
		int rc;

		dev = test_device(set_cases[i].npeers, set_cases[i].aips, set_cases[i].big_idx,
		                  set_cases[i].big_aips, set_cases[i].dflags, set_cases[i].pflags);
		rc = sim_run(dev, NULL, set_cases[i].buflen, &got, &errors);
		ok(rc >= set_cases[i].min_chunks && rc <= set_cases[i].max_chunks,
		   "set %s: %d chunks of <= %zu bytes", set_cases[i].name, rc, set_cases[i].buflen);
		is_int(errors, 0, "set %s: split rules hold", set_cases[i].name);
		ok(device_equal(dev, got), "set %s: every field and allowed IP once",
		   set_cases[i].name);
		wg_device_free(got);
		wg_device_free(dev);
	}
}

/*
 * REPLACE_ALLOWEDIPS split over chunks must replace the old set with the
 * whole new one, not with only its last part.
 */
static void
test_set_replace_split(void)
{
	struct wg_device *old = test_device(1, 0, 0, 500, 0, 0);
	struct wg_device *dev = test_device(1, 0, 99, 0, 0, WGPEER_REPLACE_ALLOWEDIPS);
	struct wg_device *got;
	unsigned errors, i;
	int rc;

	for (i = 0; i < 2000; i++) {
		struct ipprefix p = test_prefix(100000 + i);

		wg_peer_add_allowedip(dev->first_peer, &p);
	}
	rc = sim_run(dev, old, 4096, &got, &errors);
	ok(rc > 1, "replace 500 by 2000 allowed IPs: %d chunks", rc);
	is_int(errors, 0, "replace split: rules hold");
	ok(device_equal(dev, got), "replace split: exactly the new 2000 remain");
	wg_device_free(got);
	wg_device_free(dev);
	wg_device_free(old);
}

/* UPDATE_ONLY must go with the continuation, or the peer would be created there. */
static void
test_set_update_only_split(void)
{
	struct wg_device *dev = test_device(1, 0, 0, 1500, 0, WGPEER_UPDATE_ONLY);
	struct wg_device *got, *empty = wg_device_new("wgtest0");
	unsigned errors;
	int rc;

	rc = sim_run(dev, empty, 4096, &got, &errors);
	ok(rc > 1, "update-only peer over %d chunks", rc);
	is_int(wg_device_peer_count(got), 0, "update-only: absent peer never created");
	wg_device_free(got);
	wg_device_free(empty);
	wg_device_free(dev);
}

static void
test_set_rejects(void)
{
	struct wg_kernel_msg_set it;
	uint8_t buf[4096];
	struct wg_device *dev;
	struct ipprefix p;
	int rc;

	dev = test_device(1, 1, 9, 0, 0, 0);
	dev->first_peer->flags &= ~(uint32_t)WGPEER_HAS_PUBLIC_KEY;
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1), -EINVAL,
	       "set: peer without public key is -EINVAL");
	wg_device_free(dev);

	dev = test_device(1, 0, 9, 0, 0, 0);
	memset(&p, 0, sizeof(p));
	wg_peer_add_allowedip(dev->first_peer, &p);
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1), -EINVAL,
	       "set: allowed IP of no family is -EINVAL");
	wg_device_free(dev);

	dev = test_device(1, 0, 9, 0, 0, 0);
	p = test_prefix(0);
	p.len = 33;
	wg_peer_add_allowedip(dev->first_peer, &p);
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1), -EINVAL,
	       "set: IPv4 allowed IP /33 is -EINVAL");
	wg_device_free(dev);

	dev = test_device(1, 0, 9, 0, 0, 0);
	memset(&dev->first_peer->endpoint, 0, sizeof(dev->first_peer->endpoint));
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1), -EINVAL,
	       "set: endpoint of no family is -EINVAL");
	wg_device_free(dev);

	dev = test_device(0, 0, 9, 0, 0, 0);
	dev->name[0] = '\0';
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1), -EINVAL,
	       "set: no name and no ifindex is -EINVAL");
	dev->ifindex = 7;
	wg_kernel_msg_set_init(&it, dev);
	rc = wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1);
	ok(rc > 0 && mnl_attr_get_type(mnl_nlmsg_get_payload_offset(
	                 (struct nlmsghdr *)buf, sizeof(struct genlmsghdr))) == WGDEVICE_A_IFINDEX,
	   "set: ifindex addresses the device when known");
	wg_kernel_msg_set_init(&it, dev);
	is_int(wg_kernel_msg_set_next(&it, buf, 16, FAMILY, 1), -EMSGSIZE,
	       "set: 16-byte buffer is -EMSGSIZE");
	wg_device_free(dev);

	/* Room for the device fields but not for one peer: chunk 1, then no progress. */
	dev = test_device(1, 0, 9, 0, 0, 0);
	wg_kernel_msg_set_init(&it, dev);
	rc = wg_kernel_msg_set_next(&it, buf, 120, FAMILY, 1);
	ok(rc > 0 && rc <= 120, "set: device fields alone fit in 120 bytes (%d)", rc);
	is_int(wg_kernel_msg_set_next(&it, buf, 120, FAMILY, 2), -EMSGSIZE,
	       "set: a peer that never fits is -EMSGSIZE");
	wg_device_free(dev);

	dev = test_device(0, 0, 9, 0, 0, 0);
	wg_kernel_msg_set_init(&it, dev);
	ok(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 1) > 0,
	   "set: a device without peers gives one chunk");
	is_int(wg_kernel_msg_set_next(&it, buf, sizeof(buf), FAMILY, 2), 0, "set: then the end");
	wg_device_free(dev);
}

/* ---- GET: synthetic dumps ---------------------------------------------- */

struct dg {
	uint8_t buf[8192];
	size_t len;
	struct nlmsghdr *nlh; /* message being built */
};

static struct nlmsghdr *
dg_msg(struct dg *d, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf + d->len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = PORTID;
	d->nlh = nlh;
	return nlh;
}

static void
dg_end(struct dg *d)
{
	d->len += NLMSG_ALIGN(d->nlh->nlmsg_len);
}

static struct nlmsghdr *
dg_genl(struct dg *d, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = dg_msg(d, type, NLM_F_MULTI | flags, SEQ);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static void
dg_done(struct dg *d, int error, uint16_t flags)
{
	struct nlmsghdr *nlh = dg_msg(d, NLMSG_DONE, NLM_F_MULTI | flags, SEQ);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = error;
	dg_end(d);
}

static void
dg_error(struct dg *d, int error, uint32_t seq)
{
	struct nlmsghdr *nlh = dg_msg(d, NLMSG_ERROR, 0, seq);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg.nlmsg_seq = seq;
	dg_end(d);
}

static void
put_aip(struct nlmsghdr *nlh, const char *prefix)
{
	struct ipprefix p;
	struct nlattr *n = mnl_attr_nest_start(nlh, 0);

	ipprefix_parse(&p, prefix, false);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, p.addr.family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, ipaddr_len(&p.addr), p.addr.bytes);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, p.len);
	mnl_attr_nest_end(nlh, n);
}

static void
put_sockaddr_in(struct nlmsghdr *nlh, const char *ep)
{
	struct endpoint e;
	struct sockaddr_storage ss;
	socklen_t len;

	endpoint_parse(&e, ep);
	len = endpoint_to_sockaddr(&e, &ss);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, len, &ss);
}

/* The first message of a good dump: device fields + peer 1 (3 of its IPs). */
static void
dump_msg1(struct dg *d, uint16_t flags)
{
	struct nlmsghdr *nlh = dg_genl(d, FAMILY, WG_CMD_GET_DEVICE, flags);
	struct nlattr *peers, *peer, *aips;
	struct __kernel_timespec ts = {1700000000, 123456789};
	uint8_t key[WG_KEY_LEN];

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 12);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wgdump0");
	test_key(key, 1, 0xaa);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, key);
	test_key(key, 2, 0xab);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, key);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x1234);
	mnl_attr_put_u32(nlh, 99, 0); /* unknown: ignored */
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	test_key(key, 1, 0x11);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	test_key(key, 1, 0x22);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, key);
	put_sockaddr_in(nlh, "203.0.113.9:51821");
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1000);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 2000);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, "10.1.0.1/32");
	put_aip(nlh, "10.2.0.0/16");
	put_aip(nlh, "fd00::/64");
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	dg_end(d);
}

/* The second message: peer 1 continued (key + 2 IPs), then peer 2. */
static void
dump_msg2(struct dg *d, uint16_t flags)
{
	struct nlmsghdr *nlh = dg_genl(d, FAMILY, WG_CMD_GET_DEVICE, flags);
	struct nlattr *peers, *peer, *aips;
	struct __kernel_timespec ts = {0, 0};
	uint8_t key[WG_KEY_LEN];

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 12);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	test_key(key, 1, 0x11);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, "10.3.0.0/24");
	put_aip(nlh, "fd00:1::1/128");
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	peer = mnl_attr_nest_start(nlh, 0);
	test_key(key, 2, 0x11);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	memset(key, 0, sizeof(key));
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, key);
	put_sockaddr_in(nlh, "[2001:db8::2]:4000");
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 0);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, "10.9.9.9/32");
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	dg_end(d);
}

static void
test_dump_good(void)
{
	struct wg_kernel_msg_dump d;
	struct dg *d1 = calloc(1, sizeof(*d1)), *d2 = calloc(1, sizeof(*d2));
	const struct wg_peer *p1, *p2;
	uint8_t key[WG_KEY_LEN];
	char buf[ENDPOINT_STRLEN], all[512];
	const struct wg_allowedip *aip;
	size_t cut;
	int rc, bad = 0;

	dump_msg1(d1, 0);
	dump_msg2(d2, 0);
	dg_done(d2, 0, 0);

	memset(&d, 0, sizeof(d));
	d.family = FAMILY;
	d.seq = SEQ;
	d.portid = PORTID;
	d.dev = wg_device_new("x");
	is_int(wg_kernel_msg_dump_parse(&d, d1->buf, d1->len), 1, "dump: datagram 1 wants more");
	is_int(wg_kernel_msg_dump_parse(&d, d2->buf, d2->len), 0, "dump: datagram 2 ends it");
	ok(d.ended && !d.interrupted, "dump: ended, not interrupted");
	is_str(d.dev->name, "wgdump0", "dump: name");
	is_int(d.dev->ifindex, 12, "dump: ifindex");
	is_int(d.dev->listen_port, 51820, "dump: listen port");
	is_int(d.dev->fwmark, 0x1234, "dump: fwmark");
	test_key(key, 1, 0xaa);
	ok((d.dev->flags & WGDEV_HAS_PRIVATE_KEY) && wg_key_equal(d.dev->private_key, key),
	   "dump: private key");
	test_key(key, 2, 0xab);
	ok((d.dev->flags & WGDEV_HAS_PUBLIC_KEY) && wg_key_equal(d.dev->public_key, key),
	   "dump: public key");
	is_int(wg_device_peer_count(d.dev), 2, "dump: split peer merged: 2 peers");
	p1 = d.dev->first_peer;
	p2 = p1->next;
	is_int(wg_peer_allowedip_count(p1), 5, "dump: peer 1 has its 5 allowed IPs");
	all[0] = '\0';
	for (aip = p1->first_allowedip; aip != NULL; aip = aip->next) {
		strcat(all, ipprefix_fmt(&aip->prefix, buf, sizeof(buf)));
		strcat(all, aip->next ? "," : "");
	}
	is_str(all, "10.1.0.1/32,10.2.0.0/16,fd00::/64,10.3.0.0/24,fd00:1::1/128",
	       "dump: peer 1 allowed IPs in order");
	is_str(endpoint_fmt(&p1->endpoint, buf, sizeof(buf)), "203.0.113.9:51821",
	       "dump: peer 1 endpoint");
	ok(p1->flags & WGPEER_HAS_PRESHARED_KEY, "dump: peer 1 has a preshared key");
	is_int(p1->keepalive_s, 25, "dump: peer 1 keepalive");
	ok(p1->last_handshake.tv_sec == 1700000000 && p1->last_handshake.tv_nsec == 123456789,
	   "dump: peer 1 last handshake");
	ok(p1->rx_bytes == 1000 && p1->tx_bytes == 2000, "dump: peer 1 rx/tx");
	is_str(endpoint_fmt(&p2->endpoint, buf, sizeof(buf)), "[2001:db8::2]:4000",
	       "dump: peer 2 IPv6 endpoint");
	ok(!(p2->flags & WGPEER_HAS_PRESHARED_KEY), "dump: zero preshared key means none");
	ok(p2->keepalive_s == 0 && (p2->flags & WGPEER_HAS_KEEPALIVE), "dump: keepalive off");
	is_int(wg_peer_allowedip_count(p2), 1, "dump: peer 2 allowed IPs");
	wg_device_free(d.dev);

	/* Every truncation of datagram 1 is rejected or incomplete; none crashes. */
	for (cut = 0; cut < d1->len; cut++) {
		memset(&d, 0, sizeof(d));
		d.family = FAMILY;
		d.seq = SEQ;
		d.portid = PORTID;
		d.dev = wg_device_new("x");
		rc = wg_kernel_msg_dump_parse(&d, d1->buf, cut);
		if (rc == 0)
			bad++;
		wg_device_free(d.dev);
	}
	is_int(bad, 0, "dump: %zu truncations never parse as complete", d1->len);

	/* Drain mode: no device, only the framing. */
	memset(&d, 0, sizeof(d));
	d.family = FAMILY;
	d.seq = SEQ;
	d.portid = PORTID;
	is_int(wg_kernel_msg_dump_parse(&d, d1->buf, d1->len), 1, "drain: datagram 1");
	is_int(wg_kernel_msg_dump_parse(&d, d2->buf, d2->len), 0, "drain: datagram 2 ends");
	free(d1);
	free(d2);
}

static void
test_dump_intr(void)
{
	struct wg_kernel_msg_dump d;
	struct dg *dg = calloc(1, sizeof(*dg));

	dump_msg1(dg, NLM_F_DUMP_INTR);
	dump_msg2(dg, 0);
	dg_done(dg, 0, NLM_F_DUMP_INTR);
	memset(&d, 0, sizeof(d));
	d.family = FAMILY;
	d.seq = SEQ;
	d.portid = PORTID;
	d.dev = wg_device_new("x");
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EINTR,
	       "dump: NLM_F_DUMP_INTR gives -EINTR at the end");
	ok(d.interrupted && d.ended, "dump: interrupted and ended");
	wg_device_free(d.dev);
	free(dg);
}

enum corrupt {
	C_PUBKEY_31,
	C_PORT_U32,
	C_ENDPOINT_10,
	C_ENDPOINT_V6_SHORT,
	C_AIP_FAMILY_MISMATCH,
	C_AIP_CIDR_33,
	C_AIP_NO_CIDR,
	C_AIP_FAMILY_UNKNOWN,
	C_IFNAME_NO_NUL,
	C_IFNAME_LONG,
	C_HANDSHAKE_8,
	C_HANDSHAKE_NSEC,
	C_PEER_NO_KEY,
	C_ATTR_CUT,
	C_RX_U32,
	C_PEERS_NOT_NESTED,
};

static const struct {
	enum corrupt what;
	const char *name;
	int rc;
} dump_rejects[] = {
    {C_PUBKEY_31, "31-byte public key", -EBADMSG},
    {C_PORT_U32, "listen port as u32", -EBADMSG},
    {C_ENDPOINT_10, "10-byte endpoint", -EBADMSG},
    {C_ENDPOINT_V6_SHORT, "AF_INET6 endpoint of sockaddr_in size", -EBADMSG},
    {C_AIP_FAMILY_MISMATCH, "AF_INET allowed IP with 16 bytes", -EBADMSG},
    {C_AIP_CIDR_33, "IPv4 allowed IP /33", -EBADMSG},
    {C_AIP_NO_CIDR, "allowed IP without cidr", -EBADMSG},
    {C_AIP_FAMILY_UNKNOWN, "allowed IP of family 99", -EBADMSG},
    {C_IFNAME_NO_NUL, "ifname without NUL", -EBADMSG},
    {C_IFNAME_LONG, "ifname of 20 characters", -EBADMSG},
    {C_HANDSHAKE_8, "8-byte handshake time", -EBADMSG},
    {C_HANDSHAKE_NSEC, "handshake nsec >= 1e9", -EBADMSG},
    {C_PEER_NO_KEY, "peer without public key", -EBADMSG},
    {C_ATTR_CUT, "attribute longer than its message", -EBADMSG},
    {C_RX_U32, "rx bytes as u32", -EBADMSG},
    {C_PEERS_NOT_NESTED, "peers attribute of 2 bytes", -EBADMSG},
};

static void
build_corrupt(struct dg *dg, enum corrupt what)
{
	struct nlmsghdr *nlh = dg_genl(dg, FAMILY, WG_CMD_GET_DEVICE, 0);
	struct nlattr *peers, *peer, *aips, *aip;
	uint8_t key[WG_KEY_LEN], bytes[32];
	struct __kernel_timespec ts = {1, 1000000000LL};

	memset(bytes, 0, sizeof(bytes));
	test_key(key, 1, 0x11);
	switch (what) {
	case C_PORT_U32:
		mnl_attr_put_u32(nlh, WGDEVICE_A_LISTEN_PORT, 1);
		break;
	case C_IFNAME_NO_NUL:
		mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 4, "wg0x");
		break;
	case C_IFNAME_LONG:
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg012345678901234567");
		break;
	case C_PEERS_NOT_NESTED:
		mnl_attr_put(nlh, WGDEVICE_A_PEERS, 2, "xx");
		break;
	default:
		break;
	}
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	if (what == C_PUBKEY_31)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 31, key);
	else if (what != C_PEER_NO_KEY)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	if (what == C_ENDPOINT_10)
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, 10, bytes);
	if (what == C_ENDPOINT_V6_SHORT) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET6;
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	}
	if (what == C_HANDSHAKE_8)
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, 8, bytes);
	if (what == C_HANDSHAKE_NSEC)
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	if (what == C_RX_U32)
		mnl_attr_put_u32(nlh, WGPEER_A_RX_BYTES, 5);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	aip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, what == C_AIP_FAMILY_UNKNOWN ? 99 : AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, what == C_AIP_FAMILY_MISMATCH ? 16 : 4, bytes);
	if (what != C_AIP_NO_CIDR)
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, what == C_AIP_CIDR_33 ? 33 : 8);
	mnl_attr_nest_end(nlh, aip);
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	if (what == C_ATTR_CUT) {
		/* The last attribute claims 8 bytes more than the message has. */
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

		a->nla_type = WGDEVICE_A_FWMARK;
		a->nla_len = 16;
		nlh->nlmsg_len += 8;
	}
	dg_end(dg);
	dg_done(dg, 0, 0);
}

static void
test_dump_rejects(void)
{
	size_t i;

	for (i = 0; i < sizeof(dump_rejects) / sizeof(dump_rejects[0]); i++) {
		struct dg *dg = calloc(1, sizeof(*dg));
		struct wg_kernel_msg_dump d;

		build_corrupt(dg, dump_rejects[i].what);
		memset(&d, 0, sizeof(d));
		d.family = FAMILY;
		d.seq = SEQ;
		d.portid = PORTID;
		d.dev = wg_device_new("x");
		is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), dump_rejects[i].rc,
		       "dump reject: %s", dump_rejects[i].name);
		ok(!d.ended, "dump reject: %s: dump left to drain", dump_rejects[i].name);
		wg_device_free(d.dev);
		free(dg);
	}
}

static void
test_dump_framing(void)
{
	struct wg_kernel_msg_dump d;
	struct dg *dg = calloc(1, sizeof(*dg));
	struct wg_device *dev = wg_device_new("x");
	struct nlmsghdr *nlh;

#define RESET()                                                                                    \
	do {                                                                                       \
		memset(dg, 0, sizeof(*dg));                                                        \
		memset(&d, 0, sizeof(d));                                                          \
		d.family = FAMILY;                                                                 \
		d.seq = SEQ;                                                                       \
		d.portid = PORTID;                                                                 \
		d.dev = dev;                                                                       \
	} while (0)

	RESET();
	dg_error(dg, -ENODEV, SEQ);
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -ENODEV,
	       "dump: kernel error -ENODEV passed on");
	ok(d.ended, "dump: an error ends the dump");

	RESET();
	dump_msg1(dg, 0);
	dg_done(dg, -EMSGSIZE, 0);
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EMSGSIZE,
	       "dump: error in NLMSG_DONE passed on");

	RESET();
	dump_msg1(dg, 0);
	((struct nlmsghdr *)dg->buf)->nlmsg_seq = SEQ + 1;
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -ESRCH,
	       "dump: another request's sequence is -ESRCH");

	RESET();
	dump_msg1(dg, 0);
	((struct nlmsghdr *)dg->buf)->nlmsg_pid = PORTID + 1;
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -ESRCH,
	       "dump: another port id is -ESRCH");

	RESET();
	dg_genl(dg, FAMILY + 1, WG_CMD_GET_DEVICE, 0);
	dg_end(dg);
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EPROTO,
	       "dump: another family is -EPROTO");

	RESET();
	dg_genl(dg, FAMILY, WG_CMD_SET_DEVICE, 0);
	dg_end(dg);
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EPROTO,
	       "dump: another command is -EPROTO");

	RESET();
	nlh = dg_msg(dg, FAMILY, NLM_F_MULTI, SEQ);
	dg_end(dg);
	(void)nlh;
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EBADMSG,
	       "dump: message without genl header is -EBADMSG");

	RESET();
	dump_msg1(dg, 0);
	((struct nlmsghdr *)dg->buf)->nlmsg_len += 64;
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len), -EBADMSG,
	       "dump: message longer than the datagram is -EBADMSG");

	RESET();
	dump_msg1(dg, 0);
	is_int(wg_kernel_msg_dump_parse(&d, dg->buf, dg->len + 7), -EBADMSG,
	       "dump: trailing garbage is -EBADMSG");

	/* Acks and the family lookup. */
	RESET();
	{
		bool ended = false;

		dg_error(dg, 0, SEQ);
		is_int(wg_kernel_msg_ack_parse(dg->buf, dg->len, SEQ, PORTID, &ended), 0,
		       "ack: positive");
		ok(ended, "ack: ended");
		RESET();
		dg_error(dg, -EPERM, SEQ);
		is_int(wg_kernel_msg_ack_parse(dg->buf, dg->len, SEQ, PORTID, &ended), -EPERM,
		       "ack: -EPERM passed on");
		RESET();
		dump_msg1(dg, 0);
		is_int(wg_kernel_msg_ack_parse(dg->buf, dg->len, SEQ, PORTID, &ended), -EPROTO,
		       "ack: a data message is -EPROTO");
		ok(!ended, "ack: not ended by a data message");
	}

	RESET();
	{
		uint16_t fam = 0;
		struct genlmsghdr *g;

		nlh = dg_msg(dg, GENL_ID_CTRL, 0, SEQ);
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = CTRL_CMD_NEWFAMILY;
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "wireguard");
		mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x21);
		dg_end(dg);
		is_int(wg_kernel_msg_family_parse(dg->buf, dg->len, SEQ, PORTID, &fam), 1,
		       "family: reply wants the ack");
		is_int(fam, 0x21, "family: id");
		RESET();
		dg_error(dg, -ENOENT, SEQ);
		is_int(wg_kernel_msg_family_parse(dg->buf, dg->len, SEQ, PORTID, &fam), -ENOENT,
		       "family: unknown family is -ENOENT");
		ok(wg_kernel_msg_family_build(dg->buf, 16, 1, "wireguard") == -EMSGSIZE,
		   "family: 16-byte buffer is -EMSGSIZE");
		ok(wg_kernel_msg_get_build(dg->buf, sizeof(dg->buf), FAMILY, 1, "") == -EINVAL,
		   "get: empty name is -EINVAL");
		ok(wg_kernel_msg_get_build(dg->buf, sizeof(dg->buf), FAMILY, 1,
		                           "wg0123456789012345") == -EINVAL,
		   "get: name too long is -EINVAL");
		nlh = (struct nlmsghdr *)dg->buf;
		ok(wg_kernel_msg_get_build(dg->buf, sizeof(dg->buf), FAMILY, 9, "wg0") > 0 &&
		       nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP) && nlh->nlmsg_seq == 9 &&
		       nlh->nlmsg_type == FAMILY,
		   "get: dump request header");
	}
#undef RESET
	wg_device_free(dev);
	free(dg);
}

/* The host may or may not have WireGuard; either way the answer is coherent. */
static void
test_available(void)
{
	struct wg_kernel *k;
	struct wg_device *dev = NULL;
	int avail = wg_kernel_available();

	ok(avail == 0 || avail == 1, "wg_kernel_available() is 0 or 1 (%d)", avail);
	is_str(wg_kernel_strerror(WG_KERNEL_ENOWG), "kernel has no WireGuard",
	       "the no-WireGuard message");
	if (avail == 0 && wg_kernel_open(&k) == 0) {
		is_int(wg_kernel_get(k, "wg0", &dev), WG_KERNEL_ENOWG,
		       "no WireGuard here: get is WG_KERNEL_ENOWG");
		wg_kernel_close(k);
	} else {
		ok(1, "# SKIP this kernel has WireGuard");
	}
	is_str(wg_kernel_ops.name, "kernel", "backend name");
}

int
main(void)
{
	test_set_split();
	test_set_replace_split();
	test_set_update_only_split();
	test_set_rejects();
	test_dump_good();
	test_dump_intr();
	test_dump_rejects();
	test_dump_framing();
	test_available();
	return tap_done();
}
