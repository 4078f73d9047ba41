/*
 * wg_kernel: socket I/O of the kernel WireGuard backend (see wg_kernel.h).
 *
 * Owns: the netlink socket of a context, its transmit buffer (one chunk,
 * MNL_SOCKET_BUFFER_SIZE) and receive buffer (WG_KERNEL_RXBUF, large enough
 * for the biggest datagram a dump sends), its sequence counter and the cached
 * family id (0 = not resolved yet).
 *
 * Invariant: between requests no answer is pending on the socket. A request
 * whose answer could not be read to its end (a malformed or foreign message,
 * a receive error) resets the socket, so a stale answer never meets the
 * next request.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sodium.h>

#include "platform/wg_kernel.h"
#include "platform/wg_kernel_msg.h"
#include "src/log.h"

#define WG_KERNEL_RXBUF      32768 /* the most the kernel puts in one dump datagram */
#define WG_KERNEL_DUMP_TRIES 5

struct wg_kernel {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family; /* 0 = not resolved yet */
	size_t txlen;
	uint8_t *txbuf;
	uint8_t *rxbuf;
};

static int
kernel_socket_open(struct wg_kernel *k)
{
	int err, one = 1;

	k->nl = mnl_socket_open(NETLINK_GENERIC);
	if (k->nl == NULL)
		return errno == EPROTONOSUPPORT ? WG_KERNEL_ENOWG : -errno;
	if (mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(k->nl);
		k->nl = NULL;
		return err;
	}
	k->portid = mnl_socket_get_portid(k->nl);
	/* Error acks without a copy of the request (it may hold keys); old kernels lack it. */
	(void)mnl_socket_setsockopt(k->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

/* Throw the socket away with whatever is still queued on it. */
static int
kernel_socket_reset(struct wg_kernel *k)
{
	log_debug("wg_kernel: resetting the netlink socket");
	if (k->nl != NULL)
		mnl_socket_close(k->nl);
	k->nl = NULL;
	return kernel_socket_open(k);
}

int
wg_kernel_open(struct wg_kernel **out)
{
	struct wg_kernel *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL)
		return -ENOMEM;
	k->txlen = MNL_SOCKET_BUFFER_SIZE;
	/* Zeroed: message padding the builders skip must not carry old heap bytes. */
	k->txbuf = calloc(1, k->txlen);
	k->rxbuf = malloc(WG_KERNEL_RXBUF);
	if (k->txbuf == NULL || k->rxbuf == NULL) {
		wg_kernel_close(k);
		return -ENOMEM;
	}
	rc = kernel_socket_open(k);
	if (rc < 0) {
		wg_kernel_close(k);
		return rc;
	}
	k->seq = (uint32_t)time(NULL);
	*out = k;
	return 0;
}

void
wg_kernel_close(struct wg_kernel *k)
{
	if (k == NULL)
		return;
	if (k->nl != NULL)
		mnl_socket_close(k->nl);
	/* Chunks of a set and dumps hold private and preshared keys. */
	if (k->txbuf != NULL)
		sodium_memzero(k->txbuf, k->txlen);
	if (k->rxbuf != NULL)
		sodium_memzero(k->rxbuf, WG_KERNEL_RXBUF);
	free(k->txbuf);
	free(k->rxbuf);
	free(k);
}

const char *
wg_kernel_strerror(int err)
{
	if (err == WG_KERNEL_ENOWG)
		return WG_KERNEL_ENOWG_MSG;
	return strerror(-err);
}

static int
kernel_send(struct wg_kernel *k, size_t len)
{
	ssize_t n;
	int rc;

	/* A reset that failed left no socket: try again now. */
	if (k->nl == NULL && (rc = kernel_socket_open(k)) < 0)
		return rc;
	n = mnl_socket_sendto(k->nl, k->txbuf, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* One datagram into rxbuf: its length, or -errno (-ENOSPC: truncated). */
static int
kernel_recv(struct wg_kernel *k)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(k->nl, k->rxbuf, WG_KERNEL_RXBUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (int)n;
}

/* Resolve the family id once per context. */
static int
kernel_family(struct wg_kernel *k)
{
	uint16_t family = 0;
	int rc, len;

	if (k->family != 0)
		return 0;
	rc = wg_kernel_msg_family_build(k->txbuf, k->txlen, ++k->seq, "wireguard");
	if (rc < 0)
		return rc;
	rc = kernel_send(k, (size_t)rc);
	while (rc >= 0) {
		len = kernel_recv(k);
		if (len < 0) {
			rc = len;
			break;
		}
		rc = wg_kernel_msg_family_parse(k->rxbuf, (size_t)len, k->seq, k->portid, &family);
		if (rc <= 0)
			break;
	}
	if (rc == -ENOENT)
		return WG_KERNEL_ENOWG;
	if (rc < 0) {
		kernel_socket_reset(k);
		return rc;
	}
	if (family == 0)
		return -EPROTO;
	k->family = family;
	return 0;
}

int
wg_kernel_available(void)
{
	struct wg_kernel *k;
	int rc;

	if (wg_kernel_open(&k) < 0)
		return 0;
	rc = kernel_family(k);
	wg_kernel_close(k);
	return rc == 0;
}

/*
 * Wait for the ack of the request with sequence number k->seq. When the
 * answer could not be read to its end, the socket is reset.
 */
static int
kernel_wait_ack(struct wg_kernel *k)
{
	bool ended = false;
	int rc, len;

	for (;;) {
		len = kernel_recv(k);
		if (len < 0) {
			rc = len;
			break;
		}
		rc = wg_kernel_msg_ack_parse(k->rxbuf, (size_t)len, k->seq, k->portid, &ended);
		if (rc <= 0)
			break;
	}
	if (rc < 0 && !ended)
		kernel_socket_reset(k);
	return rc;
}

int
wg_kernel_set(struct wg_kernel *k, const struct wg_device *dev)
{
	struct wg_kernel_msg_set it;
	unsigned chunk = 0;
	int rc;

	rc = kernel_family(k);
	if (rc < 0)
		return rc;
	wg_kernel_msg_set_init(&it, dev);
	for (;;) {
		rc = wg_kernel_msg_set_next(&it, k->txbuf, k->txlen, k->family, ++k->seq);
		if (rc <= 0)
			break;
		chunk++;
		rc = kernel_send(k, (size_t)rc);
		if (rc == 0)
			rc = kernel_wait_ack(k);
		if (rc < 0) {
			log_debug("wg_kernel: set %s: chunk %u: %s", dev->name, chunk,
			          wg_kernel_strerror(rc));
			break;
		}
	}
	sodium_memzero(k->txbuf, k->txlen);
	sodium_memzero(k->rxbuf, WG_KERNEL_RXBUF);
	return rc;
}

/*
 * Read the rest of an aborted dump so that its answers do not meet the next
 * request; reset the socket when that fails.
 */
static void
kernel_drain(struct wg_kernel *k, struct wg_kernel_msg_dump *d)
{
	int rc, len;

	d->dev = NULL;
	do {
		len = kernel_recv(k);
		if (len < 0) {
			kernel_socket_reset(k);
			return;
		}
		rc = wg_kernel_msg_dump_parse(d, k->rxbuf, (size_t)len);
	} while (rc > 0);
	if (!d->ended)
		kernel_socket_reset(k);
}

/* One dump of ifname into *out. */
static int
kernel_dump(struct wg_kernel *k, const char *ifname, struct wg_device **out)
{
	struct wg_kernel_msg_dump d;
	int rc, len;

	memset(&d, 0, sizeof(d));
	d.dev = wg_device_new(ifname);
	if (d.dev == NULL)
		return -ENOMEM;
	rc = wg_kernel_msg_get_build(k->txbuf, k->txlen, k->family, ++k->seq, ifname);
	if (rc < 0)
		goto fail;
	rc = kernel_send(k, (size_t)rc);
	if (rc < 0)
		goto fail;
	d.family = k->family;
	d.seq = k->seq;
	d.portid = k->portid;
	for (;;) {
		len = kernel_recv(k);
		if (len < 0) {
			rc = len;
			kernel_socket_reset(k);
			goto fail;
		}
		rc = wg_kernel_msg_dump_parse(&d, k->rxbuf, (size_t)len);
		if (rc <= 0)
			break;
	}
	if (rc < 0 && !d.ended)
		kernel_drain(k, &d);
	if (rc < 0)
		goto fail;
	*out = d.dev;
	return 0;
fail:
	wg_device_free(d.dev);
	return rc;
}

int
wg_kernel_get(struct wg_kernel *k, const char *ifname, struct wg_device **out)
{
	int rc, i;

	rc = kernel_family(k);
	if (rc < 0)
		return rc;
	for (i = 0; i < WG_KERNEL_DUMP_TRIES; i++) {
		rc = kernel_dump(k, ifname, out);
		if (rc != -EINTR)
			break;
		log_debug("wg_kernel: dump of %s interrupted, retrying", ifname);
	}
	sodium_memzero(k->rxbuf, WG_KERNEL_RXBUF);
	return rc == -EINTR ? -EAGAIN : rc;
}

static int
kernel_ops_get(void *ctx, const char *ifname, struct wg_device **out)
{
	return wg_kernel_get(ctx, ifname, out);
}

static int
kernel_ops_set(void *ctx, const struct wg_device *dev)
{
	return wg_kernel_set(ctx, dev);
}

const struct wg_backend_ops wg_kernel_ops = {
    .name = "kernel",
    .get = kernel_ops_get,
    .set = kernel_ops_set,
};
