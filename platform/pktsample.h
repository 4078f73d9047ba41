/*
 * pktsample: which overlay peers is this node exchanging data with?
 *
 * A packet socket (AF_PACKET, SOCK_DGRAM) bound to the WireGuard interface
 * for every protocol (the kernel shows outgoing packets only to those) with
 * a classic BPF filter that keeps IPv4 only, 1 packet in
 * PKTSAMPLE_RATE (the kernel's random number, SKF_AD_RANDOM) and only its
 * first 20 bytes (the IPv4 header). For each kept packet the remote address
 * (destination of outgoing packets, source of incoming ones) is reported.
 * The cost stays bounded whatever the traffic: at most 1/PKTSAMPLE_RATE of
 * the packets reach user space, and each read is capped per call.
 * wgnm's own admin traffic never counts as use: between neighbours it is IPv6
 * (probe addresses), and the filter drops IPv4 UDP to or from our admin port
 * (PUNCHes crossing a gateway), so coordinating a direct path cannot keep
 * the pair "in use" by itself.
 */
#ifndef WGNM_PLATFORM_PKTSAMPLE_H
#define WGNM_PLATFORM_PKTSAMPLE_H

#include "proto/ipaddr.h"

#define PKTSAMPLE_RATE 8

/* Open for ifindex, ignoring UDP to/from admin_port. Returns the fd (non-blocking) or -errno. */
int pktsample_open(int ifindex, uint16_t admin_port);
/* Read what is pending (at most max packets); calls fn per sampled packet. Returns count or -errno. */
int pktsample_read(int fd, unsigned max, void (*fn)(const struct ipaddr *remote, void *arg),
		   void *arg);

#endif
