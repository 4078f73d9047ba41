/* ipaddr: table-driven parse/format round trips and rejects. */
#include "config.h"

#include <errno.h>

#include "proto/ipaddr.h"
#include "tests/tap.h"

static const struct {
	const char *in;
	int rc;
	const char *out; /* formatted back, when rc == 0 */
} prefixes[] = {
	{ "10.1.0.0/16", 0, "10.1.0.0/16" },
	{ "10.1.2.3/32", 0, "10.1.2.3/32" },
	{ "0.0.0.0/0", 0, "0.0.0.0/0" },
	{ "fd00:1::/64", 0, "fd00:1::/64" },
	{ "10.1.0.1/16", -EINVAL, NULL }, /* host bits set */
	{ "10.1.0.0/33", -EINVAL, NULL },
	{ "10.1.0.0/", -EINVAL, NULL },
	{ "10.1.0.0", -EINVAL, NULL },
	{ "/16", -EINVAL, NULL },
	{ "10.1.0.0/1a", -EINVAL, NULL },
	{ "10.1.0/16", -EINVAL, NULL },
	{ "fd00::/129", -EINVAL, NULL },
	{ "10.1.0.0/-1", -EINVAL, NULL },
};

static const struct {
	const char *in;
	int rc;
	const char *out;
} endpoints[] = {
	{ "203.0.113.10:50000", 0, "203.0.113.10:50000" },
	{ "[2001:db8::1]:51820", 0, "[2001:db8::1]:51820" },
	{ "203.0.113.10:0", -EINVAL, NULL },
	{ "203.0.113.10:65536", -EINVAL, NULL },
	{ "203.0.113.10", -EINVAL, NULL },
	{ "2001:db8::1:51820", -EINVAL, NULL }, /* unbracketed v6 */
	{ "[203.0.113.10]:1", -EINVAL, NULL },
	{ "[2001:db8::1]51820", -EINVAL, NULL },
	{ ":51820", -EINVAL, NULL },
	{ "host.example:1", -EINVAL, NULL }, /* names are not literals */
};

int
main(void)
{
	char buf[ENDPOINT_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		struct ipprefix p;
		int rc = ipprefix_parse(&p, prefixes[i].in, false);

		is_int(rc, prefixes[i].rc, "prefix \"%s\" parses to %d", prefixes[i].in,
		       prefixes[i].rc);
		if (rc == 0 && prefixes[i].out != NULL)
			is_str(ipprefix_fmt(&p, buf, sizeof(buf)), prefixes[i].out,
			       "prefix \"%s\" formats back", prefixes[i].in);
	}
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		struct endpoint e;
		int rc = endpoint_parse(&e, endpoints[i].in);

		is_int(rc, endpoints[i].rc, "endpoint \"%s\" parses to %d", endpoints[i].in,
		       endpoints[i].rc);
		if (rc == 0 && endpoints[i].out != NULL)
			is_str(endpoint_fmt(&e, buf, sizeof(buf)), endpoints[i].out,
			       "endpoint \"%s\" formats back", endpoints[i].in);
	}

	{
		struct ipprefix net, host;
		struct ipaddr a, b;

		ipprefix_parse(&net, "10.1.0.0/16", false);
		ipaddr_parse(&a, "10.1.255.1");
		ipaddr_parse(&b, "10.2.0.1");
		ok(ipprefix_contains(&net, &a), "10.1.0.0/16 contains 10.1.255.1");
		ok(!ipprefix_contains(&net, &b), "10.1.0.0/16 does not contain 10.2.0.1");
		ipaddr_parse(&b, "fd00::1");
		ok(!ipprefix_contains(&net, &b), "v4 prefix does not contain a v6 address");
		host = ipprefix_host(&a);
		is_str(ipprefix_fmt(&host, buf, sizeof(buf)), "10.1.255.1/32", "host prefix is /32");
		ipprefix_parse(&net, "10.1.2.3/20", true);
		ipprefix_mask(&net);
		is_str(ipprefix_fmt(&net, buf, sizeof(buf)), "10.1.0.0/20", "mask clears host bits");
	}
	{
		struct ipaddr a;

		ipaddr_parse(&a, "127.0.0.1");
		ok(ipaddr_is_loopback(&a), "127.0.0.1 is loopback");
		ipaddr_parse(&a, "169.254.1.1");
		ok(ipaddr_is_link_local(&a), "169.254.1.1 is link-local");
		ipaddr_parse(&a, "fe80::1");
		ok(ipaddr_is_link_local(&a), "fe80::1 is link-local");
		ipaddr_parse(&a, "192.0.2.1");
		ok(!ipaddr_is_link_local(&a) && !ipaddr_is_loopback(&a), "192.0.2.1 is global");
	}
	{
		struct endpoint e, back;
		struct sockaddr_storage ss;
		socklen_t len;

		endpoint_parse(&e, "[2001:db8::7]:4242");
		len = endpoint_to_sockaddr(&e, &ss);
		ok(len > 0 && endpoint_from_sockaddr(&back, (struct sockaddr *)&ss, len) == 0 &&
			   endpoint_equal(&e, &back),
		   "endpoint survives a sockaddr round trip");
	}
	return tap_done();
}
