/*
 * cli_test: argv tables to resolved options or exact error text; precedence
 * (command line > peer.yaml > own static entry > default), default ports,
 * --static forms, init (parses back, mode 0600, refuses to overwrite), and
 * the --check summary (never the key). "@" in arguments and expected
 * messages stands for a temporary directory holding the test files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/cli.h"
#include "src/conf.h"
#include "tests/tap.h"

#define KEY "RVhBTVBMRS1LRVktRE8tTk9ULVVTRS1FWEFNUExFISE="
#define NET_YAML                                                                                   \
	"network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/16\n"                                  \
	"peers:\n"                                                                                 \
	"  - endPoint: vps.example.net:50000\n    adminPort: 55555\n    wgIp: 10.1.1.1\n"        \
	"  - endPoint: 203.0.113.10:51000\n    adminPort: 51500\n    wgIp: 10.1.1.2\n"

static char tmpdir[] = "/tmp/wgnm-cli-test.XXXXXX";

struct cli_case {
	const char *argv[24]; /* after argv[0], NULL-terminated */
	int rc;
	const char *error;   /* first error, when rc < 0 */
	const char *warning; /* first warning, NULL = none */
	/* when rc == 0 (unset strings and 0 numbers are not checked) */
	enum options_mode mode;
	const char *name, *address, *ifname, *statedir;
	int wg_port, admin_port;
	int existing, mobile, daemon, foreground; /* -1 = not checked */
	int verbose;
	int npeers;
	const char *last_peer; /* "HOST:PORT ADMINPORT WGIP" of the last static peer */
};

#define NOCHK .existing = -1, .mobile = -1, .daemon = -1, .foreground = -1, .verbose = -1
#define NET "-c", "@/net.yaml"

static const struct cli_case cases[] = {
	/* the original's command line and its defaults */
	{ { NET, "-a", "10.1.3.4", "-n", "alice", NULL }, 0, NULL, NULL, OPTIONS_RUN, "alice",
	  "10.1.3.4", "wg0", WGNM_STATEDIR "/wg0", 50004, 50504, 0, 0, 0, 0, 0, 2, NULL },
	{ { NET, "-a", "10.1.3.4", "-n", "alice", "-i", "wg3", "-e", "-w", "1000", "-u", "1001",
	    "-v", "-v", NULL },
	  0, NULL, NULL, OPTIONS_RUN, "alice", "10.1.3.4", "wg3", WGNM_STATEDIR "/wg3", 1000, 1001,
	  1, 0, 0, 0, 2, 2, NULL },
	/* long forms */
	{ { "--config", "@/net.yaml", "--address", "10.1.3.4", "--name", "alice", "--interface",
	    "wg5", "--existing", "--wg-port", "1000", "--admin-port", "1001", "--verbose",
	    "--daemon", "--foreground", "--mobile", "--state-dir", "/srv/wgnm", NULL },
	  0, NULL, NULL, OPTIONS_RUN, "alice", "10.1.3.4", "wg5", "/srv/wgnm", 1000, 1001, 1, 1, 1,
	  1, 1, 2, NULL },
	{ { "--config=@/net.yaml", "--address=10.1.3.4", "-nalice", "-evv", NULL }, 0, NULL, NULL,
	  OPTIONS_RUN, "alice", "10.1.3.4", NULL, NULL, 0, 0, 1, -1, -1, -1, 2, 0, NULL },
	/* peer.yaml supplies everything */
	{ { NET, "-p", "@/peer.yaml", NULL }, 0, NULL, NULL, OPTIONS_RUN, "alice", "10.1.2.3", "wg7",
	  WGNM_STATEDIR "/wg7", 40000, 40001, 1, 1, 0, 0, 0, 2, NULL },
	/* the command line beats peer.yaml */
	{ { NET, "-p", "@/peer.yaml", "-a", "10.1.3.9", "-n", "bob", "-i", "wg9", "-w", "2000", "-u",
	    "2001", NULL },
	  0, NULL, NULL, OPTIONS_RUN, "bob", "10.1.3.9", "wg9", WGNM_STATEDIR "/wg9", 2000, 2001, 1,
	  1, -1, -1, -1, 0, NULL },
	{ { NET, "-p", "@/peer.yaml", "-w", "2000", NULL }, 0, NULL, NULL, OPTIONS_RUN, "alice",
	  "10.1.2.3", "wg7", NULL, 2000, 40001, NOCHK },
	/* peer.yaml without ports: defaults from its wgIp */
	{ { NET, "-p", "@/peer_ip.yaml", NULL }, 0, NULL, NULL, OPTIONS_RUN, "dave", "10.1.0.77",
	  "wg0", NULL, 50077, 50577, 0, 0, -1, -1, -1, 0, NULL },
	/* a node listed among the static peers uses that entry's ports */
	{ { NET, "-a", "10.1.1.1", "-n", "vps", NULL }, 0, NULL, NULL, OPTIONS_RUN, "vps", "10.1.1.1",
	  NULL, NULL, 50000, 55555, NOCHK },
	{ { NET, "-a", "10.1.1.2", "-n", "gw", NULL }, 0, NULL, NULL, OPTIONS_RUN, "gw", "10.1.1.2",
	  NULL, NULL, 51000, 51500, NOCHK },
	{ { NET, "-a", "10.1.1.1", "-n", "vps", "-w", "50001", NULL }, 0, NULL,
	  "this node (10.1.1.1) is the static peer at @/net.yaml:5:5 with WireGuard port 50000, but "
	  "uses WireGuard port 50001: other nodes will not reach it",
	  OPTIONS_RUN, "vps", "10.1.1.1", NULL, NULL, 50001, 55555, NOCHK },
	/* --static */
	{ { NET, "-a", "10.1.3.4", "-n", "a", "--static", "198.51.100.7:50000", NULL }, 0, NULL, NULL,
	  OPTIONS_RUN, "a", NULL, NULL, NULL, 0, 0, NOCHK, .npeers = 3,
	  .last_peer = "198.51.100.7:50000 50501 10.1.0.1" },
	{ { NET, "-a", "10.1.5.5", "-n", "a", "--static", "198.51.100.7:50000,6000,10.1.5.5", NULL },
	  0, NULL, NULL, OPTIONS_RUN, "a", NULL, NULL, NULL, 50000, 6000, NOCHK, .npeers = 3,
	  .last_peer = "198.51.100.7:50000 6000 10.1.5.5" },
	{ { NET, "-a", "10.1.3.4", "-n", "a", "--static", "[2001:db8::7]:50000,,10.1.5.6", NULL }, 0,
	  NULL, NULL, OPTIONS_RUN, "a", NULL, NULL, NULL, 0, 0, NOCHK, .npeers = 3,
	  .last_peer = "[2001:db8::7]:50000 50506 10.1.5.6" },
	{ { NET, "-a", "10.1.3.4", "-n", "a", "--static", "s1.example:1", "--static",
	    "s2.example:2,7", NULL },
	  0, NULL, NULL, OPTIONS_RUN, "a", NULL, NULL, NULL, 0, 0, NOCHK, .npeers = 4,
	  .last_peer = "s2.example:2 7 10.1.0.2" },
	/* modes */
	{ { NET, "-a", "10.1.3.4", "-n", "a", "--check", NULL }, 0, NULL, NULL, OPTIONS_CHECK, "a",
	  NOCHK },
	{ { "--help", NULL }, 0, NULL, NULL, OPTIONS_HELP, NOCHK },
	{ { "-c", "@/missing.yaml", "-h", NULL }, 0, NULL, NULL, OPTIONS_HELP, NOCHK },
	{ { "--version", NULL }, 0, NULL, NULL, OPTIONS_VERSION, NOCHK },
	{ { "-V", NULL }, 0, NULL, NULL, OPTIONS_VERSION, NOCHK },

	/* usage errors */
	{ { "-x", NULL }, -EINVAL, "unknown option -x", NULL, 0, NOCHK },
	{ { "-vx", NULL }, -EINVAL, "unknown option -x", NULL, 0, NOCHK },
	{ { "--bogus", NULL }, -EINVAL, "unknown option --bogus", NULL, 0, NOCHK },
	{ { "--daemon=yes", NULL }, -EINVAL, "option --daemon takes no argument", NULL, 0, NOCHK },
	{ { "-c", NULL }, -EINVAL, "option -c needs an argument", NULL, 0, NOCHK },
	{ { "--config", NULL }, -EINVAL, "option --config needs an argument", NULL, 0, NOCHK },
	{ { "--static", NULL }, -EINVAL, "option --static needs an argument", NULL, 0, NOCHK },
	{ { NET, "stray", NULL }, -EINVAL, "unexpected argument \"stray\"", NULL, 0, NOCHK },
	{ { NET, "-a", "10.1.3.4", "--foreground", NULL }, -EINVAL, "--foreground needs --daemon",
	  NULL, 0, NOCHK },
	{ { NET, NULL }, -EINVAL, "no overlay address: give -a ADDRESS", NULL, 0, NOCHK },
	{ { NET, "-p", "@/peer_name.yaml", NULL }, -EINVAL,
	  "no overlay address: give -a ADDRESS or wgIp in peer.yaml", NULL, 0, NOCHK },
	{ { "-a", "10.1.1", NULL }, -EINVAL, "-a: expected an IPv4 address, got \"10.1.1\"", NULL, 0,
	  NOCHK },
	{ { "-a", "fd00::1", NULL }, -EINVAL, "-a: expected an IPv4 address, got \"fd00::1\"", NULL,
	  0, NOCHK },
	{ { "-w", "0", NULL }, -EINVAL, "-w: expected a port number 1-65535, got \"0\"", NULL, 0,
	  NOCHK },
	{ { "-u", "65536", NULL }, -EINVAL, "-u: expected a port number 1-65535, got \"65536\"", NULL,
	  0, NOCHK },
	{ { "--wg-port", "5x", NULL }, -EINVAL, "-w: expected a port number 1-65535, got \"5x\"",
	  NULL, 0, NOCHK },
	{ { "-i", "wg0123456789abcd", NULL }, -EINVAL,
	  "-i: expected an interface name (1-15 characters, no '/', ':' or spaces), got "
	  "\"wg0123456789abcd\"",
	  NULL, 0, NOCHK },
	{ { "-n", "a b", NULL }, -EINVAL,
	  "-n: expected a node name (1-63 letters, digits, '.', '-', '_'), got \"a b\"", NULL, 0,
	  NOCHK },
	{ { "-c", "", NULL }, -EINVAL, "-c: expected a file name, got \"\"", NULL, 0, NOCHK },
	{ { "--static", "vps.example.net", NULL }, -EINVAL,
	  "--static \"vps.example.net\": expected HOST:PORT[,ADMINPORT[,WGIP]] (missing :PORT)", NULL,
	  0, NOCHK },
	{ { "--static", "2001:db8::1:5", NULL }, -EINVAL,
	  "--static \"2001:db8::1:5\": expected HOST:PORT[,ADMINPORT[,WGIP]] (an IPv6 address must "
	  "be in brackets: [ADDRESS]:PORT)",
	  NULL, 0, NOCHK },
	{ { "--static", "h.example:1,0", NULL }, -EINVAL,
	  "--static \"h.example:1,0\": ADMINPORT must be 1-65535", NULL, 0, NOCHK },
	{ { "--static", "h.example:1,2,fd00::1", NULL }, -EINVAL,
	  "--static \"h.example:1,2,fd00::1\": WGIP must be an IPv4 address", NULL, 0, NOCHK },
	{ { "--static", "h.example:1,2,10.1.0.1,x", NULL }, -EINVAL,
	  "--static \"h.example:1,2,10.1.0.1,x\": expected HOST:PORT[,ADMINPORT[,WGIP]] (too many "
	  "fields)",
	  NULL, 0, NOCHK },

	/* configuration errors */
	{ { NET, "-a", "10.2.0.1", NULL }, -EBADMSG,
	  "-a 10.2.0.1 is outside subnet 10.1.0.0/16 of @/net.yaml", NULL, 0, NOCHK },
	{ { NET, "-a", "10.1.0.0", NULL }, -EBADMSG,
	  "-a 10.1.0.0 is the network address of subnet 10.1.0.0/16 of @/net.yaml", NULL, 0, NOCHK },
	{ { NET, "-p", "@/peer_bad.yaml", NULL }, -EBADMSG,
	  "@/peer_bad.yaml:2:7: wgIp 10.2.0.1 is outside subnet 10.1.0.0/16 of @/net.yaml", NULL, 0,
	  NOCHK },
	{ { NET, "-a", "10.1.3.4", "--static", "198.51.100.1:1,2,10.1.1.1", NULL }, -EBADMSG,
	  "--static 198.51.100.1:1: duplicate wgIp 10.1.1.1 (first used by the peer at "
	  "@/net.yaml:5:5)",
	  NULL, 0, NOCHK },
	{ { NET, "-a", "10.1.3.4", "--static", "x:1,2,10.1.9.9", "--static", "y:1,2,10.1.9.9", NULL },
	  -EBADMSG, "--static y:1: duplicate wgIp 10.1.9.9 (first used by an earlier --static)", NULL,
	  0, NOCHK },
	{ { NET, "-a", "10.1.3.4", "--static", "x:1,2,10.9.0.1", NULL }, -EBADMSG,
	  "--static x:1: wgIp 10.9.0.1 is outside subnet 10.1.0.0/16", NULL, 0, NOCHK },
	{ { NET, "-a", "10.1.3.4", "-w", "1000", "-u", "1000", NULL }, -EBADMSG,
	  "the WireGuard port and the admin port are both 1000", NULL, 0, NOCHK },
	{ { "-c", "@/missing.yaml", "-a", "10.1.3.4", NULL }, -ENOENT,
	  "@/missing.yaml: cannot open: No such file or directory", NULL, 0, NOCHK },
	{ { "-c", "@/bad.yaml", "-a", "10.1.3.4", NULL }, -EBADMSG,
	  "@/bad.yaml:4:8: peers must list at least one static peer", NULL, 0, NOCHK },
	{ { NET, "-p", "@/missing.yaml", "-a", "10.1.3.4", NULL }, -ENOENT,
	  "@/missing.yaml: cannot open: No such file or directory", NULL, 0, NOCHK },
	{ { NET, "-p", "@/peer_syntax.yaml", "-a", "10.1.3.4", NULL }, -EBADMSG,
	  "@/peer_syntax.yaml:1:9: wgPort must be a port number 1-65535, got \"x\"", NULL, 0, NOCHK },

	/* init */
	{ { "init", "--subnet", "10.1.0.0/16", "--static", "203.0.113.1:50000", "--static",
	    "vps.example.net:50000,,10.1.0.1", "-o", "@/out.yaml", NULL },
	  0, NULL, NULL, OPTIONS_INIT, NOCHK },
	{ { "init", "--help", NULL }, 0, NULL, NULL, OPTIONS_HELP, NOCHK },
	{ { "init", "--static", "a.example:1", NULL }, -EINVAL, "init needs --subnet CIDR", NULL, 0,
	  NOCHK },
	{ { "init", "--subnet", "10.1.0.0/16", NULL }, -EINVAL,
	  "init needs at least one --static HOST:PORT", NULL, 0, NOCHK },
	{ { "init", "--subnet", "10.1.0.1/16", "--static", "a.example:1", NULL }, -EINVAL,
	  "--subnet 10.1.0.1/16 has host bits set (did you mean 10.1.0.0/16?)", NULL, 0, NOCHK },
	{ { "init", "--subnet", "banana", "--static", "a.example:1", NULL }, -EINVAL,
	  "--subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got \"banana\"", NULL, 0, NOCHK },
	{ { "init", "--subnet", "10.1.0.0/16", "--static", "a.example:1", "extra", NULL }, -EINVAL,
	  "init: unexpected argument \"extra\"", NULL, 0, NOCHK },
	{ { "init", "-a", "10.1.0.1", NULL }, -EINVAL, "unknown option -a", NULL, 0, NOCHK },
	{ { "init", "--subnet", "10.1.0.0/16", "--static", "203.0.113.1:50000", "-o", "@/out.yaml",
	    "--state-dir", "/srv/wgnm/n1", NULL },
	  0, NULL, NULL, OPTIONS_INIT, .statedir = "/srv/wgnm/n1", NOCHK },
	{ { "init", "--subnet", "10.1.0.0/16", "--static", "203.0.113.1:50000", "-o", "@/out.yaml",
	    "-i", "wg4", NULL },
	  0, NULL, NULL, OPTIONS_INIT, .statedir = WGNM_STATEDIR "/wg4", NOCHK },

	/* key */
	{ { "key", NULL }, 0, NULL, NULL, OPTIONS_KEY, .ifname = "wg0",
	  .statedir = WGNM_STATEDIR "/wg0", NOCHK },
	{ { "key", "-i", "wg5", NULL }, 0, NULL, NULL, OPTIONS_KEY, .ifname = "wg5",
	  .statedir = WGNM_STATEDIR "/wg5", NOCHK },
	{ { "key", "-i", "wg5", "--state-dir", "/srv/wgnm/n1", NULL }, 0, NULL, NULL, OPTIONS_KEY,
	  .statedir = "/srv/wgnm/n1", NOCHK },
	{ { "key", "--help", NULL }, 0, NULL, NULL, OPTIONS_HELP, NOCHK },
	{ { "key", "extra", NULL }, -EINVAL, "key: unexpected argument \"extra\"", NULL, 0, NOCHK },
	{ { "key", "-a", "10.1.0.1", NULL }, -EINVAL, "unknown option -a", NULL, 0, NOCHK },
	{ { "key", "--state-dir", NULL }, -EINVAL, "option --state-dir needs an argument", NULL, 0,
	  NOCHK },
	{ { "init", "--subnet", "10.1.0.0/24", "--static", "a:1,,10.1.0.1", "--static",
	    "b:1,,10.1.0.1", NULL },
	  -EBADMSG, "--static b:1: duplicate wgIp 10.1.0.1 (first used by an earlier --static)", NULL,
	  0, NOCHK },
	{ { "init", "--subnet", "10.1.0.0/24", "--static", "a:1,,10.2.0.1", NULL }, -EBADMSG,
	  "--static a:1: wgIp 10.2.0.1 is outside subnet 10.1.0.0/24", NULL, 0, NOCHK },
	{ { "init", "--subnet", "10.1.0.0/30", "--static", "a:1", "--static", "b:1", "--static",
	    "c:1", NULL },
	  -EBADMSG, "--static c:1: no free address left in subnet 10.1.0.0/30", NULL, 0, NOCHK },
};

/* s with every "@" replaced by the temporary directory; caller frees. */
static char *
at(const char *s)
{
	size_t n = 0, tl = strlen(tmpdir);
	const char *p;
	char *out, *o;

	for (p = s; *p; p++)
		n += *p == '@' ? tl : 1;
	out = o = malloc(n + 1);
	for (p = s; *p; p++) {
		if (*p == '@') {
			memcpy(o, tmpdir, tl);
			o += tl;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		diag("cannot write %s", path);
	if (fd >= 0) {
		fchmod(fd, mode);
		close(fd);
	}
}

static void
static_line(const struct config_static *s, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	snprintf(buf, len, "%s%s%s:%u %u %s", strchr(s->host, ':') ? "[" : "", s->host,
		 strchr(s->host, ':') ? "]" : "", s->port, s->admin_port,
		 ipaddr_fmt(&s->wg_ip, a, sizeof(a)));
}

static void
run_case(size_t i, const struct cli_case *c)
{
	char *argv[26], *want;
	struct config_diag d;
	struct options o;
	int argc = 1, rc;
	char b[512];

	argv[0] = (char *)"wgnm";
	while (c->argv[argc - 1] != NULL) {
		argv[argc] = at(c->argv[argc - 1]);
		argc++;
	}
	argv[argc] = NULL;
	config_diag_init(&d);
	rc = cli_parse(&o, argc, argv, &d);
	is_int(rc, c->rc, "case %zu: %s ... returns %d", i, argv[1] ? argv[1] : "", c->rc);
	if (c->rc < 0) {
		want = at(c->error);
		is_str(d.nerrors > 0 ? d.errors[0] : NULL, want, "case %zu: error text", i);
		free(want);
	} else {
		if (d.nerrors > 0)
			diag("unexpected error: %s", d.errors[0]);
		is_int(o.mode, c->mode, "case %zu: mode", i);
		if (c->name)
			is_str(o.name, c->name, "case %zu: name", i);
		if (c->address)
			is_str(ipaddr_fmt(&o.address, b, sizeof(b)), c->address,
			       "case %zu: address", i);
		if (c->ifname)
			is_str(o.ifname, c->ifname, "case %zu: interface", i);
		if (c->statedir)
			is_str(o.statedir, c->statedir, "case %zu: state dir", i);
		if (c->wg_port)
			is_int(o.wg_port, c->wg_port, "case %zu: WireGuard port", i);
		if (c->admin_port)
			is_int(o.admin_port, c->admin_port, "case %zu: admin port", i);
		if (c->existing >= 0)
			is_int(o.existing_interface, c->existing, "case %zu: existing", i);
		if (c->mobile >= 0)
			is_int(o.mobile, c->mobile, "case %zu: mobile", i);
		if (c->daemon >= 0)
			is_int(o.daemon, c->daemon, "case %zu: daemon", i);
		if (c->foreground >= 0)
			is_int(o.foreground, c->foreground, "case %zu: foreground", i);
		if (c->verbose >= 0)
			is_int(o.verbose, c->verbose, "case %zu: verbose", i);
		if (c->npeers)
			is_int(o.net != NULL ? o.net->npeers : 0, c->npeers,
			       "case %zu: static peers", i);
		if (c->last_peer && o.net != NULL) {
			static_line(&o.net->peers[o.net->npeers - 1], b, sizeof(b));
			is_str(b, c->last_peer, "case %zu: last static peer", i);
		}
	}
	want = c->warning ? at(c->warning) : NULL;
	is_str(d.nwarnings > 0 ? d.warnings[0] : NULL, want, "case %zu: warning", i);
	free(want);
	cli_free(&o);
	while (--argc > 0)
		free(argv[argc]);
}

/* The default name is the host name. */
static void
test_hostname(void)
{
	char *argv[] = { (char *)"wgnm", NULL, (char *)"-a", (char *)"10.1.3.4", NULL };
	char host[256];
	struct config_diag d;
	struct options o;

	argv[1] = at("-c@/net.yaml");
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	config_diag_init(&d);
	if (config_name_valid(host)) {
		is_int(cli_parse(&o, 4, argv, &d), 0, "no -n: parses");
		is_str(o.name, host, "no -n: the host name");
	} else {
		is_int(cli_parse(&o, 4, argv, &d), -EINVAL, "no -n, odd host name: usage error");
		ok(1, "# skip host name check");
	}
	cli_free(&o);
	free(argv[1]);
}

/* --idle-timeout and peer.yaml's idleTimeout: range, precedence, default. */
static void
test_idle_timeout(void)
{
	static const struct {
		const char *extra[3];
		int rc;
		unsigned idle;
		const char *error;
	} rows[] = {
		{ { NULL }, 0, 0, NULL },
		{ { "--idle-timeout", "20", NULL }, 0, 20, NULL },
		{ { "-p", "@/peer_idle.yaml", NULL }, 0, 45, NULL },
		{ { "-p", "@/peer_idle.yaml", "--idle-timeout=7" }, 0, 7, NULL },
		{ { "--idle-timeout", "4", NULL }, -EINVAL, 0,
		  "--idle-timeout: expected a number of seconds 5-86400, got \"4\"" },
		{ { "--idle-timeout", "1m", NULL }, -EINVAL, 0,
		  "--idle-timeout: expected a number of seconds 5-86400, got \"1m\"" },
	};
	size_t i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *argv[12] = { (char *)"wgnm", at("-c@/net.yaml"), (char *)"-a",
				   (char *)"10.1.3.4", (char *)"-n", (char *)"x" };
		struct config_diag d;
		struct options o;
		int argc = 6, rc;

		for (k = 0; k < 3 && rows[i].extra[k] != NULL; k++)
			argv[argc++] = rows[i].extra[k][0] == '-' && rows[i].extra[k][1] == 'p'
					       ? (char *)rows[i].extra[k]
				       : strchr(rows[i].extra[k], '@') != NULL
					       ? at(rows[i].extra[k])
					       : (char *)rows[i].extra[k];
		config_diag_init(&d);
		rc = cli_parse(&o, argc, argv, &d);
		is_int(rc, rows[i].rc, "idle row %zu: result", i);
		if (rc == 0)
			is_int(o.idle_timeout, rows[i].idle, "idle row %zu: %u s", i, rows[i].idle);
		else
			is_str(d.nerrors > 0 ? d.errors[0] : NULL, rows[i].error,
			       "idle row %zu: message", i);
		cli_free(&o);
		free(argv[1]);
		for (k = 6; k < (size_t)argc; k++)
			if (strchr(rows[i].extra[k - 6], '@') != NULL)
				free(argv[k]);
	}
}

/* Without -c: the default path. */
static void
test_default_config(void)
{
	char *argv[] = { (char *)"wgnm", (char *)"-a", (char *)"10.1.3.4", NULL };
	struct config_diag d;
	struct options o;
	int rc;

	config_diag_init(&d);
	rc = cli_parse(&o, 3, argv, &d);
	if (access(CLI_DEFAULT_CONFIG, F_OK) == 0) {
		ok(1, "# skip: %s exists", CLI_DEFAULT_CONFIG);
	} else {
		is_int(rc, -ENOENT, "default config path used");
		is_str(d.errors[0], CLI_DEFAULT_CONFIG ": cannot open: No such file or directory",
		       "default config path: %s", CLI_DEFAULT_CONFIG);
	}
	cli_free(&o);
}

struct capture {
	char buf[4096];
	size_t len;
	unsigned lines;
};

static void
capture_cb(const char *line, void *arg)
{
	struct capture *c = arg;

	c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s\n", line);
	c->lines++;
}

static void
test_describe(void)
{
	char *argv[] = { (char *)"wgnm",     NULL, (char *)"-a", (char *)"10.1.1.1", (char *)"-n",
			 (char *)"vps",      (char *)"--static", (char *)"198.51.100.9:50000",
			 (char *)"--check",  NULL };
	struct config_diag d;
	struct capture cap;
	struct options o;
	char fp[16], want[128];

	argv[1] = at("-c@/net.yaml");
	config_diag_init(&d);
	memset(&cap, 0, sizeof(cap));
	is_int(cli_parse(&o, 9, argv, &d), 0, "describe: parses");
	if (o.net != NULL) {
		cli_describe(&o, capture_cb, &cap);
		ok(strstr(cap.buf, "RVhBTVBM") == NULL && strstr(cap.buf, "EXAMPLE") == NULL,
		   "describe: the key is never shown");
		snprintf(want, sizeof(want), "sharedKey:   set (32 bytes, fingerprint %s)\n",
			 config_key_fingerprint(o.net, fp, sizeof(fp)));
		ok(strstr(cap.buf, want) != NULL, "describe: key fingerprint line");
		ok(strstr(cap.buf, "node:        vps\n") != NULL, "describe: node");
		ok(strstr(cap.buf, "ports:       WireGuard 50000, admin 55555\n") != NULL,
		   "describe: ports");
		ok(strstr(cap.buf, "subnet:      10.1.0.0/16\n") != NULL, "describe: subnet");
		ok(strstr(cap.buf, "static peers: 3\n") != NULL, "describe: static peer count");
		ok(strstr(cap.buf, "nodes:       not pinned") != NULL, "describe: no nodes: list");
		ok(strstr(cap.buf, "  vps.example.net:50000        admin 55555 wgIp 10.1.1.1 (this "
				   "node)\n") != NULL,
		   "describe: own static entry marked");
		ok(strstr(cap.buf, "  198.51.100.9:50000           admin 50501 wgIp 10.1.0.1 "
				   "(--static)\n") != NULL,
		   "describe: command-line static marked");
		ok(cap.lines <= 24, "describe: fits one screen (%u lines)", cap.lines);
	}
	cli_free(&o);
	free(argv[1]);
}

static int
init_run(const char *const *args, int n, struct config_diag *d)
{
	char *argv[16];
	struct options o;
	int i, rc;

	argv[0] = (char *)"wgnm";
	for (i = 0; i < n; i++)
		argv[i + 1] = at(args[i]);
	argv[n + 1] = NULL;
	config_diag_init(d);
	rc = cli_parse(&o, n + 1, argv, d);
	if (rc == 0)
		rc = cli_init_write(&o, d);
	cli_free(&o);
	for (i = 1; i <= n; i++)
		free(argv[i]);
	return rc;
}

static void
test_init(void)
{
	static const char *const args[] = { "init",	"--subnet",	   "10.1.0.0/16",
					    "--static", "203.0.113.1:50000", "--static",
					    "vps.example.net:50000,,10.1.0.1", "-o", "@/init.yaml" };
	static const char *const forced[] = { "init",	  "--subnet", "10.1.0.0/16", "--static",
					      "a.example:1", "-o",	"@/init.yaml", "--force" };
	static const char *const tostdout[] = { "init", "--subnet", "10.7.0.0/24", "--static",
						"a.example:1", "-o", "-" };
	const struct config *c = NULL, *c2 = NULL;
	struct config_diag d;
	char *path = at("@/init.yaml"), *outp = at("@/stdout.yaml"), want[512], b[64];
	uint8_t key1[CONFIG_KEY_LEN];
	struct stat st;
	int saved, fd;

	is_int(init_run(args, 9, &d), 0, "init: writes");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "init: mode 0600");
	config_diag_init(&d);
	is_int(config_parse_net_file(path, &c, &d), 0, "init: output parses back");
	is_int(d.nwarnings, 0, "init: no warning on the new file");
	if (c != NULL) {
		is_int(c->npeers, 2, "init: 2 static peers");
		is_str(ipaddr_fmt(&c->peers[0].wg_ip, b, sizeof(b)), "10.1.0.2",
		       "init: default wgIp is the first free host");
		is_int(c->peers[0].admin_port, 50502, "init: default adminPort 50500 + octet");
		is_str(ipaddr_fmt(&c->peers[1].wg_ip, b, sizeof(b)), "10.1.0.1",
		       "init: explicit wgIp kept");
		is_int(c->peers[1].admin_port, 50501, "init: default adminPort of explicit wgIp");
		memcpy(key1, c->shared_key, CONFIG_KEY_LEN);
	}
	config_free(c);

	is_int(init_run(args, 9, &d), -EEXIST, "init: refuses to overwrite");
	snprintf(want, sizeof(want), "%s already exists (use --force to replace it)", path);
	is_str(d.errors[0], want, "init: overwrite message");

	chmod(path, 0644);
	is_int(init_run(forced, 8, &d), 0, "init --force: replaces");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "init --force: mode 0600 again");
	config_diag_init(&d);
	is_int(config_parse_net_file(path, &c2, &d), 0, "init --force: parses back");
	ok(c2 != NULL && memcmp(c2->shared_key, key1, CONFIG_KEY_LEN) != 0,
	   "init --force: a new key");
	config_free(c2);
	c2 = NULL;

	/* -o - writes to stdout: catch it in a file. */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	fd = init_run(tostdout, 7, &d);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	is_int(fd, 0, "init -o -: writes");
	config_diag_init(&d);
	is_int(config_parse_net_file(outp, &c2, &d), 0, "init -o -: output parses");
	ok(c2 != NULL && c2->subnet.len == 24, "init -o -: subnet");
	config_free(c2);

	unlink(path);
	unlink(outp);
	free(path);
	free(outp);
}

int
main(void)
{
	size_t i;

	if (mkdtemp(tmpdir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	write_file("net.yaml", NET_YAML, 0600);
	write_file("bad.yaml", "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/16\npeers: []\n",
		   0600);
	write_file("peer.yaml",
		   "name: alice\nwgIp: 10.1.2.3\nwgInterface: wg7\nexistingInterface: true\n"
		   "wgPort: 40000\nadminPort: 40001\nmobile: true\n",
		   0644);
	write_file("peer_ip.yaml", "name: dave\nwgIp: 10.1.0.77\n", 0644);
	write_file("peer_name.yaml", "name: carol\n", 0644);
	write_file("peer_bad.yaml", "name: eve\nwgIp: 10.2.0.1\n", 0644);
	write_file("peer_syntax.yaml", "wgPort: x\n", 0644);
	write_file("peer_idle.yaml", "idleTimeout: 45\n", 0644);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
	test_hostname();
	test_idle_timeout();
	test_default_config();
	test_describe();
	test_init();

	{
		static const char *const files[] = { "net.yaml",      "bad.yaml",	"peer.yaml",
						     "peer_ip.yaml",  "peer_name.yaml", "peer_bad.yaml",
						     "peer_syntax.yaml", "out.yaml",
						     "peer_idle.yaml" };
		char path[256];

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
	return tap_done();
}
