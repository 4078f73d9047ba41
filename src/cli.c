/*
 * cli: argv to struct options (see cli.h for the vocabulary).
 *
 * Two steps: getopt_long collects what was typed into a struct cli_args
 * (malformed values are usage errors, -EINVAL); resolve() then loads
 * net.yaml and peer.yaml and decides every setting by precedence
 * (command line > peer.yaml > this node's static entry > default). Problems
 * found while resolving are configuration errors (-EBADMSG), except a missing
 * overlay address or an unusable host name, which are usage errors.
 *
 * getopt_long keeps global state; cli_parse resets it (optind = 0) so it can
 * be called many times (tests do).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/num.h"
#include "src/cli.h"
#include "src/log.h"

#define ESC_LEN 128 /* an argument echoed in a message */

enum {
	OPT_STATIC = 256,
	OPT_STATE_DIR,
	OPT_DAEMON,
	OPT_FOREGROUND,
	OPT_MOBILE,
	OPT_CHECK,
	OPT_SUBNET,
	OPT_FORCE,
	OPT_IDLE_TIMEOUT,
	OPT_GROUP,
};

static const char run_shortopts[] = "+:c:i:a:n:p:ew:u:vhV";
static const struct option run_longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"interface", required_argument, NULL, 'i'},
    {"address", required_argument, NULL, 'a'},
    {"name", required_argument, NULL, 'n'},
    {"peer-config", required_argument, NULL, 'p'},
    {"existing", no_argument, NULL, 'e'},
    {"wg-port", required_argument, NULL, 'w'},
    {"admin-port", required_argument, NULL, 'u'},
    {"verbose", no_argument, NULL, 'v'},
    {"static", required_argument, NULL, OPT_STATIC},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"daemon", no_argument, NULL, OPT_DAEMON},
    {"foreground", no_argument, NULL, OPT_FOREGROUND},
    {"mobile", no_argument, NULL, OPT_MOBILE},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"group", required_argument, NULL, OPT_GROUP},
    {"check", no_argument, NULL, OPT_CHECK},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char init_shortopts[] = "+:o:i:h";
static const struct option init_longopts[] = {
    {"subnet", required_argument, NULL, OPT_SUBNET},
    {"static", required_argument, NULL, OPT_STATIC},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, OPT_FORCE},
    {"interface", required_argument, NULL, 'i'},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char key_shortopts[] = "+:i:h";
static const struct option key_longopts[] = {
    {"interface", required_argument, NULL, 'i'},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* What was typed, before resolution. Strings point into argv. */
struct cli_args {
	const char *config, *peer, *ifname, *name, *statedir, *subnet;
	bool has_address;
	struct ipaddr address;
	uint16_t wg_port, admin_port; /* 0 = not given */
	bool existing, mobile;
	unsigned idle_timeout; /* 0 = not given */
};

static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC_LEN, s, strnlen(s, ESC_LEN));
}

static int
arg_port(const char *opt, const char *arg, uint16_t *out, struct config_diag *d)
{
	char e[ESC_LEN];
	long v = num_parse(arg, 65535);

	if (v < 1) {
		config_diag_error(d, "%s: expected a port number 1-65535, got \"%s\"", opt,
		                  esc(e, arg));
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

static int
arg_ipv4(const char *opt, const char *arg, struct ipaddr *out, struct config_diag *d)
{
	char e[ESC_LEN];

	if (ipaddr_parse(out, arg) < 0 || out->family != AF_INET) {
		config_diag_error(d, "%s: expected an IPv4 address, got \"%s\"", opt, esc(e, arg));
		return -EINVAL;
	}
	return 0;
}

static int
arg_string(const char *opt, const char *arg, const char *what, bool (*valid)(const char *),
           struct config_diag *d)
{
	char e[ESC_LEN];

	if (valid(arg))
		return 0;
	config_diag_error(d, "%s: expected %s, got \"%s\"", opt, what, esc(e, arg));
	return -EINVAL;
}

static bool
nonempty(const char *s)
{
	return *s != '\0';
}

/* --static HOST:PORT[,ADMINPORT[,WGIP]]; an empty ADMINPORT or WGIP takes the default. */
static int
arg_static(struct options *o, const char *arg, struct config_diag *d)
{
	char buf[CONFIG_HOST_MAX + 64], why[96], e[ESC_LEN];
	struct config_static s, *grown;
	char *field[3], *comma;
	size_t nf = 1;
	long v;
	int rc;

	if (strlen(arg) >= sizeof(buf)) {
		config_diag_error(d, "--static: argument too long");
		return -EINVAL;
	}
	strcpy(buf, arg);
	field[0] = buf;
	while ((comma = strchr(field[nf - 1], ',')) != NULL) {
		if (nf == 3) {
			config_diag_error(d,
			                  "--static \"%s\": expected HOST:PORT[,ADMINPORT[,WGIP]] "
			                  "(too many fields)",
			                  esc(e, arg));
			return -EINVAL;
		}
		*comma = '\0';
		field[nf++] = comma + 1;
	}
	memset(&s, 0, sizeof(s));
	rc = config_parse_endpoint(&s, field[0], why, sizeof(why));
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		config_diag_error(d, "--static \"%s\": expected HOST:PORT[,ADMINPORT[,WGIP]] (%s)",
		                  esc(e, arg), why);
		return -EINVAL;
	}
	if (nf >= 2 && field[1][0] != '\0') {
		v = num_parse(field[1], 65535);
		if (v < 1) {
			config_diag_error(d, "--static \"%s\": ADMINPORT must be 1-65535",
			                  esc(e, arg));
			free(s.host);
			return -EINVAL;
		}
		s.admin_port = (uint16_t)v;
	}
	if (nf == 3 && field[2][0] != '\0' &&
	    (ipaddr_parse(&s.wg_ip, field[2]) < 0 || s.wg_ip.family != AF_INET)) {
		config_diag_error(d, "--static \"%s\": WGIP must be an IPv4 address", esc(e, arg));
		free(s.host);
		return -EINVAL;
	}
	grown = realloc(o->statics, (o->nstatics + 1) * sizeof(*o->statics));
	if (grown == NULL) {
		free(s.host);
		return -ENOMEM;
	}
	o->statics = grown;
	o->statics[o->nstatics++] = s;
	return 0;
}

/* "HOST:PORT" of a static peer, IPv6 in brackets. */
static const char *
static_fmt(const struct config_static *s, char *buf, size_t len)
{
	if (strchr(s->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", s->host, s->port);
	else
		snprintf(buf, len, "%s:%u", s->host, s->port);
	return buf;
}

static bool
address_taken(const struct ipaddr *a, const struct config *base, const struct config_static *st,
              size_t n)
{
	size_t i;

	if (base != NULL && config_find_static(base, a) != NULL)
		return true;
	for (i = 0; i < n; i++)
		if (st[i].wg_ip.family != AF_UNSPEC && ipaddr_equal(&st[i].wg_ip, a))
			return true;
	return false;
}

/*
 * Defaults of --static entries: a missing WGIP is the lowest host address of
 * the subnet not used by base or another entry; a missing ADMINPORT is
 * 50500 + the last octet of the WGIP.
 */
static int
statics_fill(const struct ipprefix *subnet, const struct config *base, struct config_static *st,
             size_t n, struct config_diag *d)
{
	uint32_t net = ntohl(subnet->addr.v4.s_addr);
	uint64_t hosts = (uint64_t)1 << (32 - subnet->len), k;
	char b[CONFIG_HOST_MAX + 16], sb[IPPREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		if (st[i].wg_ip.family != AF_UNSPEC)
			continue;
		for (k = 1; k + 1 < hosts; k++) {
			struct ipaddr a;

			memset(&a, 0, sizeof(a));
			a.family = AF_INET;
			a.v4.s_addr = htonl(net + (uint32_t)k);
			if (!address_taken(&a, base, st, n)) {
				st[i].wg_ip = a;
				break;
			}
		}
		if (st[i].wg_ip.family == AF_UNSPEC) {
			config_diag_error(d, "--static %s: no free address left in subnet %s",
			                  static_fmt(&st[i], b, sizeof(b)),
			                  ipprefix_fmt(subnet, sb, sizeof(sb)));
			return -EBADMSG;
		}
	}
	for (i = 0; i < n; i++)
		if (st[i].admin_port == 0)
			st[i].admin_port = config_default_admin_port(&st[i].wg_ip);
	return 0;
}

/* init has no net.yaml to merge with: check the entries among themselves. */
static int
statics_check(const struct ipprefix *subnet, const struct config_static *st, size_t n,
              struct config_diag *d)
{
	char b[CONFIG_HOST_MAX + 16], msg[CONFIG_DIAG_LEN], a[IPADDR_STRLEN];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < n; i++) {
		static_fmt(&st[i], b, sizeof(b));
		if (config_check_address(subnet, &st[i].wg_ip, "wgIp", msg, sizeof(msg)) < 0) {
			config_diag_error(d, "--static %s: %s", b, msg);
			rc = -EBADMSG;
			continue;
		}
		for (j = 0; j < i; j++) {
			if (ipaddr_equal(&st[j].wg_ip, &st[i].wg_ip)) {
				config_diag_error(d,
				                  "--static %s: duplicate wgIp %s (first used by "
				                  "an earlier --static)",
				                  b, ipaddr_fmt(&st[i].wg_ip, a, sizeof(a)));
				rc = -EBADMSG;
				break;
			}
		}
	}
	return rc;
}

/* A message for a getopt error; optstring starts with ':' so ':' means "missing argument". */
static void
getopt_error(int c, char *const argv[], struct config_diag *d)
{
	const char *arg = argv[optind - 1];
	size_t n;

	if (c == ':') {
		if (optopt > 0 && optopt < 256 && strncmp(arg, "--", 2) != 0)
			config_diag_error(d, "option -%c needs an argument", optopt);
		else
			config_diag_error(d, "option %s needs an argument", arg);
		return;
	}
	if (strncmp(arg, "--", 2) == 0) {
		n = strcspn(arg, "=");
		if (optopt != 0)
			config_diag_error(d, "option %.*s takes no argument", (int)n, arg);
		else
			config_diag_error(d, "unknown option %.*s", (int)n, arg);
		return;
	}
	if (optopt > 0 && optopt < 256)
		config_diag_error(d, "unknown option -%c", optopt);
	else
		config_diag_error(d, "unknown option %s", arg);
}

/* -i IFNAME or --state-dir DIR of init and key. */
static int
arg_statedir(int c, const char *arg, struct cli_args *a, struct config_diag *d)
{
	if (c == 'i') {
		a->ifname = arg;
		return arg_string("-i", arg,
		                  "an interface name (1-15 characters, no '/', ':' or spaces)",
		                  config_ifname_valid, d);
	}
	a->statedir = arg;
	return arg_string("--state-dir", arg, "a directory", nonempty, d);
}

/* The state directory as the daemon would use it: --state-dir, else WGNM_STATEDIR/IFNAME. */
static int
statedir_resolve(struct options *o, const struct cli_args *a)
{
	snprintf(o->ifname, sizeof(o->ifname), "%s",
	         a->ifname != NULL ? a->ifname : CLI_DEFAULT_IFNAME);
	free(o->statedir);
	if (a->statedir != NULL)
		o->statedir = strdup(a->statedir);
	else if (asprintf(&o->statedir, "%s/%s", WGNM_STATEDIR, o->ifname) < 0)
		o->statedir = NULL;
	return o->statedir == NULL ? -ENOMEM : 0;
}

static int
parse_key(struct options *o, int argc, char *const argv[], struct cli_args *a,
          struct config_diag *d)
{
	int c, rc;

	o->mode = OPTIONS_KEY;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, key_shortopts, key_longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case OPT_STATE_DIR:
			rc = arg_statedir(c, optarg, a, d);
			if (rc < 0)
				return rc;
			break;
		case 'h':
			o->mode = OPTIONS_HELP;
			return 0;
		default:
			getopt_error(c, argv, d);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		config_diag_error(d, "key: unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	return statedir_resolve(o, a);
}

static int
parse_init(struct options *o, int argc, char *const argv[], struct cli_args *a,
           struct config_diag *d)
{
	char msg[CONFIG_DIAG_LEN];
	int c, rc;

	o->mode = OPTIONS_INIT;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, init_shortopts, init_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SUBNET:
			a->subnet = optarg;
			break;
		case OPT_STATIC:
			rc = arg_static(o, optarg, d);
			if (rc < 0)
				return rc;
			break;
		case 'o':
			free(o->init_output);
			o->init_output = strdup(optarg);
			if (o->init_output == NULL)
				return -ENOMEM;
			break;
		case OPT_FORCE:
			o->init_force = true;
			break;
		case 'i':
		case OPT_STATE_DIR:
			rc = arg_statedir(c, optarg, a, d);
			if (rc < 0)
				return rc;
			break;
		case 'h':
			o->mode = OPTIONS_HELP;
			return 0;
		default:
			getopt_error(c, argv, d);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		config_diag_error(d, "init: unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	rc = statedir_resolve(o, a);
	if (rc < 0)
		return rc;
	if (a->subnet == NULL) {
		config_diag_error(d, "init needs --subnet CIDR");
		return -EINVAL;
	}
	if (config_parse_subnet(&o->init_subnet, a->subnet, "--subnet", msg, sizeof(msg)) < 0) {
		config_diag_error(d, "%s", msg);
		return -EINVAL;
	}
	if (o->nstatics == 0) {
		config_diag_error(d, "init needs at least one --static HOST:PORT");
		return -EINVAL;
	}
	if (o->init_output == NULL && (o->init_output = strdup(CLI_DEFAULT_CONFIG)) == NULL)
		return -ENOMEM;
	rc = statics_fill(&o->init_subnet, NULL, o->statics, o->nstatics, d);
	if (rc < 0)
		return rc;
	return statics_check(&o->init_subnet, o->statics, o->nstatics, d);
}

static int
parse_run(struct options *o, int argc, char *const argv[], struct cli_args *a,
          struct config_diag *d)
{
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, run_shortopts, run_longopts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case 'c':
			a->config = optarg;
			rc = arg_string("-c", optarg, "a file name", nonempty, d);
			break;
		case 'p':
			a->peer = optarg;
			rc = arg_string("-p", optarg, "a file name", nonempty, d);
			break;
		case 'i':
			a->ifname = optarg;
			rc =
			    arg_string("-i", optarg,
			               "an interface name (1-15 characters, no '/', ':' or spaces)",
			               config_ifname_valid, d);
			break;
		case 'n':
			a->name = optarg;
			rc = arg_string("-n", optarg,
			                "a node name (1-63 letters, digits, '.', '-', '_')",
			                config_name_valid, d);
			break;
		case 'a':
			a->has_address = true;
			rc = arg_ipv4("-a", optarg, &a->address, d);
			break;
		case 'e':
			a->existing = true;
			break;
		case 'w':
			rc = arg_port("-w", optarg, &a->wg_port, d);
			break;
		case 'u':
			rc = arg_port("-u", optarg, &a->admin_port, d);
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_STATIC:
			rc = arg_static(o, optarg, d);
			break;
		case OPT_STATE_DIR:
			a->statedir = optarg;
			rc = arg_string("--state-dir", optarg, "a directory", nonempty, d);
			break;
		case OPT_DAEMON:
			o->daemon = true;
			break;
		case OPT_FOREGROUND:
			o->foreground = true;
			break;
		case OPT_MOBILE:
			a->mobile = true;
			break;
		case OPT_IDLE_TIMEOUT: {
			char e[ESC_LEN];
			long v = num_parse(optarg, CONFIG_IDLE_MAX);

			if (v < CONFIG_IDLE_MIN) {
				config_diag_error(d,
				                  "--idle-timeout: expected a number of seconds "
				                  "5-86400, got \"%s\"",
				                  esc(e, optarg));
				rc = -EINVAL;
			} else {
				a->idle_timeout = (unsigned)v;
			}
			break;
		}
		case OPT_GROUP:
			free(o->group);
			o->group = strdup(optarg);
			rc = o->group == NULL ? -ENOMEM
			                      : arg_string("--group", optarg, "a group", nonempty, d);
			break;
		case OPT_CHECK:
			o->mode = OPTIONS_CHECK;
			break;
		case 'h':
			o->mode = OPTIONS_HELP;
			return 0;
		case 'V':
			o->mode = OPTIONS_VERSION;
			return 0;
		default:
			getopt_error(c, argv, d);
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc) {
		config_diag_error(d, "unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	if (o->foreground && !o->daemon) {
		config_diag_error(d, "--foreground needs --daemon");
		return -EINVAL;
	}
	return 0;
}

/* A config module result as a cli result: invalid content is -EBADMSG. */
static int
config_rc(int rc)
{
	return rc == -EINVAL ? -EBADMSG : rc;
}

static void
port_mismatch_warn(const struct options *o, const char *what, unsigned static_port, unsigned port,
                   struct config_diag *d)
{
	char a[IPADDR_STRLEN];

	config_diag_warning(d,
	                    "this node (%s) is the static peer at %s:%u:%u with %s port %u, but "
	                    "uses %s port %u: other nodes will not reach it",
	                    ipaddr_fmt(&o->address, a, sizeof(a)), o->net->source,
	                    o->self->mark.line, o->self->mark.column, what, static_port, what,
	                    port);
}

static int
resolve(struct options *o, const struct cli_args *a, struct config_diag *d)
{
	const struct config *base = NULL;
	struct config_node *node = NULL;
	char msg[CONFIG_DIAG_LEN], host[256];
	const char *path;
	int rc;

	path = a->config != NULL ? a->config : CLI_DEFAULT_CONFIG;
	o->config_path = strdup(path);
	if (o->config_path == NULL)
		return -ENOMEM;
	rc = config_parse_net_file(path, &base, d);
	if (rc < 0)
		return config_rc(rc);
	if (a->peer != NULL) {
		o->peer_path = strdup(a->peer);
		if (o->peer_path == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = config_parse_node_file(a->peer, &node, d);
		if (rc < 0) {
			rc = config_rc(rc);
			goto out;
		}
	}

	/* Static peers: net.yaml plus --static. */
	if (o->nstatics > 0) {
		rc = statics_fill(&base->subnet, base, o->statics, o->nstatics, d);
		if (rc < 0)
			goto out;
		rc = config_add_statics(base, o->statics, o->nstatics, &o->net, d);
		if (rc < 0) {
			rc = config_rc(rc);
			goto out;
		}
		config_free(base);
	} else {
		o->net = base;
	}
	base = NULL;

	/* The overlay address. */
	if (a->has_address) {
		o->address = a->address;
		rc = config_check_address(&o->net->subnet, &o->address, "-a", msg, sizeof(msg));
		if (rc < 0) {
			config_diag_error(d, "%s of %s", msg, o->net->source);
			rc = -EBADMSG;
			goto out;
		}
	} else if (node != NULL && node->wg_ip.family != AF_UNSPEC) {
		o->address = node->wg_ip;
		rc = config_check_address(&o->net->subnet, &o->address, "wgIp", msg, sizeof(msg));
		if (rc < 0) {
			config_diag_error(d, "%s:%u:%u: %s of %s", node->source,
			                  node->wg_ip_mark.line, node->wg_ip_mark.column, msg,
			                  o->net->source);
			rc = -EBADMSG;
			goto out;
		}
	} else {
		config_diag_error(d, "no overlay address: give -a ADDRESS%s",
		                  node != NULL ? " or wgIp in peer.yaml" : "");
		rc = -EINVAL;
		goto out;
	}
	o->self = config_find_static(o->net, &o->address);

	/* Name, interface, flags. */
	if (a->name != NULL) {
		snprintf(o->name, sizeof(o->name), "%s", a->name);
	} else if (node != NULL && node->name != NULL) {
		snprintf(o->name, sizeof(o->name), "%s", node->name);
	} else {
		char e[ESC_LEN];

		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		if (!config_name_valid(host)) {
			config_diag_error(d,
			                  "the host name \"%s\" is not a valid node name: give "
			                  "-n NAME",
			                  esc(e, host));
			rc = -EINVAL;
			goto out;
		}
		snprintf(o->name, sizeof(o->name), "%.*s", CONFIG_NAME_MAX, host);
	}
	if (a->ifname != NULL)
		snprintf(o->ifname, sizeof(o->ifname), "%s", a->ifname);
	else if (node != NULL && node->wg_interface != NULL)
		snprintf(o->ifname, sizeof(o->ifname), "%s", node->wg_interface);
	else
		snprintf(o->ifname, sizeof(o->ifname), "%s", CLI_DEFAULT_IFNAME);
	o->existing_interface = a->existing || (node != NULL && node->existing_interface);
	o->mobile = a->mobile || (node != NULL && node->mobile);
	o->idle_timeout = a->idle_timeout != 0             ? a->idle_timeout
	                  : node != NULL && node->idle_timeout ? node->idle_timeout
	                                                       : 0;

	/* Ports. */
	if (a->wg_port != 0)
		o->wg_port = a->wg_port;
	else if (node != NULL && node->wg_port != 0)
		o->wg_port = node->wg_port;
	else if (o->self != NULL)
		o->wg_port = o->self->port;
	else
		o->wg_port = config_default_wg_port(&o->address);
	if (a->admin_port != 0)
		o->admin_port = a->admin_port;
	else if (node != NULL && node->admin_port != 0)
		o->admin_port = node->admin_port;
	else if (o->self != NULL)
		o->admin_port = o->self->admin_port;
	else
		o->admin_port = config_default_admin_port(&o->address);
	if (o->self != NULL && o->self->port != o->wg_port)
		port_mismatch_warn(o, "WireGuard", o->self->port, o->wg_port, d);
	if (o->self != NULL && o->self->admin_port != o->admin_port)
		port_mismatch_warn(o, "admin", o->self->admin_port, o->admin_port, d);
	if (o->wg_port == o->admin_port) {
		config_diag_error(d, "the WireGuard port and the admin port are both %u",
		                  o->wg_port);
		rc = -EBADMSG;
		goto out;
	}

	/* State directory. */
	if (a->statedir != NULL) {
		o->statedir = strdup(a->statedir);
	} else if (asprintf(&o->statedir, "%s/%s", WGNM_STATEDIR, o->ifname) < 0) {
		o->statedir = NULL;
	}
	rc = o->statedir == NULL ? -ENOMEM : 0;
out:
	config_free(base);
	config_node_free(node);
	return rc;
}

int
cli_parse(struct options *o, int argc, char *const argv[], struct config_diag *d)
{
	struct cli_args a;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(&a, 0, sizeof(a));
	o->mode = OPTIONS_RUN;
	if (argc > 1 && strcmp(argv[1], "init") == 0)
		return parse_init(o, argc - 1, argv + 1, &a, d);
	if (argc > 1 && strcmp(argv[1], "key") == 0)
		return parse_key(o, argc - 1, argv + 1, &a, d);
	rc = parse_run(o, argc, argv, &a, d);
	if (rc < 0 || o->mode == OPTIONS_HELP || o->mode == OPTIONS_VERSION)
		return rc;
	return resolve(o, &a, d);
}

void
cli_free(struct options *o)
{
	size_t i;

	config_free(o->net);
	free(o->config_path);
	free(o->peer_path);
	free(o->statedir);
	free(o->group);
	for (i = 0; i < o->nstatics; i++)
		free(o->statics[i].host);
	free(o->statics);
	free(o->init_output);
	memset(o, 0, sizeof(*o));
}

void
cli_usage(FILE *f)
{
	fprintf(f,
	        "usage: wgnm [-ev] [-c FILE] [-p FILE] [-i IFNAME] [-a ADDRESS] [-n NAME]\n"
	        "            [-w PORT] [-u PORT] [--static HOST:PORT[,ADMINPORT[,WGIP]]]...\n"
	        "            [--state-dir DIR] [--daemon [--foreground]] [--mobile]\n"
	        "            [--idle-timeout S] [--group GROUP] [--check]\n"
	        "       wgnm init --subnet CIDR --static HOST:PORT[,ADMINPORT[,WGIP]]...\n"
	        "            [-o FILE] [--force] [-i IFNAME] [--state-dir DIR]\n"
	        "       wgnm key [-i IFNAME] [--state-dir DIR]\n"
	        "       wgnm --help | --version\n"
	        "\n"
	        "Run a node of a WireGuard mesh described by net.yaml.\n"
	        "\n"
	        "  -c, --config FILE       net.yaml (default %s)\n"
	        "  -p, --peer-config FILE  peer.yaml with this node's settings\n"
	        "  -i, --interface IFNAME  WireGuard interface (default %s)\n"
	        "  -a, --address ADDRESS   this node's overlay address, inside the subnet\n"
	        "  -n, --name NAME         this node's name (default: the host name)\n"
	        "  -e, --existing          use an existing interface, do not create one\n"
	        "  -w, --wg-port PORT      WireGuard port (default 50000 + last octet of ADDRESS)\n"
	        "  -u, --admin-port PORT   admin port (default 50500 + last octet of ADDRESS)\n"
	        "  -v, --verbose           more log output (repeatable)\n"
	        "      --static HOST:PORT[,ADMINPORT[,WGIP]]\n"
	        "                          add a static peer (repeatable)\n"
	        "      --state-dir DIR     state directory (default %s/IFNAME)\n"
	        "      --daemon            run headless, in the background\n"
	        "      --foreground        with --daemon: do not fork\n"
	        "      --mobile            this node roams between networks\n"
	        "      --idle-timeout S    a direct pair without data for S seconds is idle\n"
	        "                          (default 60)\n"
	        "      --group GROUP       members may read the control socket (default: root only)\n"
	        "      --check             validate the configuration, print a summary, exit\n"
	        "  -h, --help              show this help and exit\n"
	        "  -V, --version           show the version and exit\n"
	        "\n"
	        "init writes a new net.yaml with a fresh random sharedKey, mode 0600:\n"
	        "      --subnet CIDR       the overlay subnet, e.g. 10.1.0.0/16\n"
	        "      --static ...        a static peer; WGIP defaults to the next free host\n"
	        "                          address, ADMINPORT to 50500 + its last octet\n"
	        "  -o, --output FILE       where to write, - for stdout (default: as for -c)\n"
	        "      --force             replace an existing file\n"
	        "  -i, --interface IFNAME, --state-dir DIR\n"
	        "                          this node's state directory, as for the node: its\n"
	        "                          identity public key is printed for nodes:\n"
	        "\n"
	        "key prints this node's identity public key (for nodes: in net.yaml), creating\n"
	        "the identity in the state directory (default %s/IFNAME) if it has none.\n"
	        "The private key is never printed.\n"
	        "\n"
	        "The command line beats peer.yaml. See wgnm(8) and wgnm.yaml(5).\n",
	        CLI_DEFAULT_CONFIG, CLI_DEFAULT_IFNAME, WGNM_STATEDIR, WGNM_STATEDIR);
}

static void __attribute__((format(printf, 3, 4)))
line(void (*line_cb)(const char *, void *), void *arg, const char *fmt, ...)
{
	char buf[CONFIG_DIAG_LEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	line_cb(buf, arg);
}

void
cli_describe(const struct options *o, void (*line_cb)(const char *line, void *arg), void *arg)
{
	char a[IPADDR_STRLEN], p[IPPREFIX_STRLEN], fp[16], ep[CONFIG_HOST_MAX + 16];
	const struct config *c = o->net;
	size_t i;

	line(line_cb, arg, "node:        %s", o->name);
	line(line_cb, arg, "address:     %s", ipaddr_fmt(&o->address, a, sizeof(a)));
	line(line_cb, arg, "interface:   %s (%s)", o->ifname,
	     o->existing_interface ? "existing" : "created by wgnm");
	line(line_cb, arg, "ports:       WireGuard %u, admin %u", o->wg_port, o->admin_port);
	line(line_cb, arg, "mode:        %s%s", o->daemon ? "daemon" : "interactive",
	     o->foreground ? ", foreground" : "");
	line(line_cb, arg, "mobile:      %s", o->mobile ? "yes" : "no");
	line(line_cb, arg, "idle after:  %u s without data", o->idle_timeout ? o->idle_timeout : 60);
	line(line_cb, arg, "state dir:   %s", o->statedir);
	line(line_cb, arg, "net.yaml:    %s", o->config_path);
	line(line_cb, arg, "peer.yaml:   %s", o->peer_path != NULL ? o->peer_path : "(none)");
	line(line_cb, arg, "subnet:      %s", ipprefix_fmt(&c->subnet, p, sizeof(p)));
	line(line_cb, arg, "sharedKey:   set (%d bytes, fingerprint %s)", CONFIG_KEY_LEN,
	     config_key_fingerprint(c, fp, sizeof(fp)));
	line(line_cb, arg, "static peers: %zu", c->npeers);
	for (i = 0; i < c->npeers; i++) {
		const struct config_static *s = &c->peers[i];

		line(line_cb, arg, "  %-28s admin %-5u wgIp %s%s%s", static_fmt(s, ep, sizeof(ep)),
		     s->admin_port, ipaddr_fmt(&s->wg_ip, a, sizeof(a)),
		     s->mark.line == 0 ? " (--static)" : "", s == o->self ? " (this node)" : "");
	}
	if (c->has_members)
		line(line_cb, arg, "nodes:       %zu pinned identities (others are refused)",
		     c->nmembers);
	else
		line(line_cb, arg, "nodes:       not pinned (any holder of the sharedKey may join)");
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int
cli_init_write(const struct options *o, struct config_diag *d)
{
	const char *path = o->init_output;
	bool to_stdout = strcmp(path, "-") == 0;
	const struct config *check = NULL;
	struct config_diag *vd;
	char *text = NULL;
	int rc, fd = -1, flags;

	rc = config_generate(&o->init_subnet, o->statics, o->nstatics, &text);
	if (rc < 0)
		return rc;
	vd = malloc(sizeof(*vd));
	if (vd == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	config_diag_init(vd);
	rc = config_parse_net_buf(path, text, strlen(text), &check, vd);
	config_free(check);
	if (rc < 0) {
		config_diag_error(d, "the generated file does not parse: %s",
		                  vd->nerrors > 0 ? vd->errors[0] : "?");
		free(vd);
		goto out;
	}
	free(vd);

	if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		        (o->init_force ? O_TRUNC : O_EXCL);
		fd = open(path, flags, 0600);
		if (fd < 0) {
			rc = -errno;
			if (rc == -EEXIST)
				config_diag_error(
				    d, "%s already exists (use --force to replace it)", path);
			else
				config_diag_error(d, "%s: cannot create: %s", path, strerror(-rc));
			goto out;
		}
		/* A replaced file may have had a wider mode: narrow it before writing the key. */
		if (fchmod(fd, 0600) < 0) {
			rc = -errno;
			config_diag_error(d, "%s: cannot chmod 600: %s", path, strerror(-rc));
			goto out;
		}
	}
	rc = write_all(fd, text, strlen(text));
	if (rc < 0) {
		config_diag_error(d, "%s: cannot write: %s", path, strerror(-rc));
		goto out;
	}
	if (!to_stdout) {
		rc = close(fd) < 0 ? -errno : 0;
		fd = -1;
		if (rc < 0)
			config_diag_error(d, "%s: cannot write: %s", path, strerror(-rc));
	}
out:
	if (fd >= 0 && !to_stdout)
		close(fd);
	config_text_free(text);
	return rc;
}
