/*
 * blast: the hostile side of tests/net/mesh_blast.sh. Two modes:
 *
 *   blast capture PORT COUNT TIMEOUT_S FILE
 *       Record the payloads of up to COUNT UDP datagrams received (not sent)
 *       on any interface of the current network namespace with destination
 *       port PORT, IPv4 or IPv6, for at most TIMEOUT_S seconds, into FILE as
 *       (u16 big-endian length, bytes) records. Prints the number captured;
 *       exit status 1 if none. Needs CAP_NET_RAW (a packet socket).
 *
 *   blast send ADDR PORT FILE RANDOM HEADER REPLAYS RATE
 *       Send to ADDR:PORT, interleaved:
 *         RANDOM   random bytes of random length 0..1500, every 500th one
 *                  65000 bytes (sent fragmented);
 *         HEADER   a valid clear header (magic, version, key id and sender
 *                  of a captured datagram from FILE, a random counter and
 *                  nonce) followed by random "ciphertext" of a random length;
 *         REPLAYS  times each captured datagram, byte for byte;
 *       at most RATE datagrams per second. Prints "sent=N random=N header=N
 *       replay=N errors=N seconds=S". Exit status 1 if FILE holds no usable
 *       datagram.
 *
 * Vocabulary: a "capture" is the list of recorded payloads, at most CAP_MAX.
 * Nothing here knows the shared key: the garbage is made from what an outsider
 * on the path could see.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/seal.h"

#define CAP_MAX   256
#define BIG_SIZE  65000
#define HDR_FIXED 38 /* magic, version, key id, sender: kept from a capture */

struct capture {
	size_t n;
	size_t len[CAP_MAX];
	uint8_t *buf[CAP_MAX];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, good enough for garbage, seeded from the clock and pid. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void
rng_fill(uint8_t *p, size_t n)
{
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			v = rng();
		p[i] = (uint8_t)(v >> (8 * (i % 8)));
	}
}

/* The UDP payload of an IP packet to port, or NULL. */
static const uint8_t *
udp_payload(const uint8_t *p, size_t n, uint16_t port, size_t *plen)
{
	size_t off, ulen;

	if (n < 1)
		return NULL;
	if (p[0] >> 4 == 4) {
		if (n < 20 || p[9] != IPPROTO_UDP || (p[6] & 0x3f) != 0 || p[7] != 0)
			return NULL; /* a fragment: not worth reassembling here */
		off = (size_t)(p[0] & 15) * 4;
	} else if (p[0] >> 4 == 6) {
		if (n < 40 || p[6] != IPPROTO_UDP)
			return NULL;
		off = 40;
	} else {
		return NULL;
	}
	if (n < off + 8 || (uint16_t)(p[off + 2] << 8 | p[off + 3]) != port)
		return NULL;
	ulen = (size_t)(p[off + 4] << 8 | p[off + 5]);
	if (ulen < 8 || off + ulen > n)
		return NULL;
	*plen = ulen - 8;
	return p + off + 8;
}

static int
do_capture(uint16_t port, size_t count, double timeout, const char *path)
{
	static uint8_t pkt[65536];
	struct sockaddr_ll from = {0};
	socklen_t flen;
	const uint8_t *pl;
	size_t got = 0, plen;
	double deadline = now() + timeout;
	FILE *f;
	int fd;

	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("blast: packet socket");
		return 1;
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		close(fd);
		return 1;
	}
	while (got < count && now() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		flen = sizeof(from);
		r = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &flen);
		if (r < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		pl = udp_payload(pkt, (size_t)r, port, &plen);
		if (pl == NULL || plen < SEAL_MIN_DATAGRAM || plen > SEAL_MAX_DATAGRAM ||
		    memcmp(pl, SEAL_MAGIC, 4) != 0)
			continue;
		fputc((int)(plen >> 8), f);
		fputc((int)(plen & 255), f);
		fwrite(pl, 1, plen, f);
		got++;
	}
	close(fd);
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	printf("captured=%zu\n", got);
	return got > 0 ? 0 : 1;
}

static int
load(struct capture *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	int hi, lo;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	c->n = 0;
	while (c->n < CAP_MAX && (hi = fgetc(f)) != EOF && (lo = fgetc(f)) != EOF) {
		size_t len = (size_t)(hi << 8 | lo);
		uint8_t *b = malloc(len > 0 ? len : 1);

		if (b == NULL || fread(b, 1, len, f) != len) {
			free(b);
			break;
		}
		c->buf[c->n] = b;
		c->len[c->n++] = len;
	}
	fclose(f);
	return c->n > 0 ? 0 : -1;
}

static int
do_send(const char *addr, uint16_t port, const char *path, unsigned long nrandom,
        unsigned long nheader, unsigned long nreplay, unsigned long rate)
{
	static uint8_t d[BIG_SIZE];
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct capture cap;
	unsigned long sent = 0, r = 0, h = 0, errors = 0, total, i;
	size_t k = 0, rep = 0;
	double t0 = now();
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sslen = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "blast: bad address %s\n", addr);
		return 1;
	}
	if (load(&cap, path) < 0) {
		fprintf(stderr, "blast: no datagram in %s\n", path);
		return 1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("blast: socket");
		return 1;
	}
	total = nrandom + nheader + nreplay * cap.n;
	for (i = 0; i < total; i++) {
		const uint8_t *p = d;
		size_t len;
		/* Which kind next: spread the three evenly over the run. */
		unsigned long want_r = (unsigned long)((double)nrandom * (i + 1) / total);
		unsigned long want_h = (unsigned long)((double)nheader * (i + 1) / total);

		if (r < want_r) {
			len = (++r % 500 == 0) ? BIG_SIZE : (size_t)(rng() % 1501);
			rng_fill(d, len);
		} else if (h < want_h) {
			const uint8_t *src = cap.buf[h++ % cap.n];

			len = SEAL_HEADER_LEN +
			      (size_t)(rng() % (SEAL_MAX_DATAGRAM - SEAL_HEADER_LEN + 1));
			memcpy(d, src, HDR_FIXED);
			rng_fill(d + HDR_FIXED, len - HDR_FIXED);
		} else if (rep < nreplay * cap.n) {
			p = cap.buf[k];
			len = cap.len[k];
			k = (k + 1) % cap.n;
			rep++;
		} else if (r < nrandom) {
			len = (size_t)(rng() % 1501);
			rng_fill(d, len);
			r++;
		} else {
			const uint8_t *src = cap.buf[h++ % cap.n];

			len = SEAL_MIN_DATAGRAM;
			memcpy(d, src, HDR_FIXED);
			rng_fill(d + HDR_FIXED, len - HDR_FIXED);
		}
		if (sendto(fd, p, len, 0, (struct sockaddr *)&ss, sslen) < 0)
			errors++;
		else
			sent++;
		/* Pace: never ahead of RATE per second. */
		while (rate > 0 && (double)(i + 1) / rate > now() - t0 + 0.005)
			usleep(1000);
	}
	close(fd);
	printf("sent=%lu random=%lu header=%lu replay=%zu errors=%lu seconds=%.2f\n", sent, r, h,
	       rep, errors, now() - t0);
	for (k = 0; k < cap.n; k++)
		free(cap.buf[k]);
	return 0;
}

static unsigned long
num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "blast: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	rng_state = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && strcmp(argv[1], "capture") == 0)
		return do_capture((uint16_t)num(argv[2]), num(argv[3]), (double)num(argv[4]),
		                  argv[5]);
	if (argc == 9 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], (uint16_t)num(argv[3]), argv[4], num(argv[5]), num(argv[6]),
		               num(argv[7]), num(argv[8]));
	fprintf(stderr, "usage: blast capture PORT COUNT TIMEOUT_S FILE\n"
	                "       blast send ADDR PORT FILE RANDOM HEADER REPLAYS RATE\n");
	return 2;
}
