/* state: directory and secret file creation, permissions, epochs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/state.h"
#include "tests/tap.h"

int
main(void)
{
	char base[] = "/tmp/wgnm-state-XXXXXX", dir[256], path[300], err[STATE_ERR_MAX];
	uint8_t a[32], b[32];
	struct stat st;
	uint32_t e1 = 0, e2 = 0;
	int created = -1;
	FILE *f;

	if (mkdtemp(base) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/lib/wgnm/wg0", base);

	is_int(state_dir_open(dir, err, sizeof(err)), 0, "missing state directory is created");
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "state directory mode 0700");

	is_int(state_load_secret(dir, "identity", a, sizeof(a), &created, err, sizeof(err)), 0,
	       "first load creates the secret");
	is_int(created, 1, "created flag set");
	snprintf(path, sizeof(path), "%s/identity", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32,
	   "secret file is 0600 and 32 bytes");
	is_int(state_load_secret(dir, "identity", b, sizeof(b), &created, err, sizeof(err)), 0,
	       "second load reads it");
	ok(created == 0 && memcmp(a, b, sizeof(a)) == 0, "same secret after a restart");

	chmod(path, 0644);
	is_int(state_load_secret(dir, "identity", b, sizeof(b), &created, err, sizeof(err)),
	       -EPERM, "world-readable secret refused");
	ok(strstr(err, "mode 644 lets others read a private key") != NULL, "message: %s", err);
	chmod(path, 0600);

	f = fopen(path, "w");
	fputs("short", f);
	fclose(f);
	is_int(state_load_secret(dir, "identity", b, sizeof(b), &created, err, sizeof(err)),
	       -EINVAL, "wrong-size secret refused, not replaced");
	ok(strstr(err, "expected 32 bytes") != NULL, "message: %s", err);

	is_int(state_next_epoch(dir, &e1, err, sizeof(err)), 0, "first epoch");
	is_int(state_next_epoch(dir, &e2, err, sizeof(err)), 0, "second epoch");
	ok(e1 == 1 && e2 == 2, "epochs count up across starts (%u, %u)", e1, e2);

	chmod(dir, 0755);
	is_int(state_dir_open(dir, err, sizeof(err)), -EPERM, "loose directory mode refused");
	ok(strstr(err, "chmod 700") != NULL, "message says how to fix: %s", err);

	/* Clean up: two files, then the directories up to base. */
	snprintf(path, sizeof(path), "%s/identity", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/epoch", dir);
	unlink(path);
	while (strlen(dir) > strlen(base)) {
		rmdir(dir);
		*strrchr(dir, '/') = '\0';
	}
	rmdir(base);
	return tap_done();
}
