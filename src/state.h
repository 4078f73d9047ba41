/*
 * state: the node's state directory (default WGNM_STATEDIR/<interface>).
 *
 * It holds what must survive a restart: the identity secret (from which the
 * WireGuard key pair is derived) and the boot epoch (incremented at every
 * start, the high half of every counter and sequence number the node sends,
 * so peers never see a number go backwards). The directory is created 0700 and
 * files 0600; on start their permissions are checked: anything group- or
 * world-accessible is refused with a message that says how to fix it.
 * Files are replaced atomically (temporary file, fsync, rename).
 */
#ifndef WGNM_STATE_H
#define WGNM_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_ERR_MAX 512

/* Create dir (and missing parents, 0700) or check an existing one. */
int state_dir_open(const char *dir, char *err, size_t errlen);

/*
 * Load the secret file dir/name of exactly len bytes into out, or, if it does
 * not exist, fill out with len random bytes and write it (0600). *created is
 * set to 1 when a new secret was made. A file of the wrong size or with loose
 * permissions is an error (never silently replaced).
 */
int state_load_secret(const char *dir, const char *name, uint8_t *out, size_t len, int *created,
		      char *err, size_t errlen);

struct identity;

/*
 * The node's identity: open (or create, 0700) dir, load dir/identity (or
 * create it, 0600) and derive the keys. The daemon and `wgnm key` both come
 * here, so they always show the same node id. *out: free with
 * identity_free(). *created as for state_load_secret.
 */
int state_identity(const char *dir, struct identity **out, int *created, char *err,
		   size_t errlen);

/* Read dir/epoch (0 if absent), add one, write it back; returns it in *epoch. */
int state_next_epoch(const char *dir, uint32_t *epoch, char *err, size_t errlen);

#endif
