/*
 * wgdiff: the smallest WireGuard set that turns one configuration into another.
 *
 * The core keeps two device models: what it last applied and what it wants
 * now. wg_device_diff() returns a delta (a struct wg_device used as a set
 * request) that, applied to a device holding `applied`, yields `desired`:
 *   - peers only in applied                 → WGPEER_REMOVE_ME
 *   - peers only in desired                 → added with every set field
 *   - peers in both                         → only the fields that changed:
 *       endpoint (when desired has one and it differs from the applied one),
 *       keepalive, preshared key, and the allowed IPs as a whole with
 *       WGPEER_REPLACE_ALLOWEDIPS (compared as sets, order ignored)
 *   - device private key / listen port / fwmark when set in desired and
 *     different.
 * Endpoints are compared with the last *applied* value, never with what the
 * device reports, so wgnm does not fight WireGuard's own roaming.
 * A delta with no peers and no device flags means "nothing to do".
 */
#ifndef WGNM_PLATFORM_WGDIFF_H
#define WGNM_PLATFORM_WGDIFF_H

#include <stdbool.h>

#include "platform/wgdev.h"

/* *delta is the caller's (wg_device_free). 0 or -ENOMEM. applied may be NULL (empty). */
int wg_device_diff(const struct wg_device *applied, const struct wg_device *desired,
		   struct wg_device **delta);
bool wg_device_delta_empty(const struct wg_device *delta);
/* Same allowed IPs, as sets. */
bool wg_peer_allowedips_equal(const struct wg_peer *a, const struct wg_peer *b);

#endif
