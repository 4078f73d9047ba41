/*
 * pktsample: a sampling packet socket on the WireGuard interface; see
 * pktsample.h for what it reports and why it stays cheap.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/pktsample.h"

int
pktsample_open(int ifindex, uint16_t admin_port)
{
	/*
	 * The packet starts at its IP header (SOCK_DGRAM on an IP device).
	 *   if (version != 4) drop
	 *   if (protocol == UDP && (sport == admin || dport == admin)) drop
	 *   if (random & (RATE-1)) drop
	 *   keep 20 bytes
	 */
	struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		/* 1 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 11),
		/* 3 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 5),
		/* 5 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		/* 6 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, admin_port, 6, 0),
		/* 8 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, admin_port, 4, 0),
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_RANDOM)),
		/* 11 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PKTSAMPLE_RATE - 1),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, 20),
		/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	struct sockaddr_ll sll;
	int fd, e;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* filter before bind, so nothing unfiltered is ever queued */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	/*
	 * ETH_P_ALL, not ETH_P_IP: the kernel hands outgoing packets only to
	 * packet sockets of every protocol (dev_queue_xmit_nit walks ptype_all).
	 * Bound to ETH_P_IP the socket saw incoming packets only, so data that
	 * got no answer (a dead direct path) never counted as use.
	 */
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

int
pktsample_read(int fd, unsigned max, void (*fn)(const struct ipaddr *remote, void *arg),
	       void *arg)
{
	unsigned n = 0;

	while (n < max) {
		uint8_t buf[64];
		struct sockaddr_ll from = {0};
		socklen_t fl = sizeof(from);
		struct ipaddr a;
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (int)n;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n++;
		if (len < 20 || (buf[0] >> 4) != 4)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		memcpy(a.bytes, buf + (from.sll_pkttype == PACKET_OUTGOING ? 16 : 12), 4);
		fn(&a, arg);
	}
	return (int)n;
}
