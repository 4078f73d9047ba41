/*
 * prepunch: a raw UDP datagram with a chosen source port and TTL; see
 * prepunch.h for why.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/prepunch.h"

int
prepunch_send(uint16_t sport, const struct endpoint *dst, int ttl)
{
	struct sockaddr_storage ss;
	uint8_t pkt[12];
	socklen_t sl;
	int fd, rc = 0;

	if (dst->addr.family != AF_INET)
		return -EAFNOSUPPORT;
	sl = endpoint_to_sockaddr(dst, &ss);
	/* UDP header + 4 bytes; checksum 0 (none) is valid for IPv4 */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = (uint8_t)(sport >> 8);
	pkt[1] = (uint8_t)sport;
	pkt[2] = (uint8_t)(dst->port >> 8);
	pkt[3] = (uint8_t)dst->port;
	pkt[5] = sizeof(pkt);
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
	    sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, sl) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
