/*
 * state: files in the state directory. See state.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/identity.h"
#include "src/state.h"

/* "state directory DIR: WHAT: strerror" */
static int
fail(char *err, size_t errlen, int rc, const char *what, const char *dir)
{
	snprintf(err, errlen, "state directory %s: %s%s", dir, what, strerror(-rc));
	return rc;
}

static int
mkdir_p(const char *dir)
{
	char buf[4096];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = i == len ? '\0' : '/';
	}
	return 0;
}

int
state_dir_open(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if ((rc = mkdir_p(dir)) < 0)
		return fail(err, errlen, rc, "cannot create: ", dir);
	if (stat(dir, &st) < 0)
		return fail(err, errlen, -errno, "", dir);
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s: not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "state directory %s: owned by uid %u, not by us (uid %u)", dir,
			 (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if ((st.st_mode & 0077) != 0) {
		snprintf(err, errlen,
			 "state directory %s: mode %03o lets others in; it holds private keys "
			 "(chmod 700 %s)",
			 dir, (unsigned)(st.st_mode & 0777), dir);
		return -EPERM;
	}
	return 0;
}

static int
path_join(char *out, size_t outlen, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* Write len bytes to dir/name atomically with mode 0600. */
static int
write_atomic(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096], tmp[4096];
	const uint8_t *p = buf;
	int fd, rc = 0;

	if (path_join(path, sizeof(path), dir, name) < 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Read up to cap bytes of dir/name into buf; *len gets the file size. */
static int
read_file(const char *dir, const char *name, void *buf, size_t cap, size_t *len, mode_t *mode)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	if (path_join(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	*mode = st.st_mode;
	*len = (size_t)st.st_size;
	if (*len > cap) {
		rc = -EFBIG;
		goto out;
	}
	do
		n = read(fd, buf, *len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != *len)
		rc = -EIO;
out:
	close(fd);
	return rc;
}

int
state_load_secret(const char *dir, const char *name, uint8_t *out, size_t len, int *created,
		  char *err, size_t errlen)
{
	size_t got = 0;
	mode_t mode = 0;
	int rc;

	*created = 0;
	rc = read_file(dir, name, out, len, &got, &mode);
	if (rc == -ENOENT) {
		randombytes_buf(out, len);
		rc = write_atomic(dir, name, out, len);
		if (rc < 0) {
			sodium_memzero(out, len);
			snprintf(err, errlen, "%s/%s: cannot write: %s", dir, name, strerror(-rc));
			return rc;
		}
		*created = 1;
		return 0;
	}
	if (rc == -EFBIG || (rc == 0 && got != len)) {
		sodium_memzero(out, len);
		snprintf(err, errlen, "%s/%s: expected %zu bytes, found %s; refusing to replace it",
			 dir, name, len, rc == -EFBIG ? "more" : "fewer");
		return -EINVAL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(-rc));
		return rc;
	}
	if ((mode & 0077) != 0) {
		sodium_memzero(out, len);
		snprintf(err, errlen, "%s/%s: mode %03o lets others read a private key (chmod 600 %s/%s)",
			 dir, name, (unsigned)(mode & 0777), dir, name);
		return -EPERM;
	}
	return 0;
}

int
state_next_epoch(const char *dir, uint32_t *epoch, char *err, size_t errlen)
{
	char buf[32];
	size_t got = 0;
	mode_t mode;
	unsigned long v = 0;
	int rc;

	rc = read_file(dir, "epoch", buf, sizeof(buf) - 1, &got, &mode);
	if (rc == 0) {
		char *end;

		buf[got] = '\0';
		errno = 0;
		v = strtoul(buf, &end, 10);
		if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || v >= UINT32_MAX) {
			snprintf(err, errlen, "%s/epoch: not a number below %" PRIu32, dir,
				 UINT32_MAX);
			return -EINVAL;
		}
	} else if (rc != -ENOENT) {
		snprintf(err, errlen, "%s/epoch: %s", dir, strerror(-rc));
		return rc;
	}
	v++;
	snprintf(buf, sizeof(buf), "%lu\n", v);
	rc = write_atomic(dir, "epoch", buf, strlen(buf));
	if (rc < 0) {
		snprintf(err, errlen, "%s/epoch: cannot write: %s", dir, strerror(-rc));
		return rc;
	}
	*epoch = (uint32_t)v;
	return 0;
}

int
state_identity(const char *dir, struct identity **out, int *created, char *err, size_t errlen)
{
	uint8_t seed[IDENTITY_SEED_LEN];
	int rc;

	*created = 0;
	if ((rc = state_dir_open(dir, err, errlen)) < 0)
		return rc;
	rc = state_load_secret(dir, "identity", seed, sizeof(seed), created, err, errlen);
	if (rc < 0)
		return rc;
	rc = identity_from_seed(out, seed);
	sodium_memzero(seed, sizeof(seed));
	if (rc < 0)
		snprintf(err, errlen, "identity: %s", strerror(-rc));
	return rc;
}
