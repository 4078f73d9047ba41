/*
 * prepunch: open our own NAT towards a peer without reaching the peer's NAT.
 *
 * A Linux NAT (conntrack + masquerade) that receives an unsolicited packet
 * on its public address keeps an entry for it, and the next outgoing packet
 * of the same 5-tuple from inside is then mapped to another port — the
 * punched mapping is lost ("conntrack poisoning"). So before WireGuard sends
 * towards a peer's reflexive endpoint, wgnm sends one UDP packet from
 * WireGuard's own port (a raw socket may use any source port) with a TTL
 * just large enough to pass our own NAT routers and expire before the
 * other side's: it creates our mapping and nothing else.
 */
#ifndef WGNM_PLATFORM_PREPUNCH_H
#define WGNM_PLATFORM_PREPUNCH_H

#include <stdint.h>

#include "proto/ipaddr.h"

/* One UDP datagram from local port sport to dst with the given TTL. 0 or -errno. IPv4 only. */
int prepunch_send(uint16_t sport, const struct endpoint *dst, int ttl);

#endif
