/*
 * config_test: net.yaml and peer.yaml, every accepted form and every error
 * class pinned to its exact message and position. Parses from memory (the
 * file name in messages is "net.yaml" / "peer.yaml"), plus a few file cases.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/conf.h"
#include "tests/tap.h"

/* "EXAMPLE-KEY-DO-NOT-USE-EXAMPLE!!", 32 bytes. */
#define KEY "RVhBTVBMRS1LRVktRE8tTk9ULVVTRS1FWEFNUExFISE="
#define NET "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/16\n"
/* Lines 4-7 when appended to NET: "peers:" then one entry at 5:5. */
#define PEERS1 "peers:\n  - endPoint: vps.example.net:50000\n    adminPort: 55555\n    wgIp: 10.1.1.1\n"
#define ENTRY(ep, port, ip) "  - endPoint: " ep "\n    adminPort: " port "\n    wgIp: " ip "\n"
/* nodes: after NET PEERS1 starts at line 8; its first entry is at 9:5. */
#define ID1 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=" /* 32 x 'A' */
#define ID2 "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=" /* 32 x 'B' */
#define MEMBER(name, ip, id) "  - name: " name "\n    wgIp: " ip "\n    identity: " id "\n"

static const struct {
	const char *in;
	const char *error;   /* first error, NULL if it parses */
	const char *warning; /* first warning, or NULL for none */
} net_cases[] = {
	/* accepted */
	{ NET PEERS1, NULL, NULL },
	{ "# comment\n---\n" NET PEERS1 "...\n", NULL, NULL },
	{ NET "peers:\n" ENTRY("203.0.113.10:50000", "55555", "10.1.0.1"), NULL, NULL },
	{ NET "peers:\n" ENTRY("\"[2001:db8::1]:50000\"", "55555", "10.1.0.1"), NULL, NULL },
	{ NET "peers:\n" ENTRY("vps.example.net.:1", "65535", "10.1.255.254"), NULL, NULL },
	{ NET "peers:\n" ENTRY("a-b_c.example:50000", "\"55555\"", "'10.1.0.1'"), NULL, NULL },
	{ "network:\n  sharedKey: RVhBTVBMRS1LRVktRE8tTk9ULVVTRS1FWEFNUExFISE\n"
	  "  subnet: 10.1.0.0/16\n" PEERS1,
	  NULL, NULL },
	{ "{network: {sharedKey: '" KEY "', subnet: 10.1.0.0/16},"
	  " peers: [{endPoint: 'h.example:1', adminPort: 2, wgIp: 10.1.0.5}]}",
	  NULL, NULL },
	{ NET "peers:\n" ENTRY("h1.example:1", "2", "10.1.0.1") ENTRY("h2.example:1", "2", "10.1.0.2"),
	  NULL, NULL },
	{ "network: &n\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/16\n" PEERS1 "copy: *n\n", NULL,
	  "net.yaml:8:1: unknown key copy (ignored)" },
	/* warnings */
	{ NET PEERS1 "members:\n  - x\n", NULL, "net.yaml:8:1: unknown key members (ignored)" },
	{ "network:\n  sharedKey: " KEY "\n  subnt: 10.1.0.0/16\n  subnet: 10.1.0.0/16\n" PEERS1,
	  NULL, "net.yaml:3:3: unknown key subnt in network (ignored)" },
	{ NET PEERS1 "    wgPort: 1\n", NULL, "net.yaml:8:5: unknown key wgPort in peers[0] (ignored)" },
	/* YAML itself */
	{ "", "net.yaml:1:1: file is empty, expected a mapping", NULL },
	{ "# only a comment\n", "net.yaml:1:1: file is empty, expected a mapping", NULL },
	{ "network: [\n",
	  "net.yaml:2:1: YAML syntax error: did not find expected node content (while parsing a "
	  "flow node at 2:1)",
	  NULL },
	{ "network:\n  a: b\n c: d\n",
	  "net.yaml:3:2: YAML syntax error: did not find expected key (while parsing a block "
	  "mapping at 1:1)",
	  NULL },
	{ "a: \xff\n", "net.yaml:1:4: YAML syntax error: invalid leading UTF-8 octet", NULL },
	{ "a: *nothing\n", "net.yaml:1:4: YAML syntax error: found undefined alias", NULL },
	{ NET PEERS1 "---\nb: 1\n", "net.yaml:8:1: only one YAML document is allowed", NULL },
	{ "hello\n", "net.yaml:1:1: expected a mapping with keys network and peers, got a scalar",
	  NULL },
	{ "- a\n", "net.yaml:1:1: expected a mapping with keys network and peers, got a sequence",
	  NULL },
	{ "? [a]\n: b\n" NET PEERS1, "net.yaml:1:3: a key must be a scalar, got a sequence", NULL },
	/* structure */
	{ PEERS1, "net.yaml:1:1: missing required key network", NULL },
	{ NET, "net.yaml:1:1: missing required key peers", NULL },
	{ "network: x\n" PEERS1, "net.yaml:1:10: network must be a mapping, got a scalar", NULL },
	{ "network:\n" PEERS1, "net.yaml:1:9: network must be a mapping, got an empty value", NULL },
	{ "network:\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:3: missing required key sharedKey in network", NULL },
	{ "network:\n  sharedKey: " KEY "\n" PEERS1,
	  "net.yaml:2:3: missing required key subnet in network", NULL },
	{ NET "  subnet: 10.2.0.0/16\n" PEERS1, "net.yaml:4:3: duplicate key subnet (first at 3:3)",
	  NULL },
	{ NET PEERS1 "peers: []\n", "net.yaml:8:1: duplicate key peers (first at 4:1)", NULL },
	{ NET "peers: []\n", "net.yaml:4:8: peers must list at least one static peer", NULL },
	{ NET "peers:\n", "net.yaml:4:7: peers must list at least one static peer", NULL },
	{ NET "peers:\n  a: b\n",
	  "net.yaml:5:3: peers must be a sequence of static peers, got a mapping", NULL },
	{ NET "peers:\n  - foo\n", "net.yaml:5:5: peers[0] must be a mapping, got a scalar", NULL },
	{ NET "peers:\n  - adminPort: 1\n    wgIp: 10.1.0.1\n",
	  "net.yaml:5:5: missing required key endPoint in peers[0]", NULL },
	{ NET "peers:\n  - endPoint: h.example:1\n    wgIp: 10.1.0.1\n",
	  "net.yaml:5:5: missing required key adminPort in peers[0]", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.1.0.1") "  - endPoint: h.example:1\n    adminPort: 1\n",
	  "net.yaml:8:5: missing required key wgIp in peers[1]", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.1.0.1") "    adminPort: 3\n",
	  "net.yaml:8:5: duplicate key adminPort (first at 6:5)", NULL },
	/* sharedKey */
	{ "network:\n  sharedKey: abc\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:14: sharedKey must be base64 of 32 bytes (got 2 bytes)", NULL },
	{ "network:\n  sharedKey: " KEY "QUFB\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:14: sharedKey must be base64 of 32 bytes (not valid base64)", NULL },
	{ "network:\n  sharedKey: QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:14: sharedKey must be base64 of 32 bytes (got 36 bytes)", NULL },
	{ "network:\n  sharedKey: not*base64\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:14: sharedKey must be base64 of 32 bytes (not valid base64)", NULL },
	{ "network:\n  sharedKey: [a]\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:14: sharedKey must be base64 of 32 bytes, got a sequence", NULL },
	{ "network:\n  sharedKey:\n  subnet: 10.1.0.0/16\n" PEERS1,
	  "net.yaml:2:13: sharedKey must be base64 of 32 bytes, got an empty value", NULL },
	/* subnet */
	{ "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/33\n" PEERS1,
	  "net.yaml:3:11: subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got \"10.1.0.0/33\"",
	  NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0\n" PEERS1,
	  "net.yaml:3:11: subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got \"10.1.0.0\"",
	  NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.1/16\n" PEERS1,
	  "net.yaml:3:11: subnet 10.1.0.1/16 has host bits set (did you mean 10.1.0.0/16?)", NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: fd00::/64\n" PEERS1,
	  "net.yaml:3:11: subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got \"fd00::/64\" "
	  "(IPv6 overlays are not supported)",
	  NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: 10.1.0.0/31\n" PEERS1,
	  "net.yaml:3:11: subnet 10.1.0.0/31 is too small (at most /30)", NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: {a: b}\n" PEERS1,
	  "net.yaml:3:11: subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got a mapping", NULL },
	{ "network:\n  sharedKey: " KEY "\n  subnet: \"10.1.0.0/16\\0\"\n" PEERS1,
	  "net.yaml:3:11: subnet must be an IPv4 CIDR prefix like 10.1.0.0/16, got text with a NUL "
	  "byte",
	  NULL },
	/* endPoint */
	{ NET "peers:\n" ENTRY("vps.example.net", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"vps.example.net\" (missing :PORT)", NULL },
	{ NET "peers:\n" ENTRY("vps.example.net:0", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"vps.example.net:0\" (port must be "
	  "1-65535)",
	  NULL },
	{ NET "peers:\n" ENTRY("vps.example.net:65536", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"vps.example.net:65536\" (port must be "
	  "1-65535)",
	  NULL },
	{ NET "peers:\n" ENTRY(":50000", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \":50000\" (missing host)", NULL },
	{ NET "peers:\n" ENTRY("2001:db8::1:50000", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"2001:db8::1:50000\" (an IPv6 address "
	  "must be in brackets: [ADDRESS]:PORT)",
	  NULL },
	{ NET "peers:\n" ENTRY("\"[203.0.113.1]:5\"", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"[203.0.113.1]:5\" (only IPv6 addresses "
	  "go in brackets)",
	  NULL },
	{ NET "peers:\n" ENTRY("\"[2001:db8::1:5\"", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"[2001:db8::1:5\" (missing ])", NULL },
	{ NET "peers:\n" ENTRY("\"[vps]:5\"", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"[vps]:5\" (not an IPv6 address in "
	  "brackets)",
	  NULL },
	{ NET "peers:\n" ENTRY("10.1.1.300:5", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"10.1.1.300:5\" (not a DNS name or IP "
	  "address)",
	  NULL },
	{ NET "peers:\n" ENTRY("bad!host:5", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"bad!host:5\" (not a DNS name or IP "
	  "address)",
	  NULL },
	{ NET "peers:\n" ENTRY("-bad.example:5", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got \"-bad.example:5\" (not a DNS name or IP "
	  "address)",
	  NULL },
	{ NET "peers:\n" ENTRY("[a, b]", "1", "10.1.0.1"),
	  "net.yaml:5:15: endPoint must be HOST:PORT, got a sequence", NULL },
	/* adminPort */
	{ NET "peers:\n" ENTRY("h.example:1", "0", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got \"0\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "65536", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got \"65536\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "-1", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got \"-1\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "port\\x01", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got \"port\\\\x01\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "\"\\x01\"", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got \"\\x01\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "{}", "10.1.0.1"),
	  "net.yaml:6:16: adminPort must be a port number 1-65535, got a mapping", NULL },
	/* wgIp */
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.2.0.1"),
	  "net.yaml:7:11: wgIp 10.2.0.1 is outside subnet 10.1.0.0/16", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.1.0.0"),
	  "net.yaml:7:11: wgIp 10.1.0.0 is the network address of subnet 10.1.0.0/16", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.1.255.255"),
	  "net.yaml:7:11: wgIp 10.1.255.255 is the broadcast address of subnet 10.1.0.0/16", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "fd00::1"),
	  "net.yaml:7:11: wgIp must be an IPv4 address, got \"fd00::1\"", NULL },
	{ NET "peers:\n" ENTRY("h.example:1", "2", "10.1.1"),
	  "net.yaml:7:11: wgIp must be an IPv4 address, got \"10.1.1\"", NULL },
	{ NET "peers:\n" ENTRY("h1.example:1", "2", "10.1.1.1") ENTRY("h2.example:1", "2", "10.1.1.1"),
	  "net.yaml:10:11: duplicate wgIp 10.1.1.1 (first used by the peer at 5:5)", NULL },
	/* a long value is shortened in the message */
	{ NET "peers:\n" ENTRY("h.example:1", "2", "x123456789012345678901234567890123456789012345678901234567890"),
	  "net.yaml:7:11: wgIp must be an IPv4 address, got "
	  "\"x12345678901234567890123456789012345678901234567...\"",
	  NULL },
	/* nodes: (identity pinning) */
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1) MEMBER("b", "10.1.1.2", ID2), NULL,
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"),
	  NULL, NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("b", "10.1.1.2", ID1), NULL,
	  "net.yaml:5:5: static peer 10.1.1.1 has no entry in nodes: its node will be refused" },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1) "    role: x\n", NULL,
	  "net.yaml:12:5: unknown key role in nodes[0] (ignored)" },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", "not*base64"),
	  "net.yaml:11:15: identity must be base64 of a 32-byte Ed25519 public key (not valid "
	  "base64)",
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", "QUFB"),
	  "net.yaml:11:15: identity must be base64 of a 32-byte Ed25519 public key (got 3 bytes)",
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1 "QUFB"),
	  "net.yaml:11:15: identity must be base64 of a 32-byte Ed25519 public key (not valid "
	  "base64)",
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"),
	  "net.yaml:11:15: identity must be base64 of a 32-byte Ed25519 public key (got 36 bytes)",
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", "[a]"),
	  "net.yaml:11:15: identity must be base64 of a 32-byte Ed25519 public key, got a sequence",
	  NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.2.0.1", ID1),
	  "net.yaml:10:11: wgIp 10.2.0.1 is outside subnet 10.1.0.0/16", NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.0.0", ID1),
	  "net.yaml:10:11: wgIp 10.1.0.0 is the network address of subnet 10.1.0.0/16", NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1) MEMBER("b", "10.1.1.2", ID1),
	  "net.yaml:14:15: duplicate identity (first used by the node at 9:5)", NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1) MEMBER("b", "10.1.1.1", ID2),
	  "net.yaml:13:11: duplicate wgIp 10.1.1.1 (first used by the node at 9:5)", NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID1) MEMBER("vps", "10.1.1.2", ID2),
	  "net.yaml:12:11: duplicate name vps (first used by the node at 9:5)", NULL },
	{ NET PEERS1 "nodes:\n" MEMBER("x123456789012345678901234567890123", "10.1.1.1", ID1),
	  "net.yaml:9:11: name must be a node name (1-32 letters, digits, '.', '-', '_'), got "
	  "\"x123456789012345678901234567890123\"",
	  NULL },
	{ NET PEERS1 "nodes:\n  - name: vps\n    wgIp: 10.1.1.1\n",
	  "net.yaml:9:5: missing required key identity in nodes[0]", NULL },
	{ NET PEERS1 "nodes: []\n",
	  "net.yaml:8:8: nodes must list at least one node (or be left out)", NULL },
	{ NET PEERS1 "nodes:\n",
	  "net.yaml:8:7: nodes must list at least one node (or be left out)", NULL },
	{ NET PEERS1 "nodes: {a: b}\n",
	  "net.yaml:8:8: nodes must be a sequence of {name, wgIp, identity}, got a mapping", NULL },
	{ NET PEERS1 "nodes:\n  - just a string\n",
	  "net.yaml:9:5: nodes[0] must be a mapping, got a scalar", NULL },
};

static const struct {
	const char *in;
	const char *error;
	const char *warning;
} node_cases[] = {
	{ "name: alice\nwgIp: 10.1.1.7\nwgInterface: wg1\nexistingInterface: true\nwgPort: 50007\n"
	  "adminPort: 50507\nmobile: yes\n",
	  NULL, NULL },
	{ "name: bob\n", NULL, NULL },
	{ "{}\n", NULL, NULL },
	{ "name: alice\nfoo: 1\n", NULL, "peer.yaml:2:1: unknown key foo (ignored)" },
	{ "", "peer.yaml:1:1: file is empty, expected a mapping", NULL },
	{ "- a\n", "peer.yaml:1:1: expected a mapping of node settings, got a sequence", NULL },
	{ "name: two words\n",
	  "peer.yaml:1:7: name must be a node name (1-63 letters, digits, '.', '-', '_'), got \"two "
	  "words\"",
	  NULL },
	{ "name:\n",
	  "peer.yaml:1:6: name must be a node name (1-63 letters, digits, '.', '-', '_'), got an "
	  "empty value",
	  NULL },
	{ "wgIp: 10.1.1.300\n", "peer.yaml:1:7: wgIp must be an IPv4 address, got \"10.1.1.300\"",
	  NULL },
	{ "wgInterface: wg0123456789abcdef\n",
	  "peer.yaml:1:14: wgInterface must be an interface name (1-15 characters, no '/', ':' or "
	  "spaces), got \"wg0123456789abcdef\"",
	  NULL },
	{ "wgInterface: a/b\n",
	  "peer.yaml:1:14: wgInterface must be an interface name (1-15 characters, no '/', ':' or "
	  "spaces), got \"a/b\"",
	  NULL },
	{ "existingInterface: maybe\n",
	  "peer.yaml:1:20: existingInterface must be true or false, got \"maybe\"", NULL },
	{ "wgPort: 0\n", "peer.yaml:1:9: wgPort must be a port number 1-65535, got \"0\"", NULL },
	{ "adminPort: [1]\n", "peer.yaml:1:12: adminPort must be a port number 1-65535, got a sequence",
	  NULL },
	{ "mobile: 1\n", "peer.yaml:1:9: mobile must be true or false, got \"1\"", NULL },
	{ "idleTimeout: 3\n",
	  "peer.yaml:1:14: idleTimeout must be a number of seconds 5-86400, got \"3\"", NULL },
	{ "idleTimeout: 1m\n",
	  "peer.yaml:1:14: idleTimeout must be a number of seconds 5-86400, got \"1m\"", NULL },
	{ "name: a\nname: b\n", "peer.yaml:2:1: duplicate key name (first at 1:1)", NULL },
};

static void
test_net_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(net_cases) / sizeof(net_cases[0]); i++) {
		const struct config *c = NULL;
		struct config_diag d;
		int rc;

		config_diag_init(&d);
		rc = config_parse_net_buf("net.yaml", net_cases[i].in, strlen(net_cases[i].in), &c,
					  &d);
		if (net_cases[i].error == NULL) {
			is_int(rc, 0, "net[%zu] parses", i);
			ok(c != NULL, "net[%zu] config returned", i);
			if (d.nerrors > 0)
				diag("unexpected: %s", d.errors[0]);
		} else {
			is_int(rc, -EINVAL, "net[%zu] rejected", i);
			ok(c == NULL, "net[%zu] no config on error", i);
			is_str(d.nerrors > 0 ? d.errors[0] : NULL, net_cases[i].error,
			       "net[%zu] error text", i);
		}
		is_str(d.nwarnings > 0 ? d.warnings[0] : NULL, net_cases[i].warning,
		       "net[%zu] warning", i);
		config_free(c);
	}
}

static void
test_node_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(node_cases) / sizeof(node_cases[0]); i++) {
		struct config_node *n = NULL;
		struct config_diag d;
		int rc;

		config_diag_init(&d);
		rc = config_parse_node_buf("peer.yaml", node_cases[i].in, strlen(node_cases[i].in),
					   &n, &d);
		if (node_cases[i].error == NULL) {
			is_int(rc, 0, "node[%zu] parses", i);
			if (d.nerrors > 0)
				diag("unexpected: %s", d.errors[0]);
		} else {
			is_int(rc, -EINVAL, "node[%zu] rejected", i);
			ok(n == NULL, "node[%zu] no config on error", i);
			is_str(d.nerrors > 0 ? d.errors[0] : NULL, node_cases[i].error,
			       "node[%zu] error text", i);
		}
		is_str(d.nwarnings > 0 ? d.warnings[0] : NULL, node_cases[i].warning,
		       "node[%zu] warning", i);
		config_node_free(n);
	}
}

/* The fields of accepted files. */
static void
test_net_fields(void)
{
	static const char in[] = NET "peers:\n" ENTRY("vps.example.net:50000", "55555", "10.1.1.1")
		ENTRY("203.0.113.10:50001", "55556", "10.1.1.2")
			ENTRY("\"[2001:db8::1]:50002\"", "55557", "10.1.1.3");
	static const uint8_t key[] = "EXAMPLE-KEY-DO-NOT-USE-EXAMPLE!!";
	char b[ENDPOINT_STRLEN];
	const struct config *c = NULL;
	struct config_diag d;

	config_diag_init(&d);
	is_int(config_parse_net_buf("net.yaml", in, strlen(in), &c, &d), 0, "fields: parses");
	if (c == NULL)
		return;
	is_str(c->source, "net.yaml", "fields: source");
	ok(sodium_memcmp(c->shared_key, key, CONFIG_KEY_LEN) == 0, "fields: key decoded");
	is_str(ipprefix_fmt(&c->subnet, b, sizeof(b)), "10.1.0.0/16", "fields: subnet");
	is_int(c->npeers, 3, "fields: 3 peers");
	is_str(c->peers[0].host, "vps.example.net", "fields: DNS host kept as text");
	is_int(c->peers[0].port, 50000, "fields: DNS port");
	ok(!c->peers[0].host_is_literal, "fields: DNS name is not a literal");
	is_int(c->peers[0].endpoint.addr.family, AF_UNSPEC, "fields: no endpoint for a name");
	is_int(c->peers[0].admin_port, 55555, "fields: adminPort");
	is_str(ipaddr_fmt(&c->peers[0].wg_ip, b, sizeof(b)), "10.1.1.1", "fields: wgIp");
	is_int(c->peers[0].mark.line, 5, "fields: entry line");
	is_int(c->peers[0].mark.column, 5, "fields: entry column");
	ok(c->peers[1].host_is_literal, "fields: IPv4 literal");
	is_str(endpoint_fmt(&c->peers[1].endpoint, b, sizeof(b)), "203.0.113.10:50001",
	       "fields: IPv4 endpoint");
	is_str(c->peers[2].host, "2001:db8::1", "fields: IPv6 host without brackets");
	is_str(endpoint_fmt(&c->peers[2].endpoint, b, sizeof(b)), "[2001:db8::1]:50002",
	       "fields: IPv6 endpoint");
	is_int(c->peers[2].admin_port, 55557, "fields: third adminPort");
	ok(config_find_static(c, &c->peers[1].wg_ip) == &c->peers[1], "find_static finds");
	config_free(c);
}

static void
test_node_fields(void)
{
	static const char in[] = "name: alice\nwgIp: 10.1.1.7\nwgInterface: wg1\n"
				 "existingInterface: true\nwgPort: 50007\nadminPort: 50507\n"
				 "mobile: yes\nidleTimeout: 90\n";
	struct config_node *n = NULL;
	struct config_diag d;
	char b[IPADDR_STRLEN];

	config_diag_init(&d);
	is_int(config_parse_node_buf("peer.yaml", in, strlen(in), &n, &d), 0, "node fields parse");
	if (n == NULL)
		return;
	is_str(n->name, "alice", "node: name");
	is_str(ipaddr_fmt(&n->wg_ip, b, sizeof(b)), "10.1.1.7", "node: wgIp");
	is_int(n->wg_ip_mark.line, 2, "node: wgIp line");
	is_int(n->wg_ip_mark.column, 7, "node: wgIp column");
	is_str(n->wg_interface, "wg1", "node: wgInterface");
	ok(n->has_existing_interface && n->existing_interface, "node: existingInterface");
	is_int(n->wg_port, 50007, "node: wgPort");
	is_int(n->admin_port, 50507, "node: adminPort");
	ok(n->has_mobile && n->mobile, "node: mobile");
	is_int(n->idle_timeout, 90, "node: idleTimeout");
	config_node_free(n);

	config_diag_init(&d);
	is_int(config_parse_node_buf("peer.yaml", "{}", 2, &n, &d), 0, "node: empty mapping");
	ok(n->name == NULL && n->wg_interface == NULL && n->wg_ip.family == AF_UNSPEC &&
		   n->wg_port == 0 && n->admin_port == 0 && !n->has_existing_interface &&
		   !n->has_mobile,
	   "node: absent keys are unset");
	config_node_free(n);
}

/* Several errors in one run, and the bound on how many are kept. */
static void
test_many_errors(void)
{
	static const char three[] = "network:\n  sharedKey: abc\n  subnet: 10.1.0.1/16\n"
				    "peers:\n" ENTRY("h.example:0", "2", "10.1.0.1");
	const struct config *c = NULL;
	struct config_diag d;
	char *big;
	size_t i, off;

	config_diag_init(&d);
	is_int(config_parse_net_buf("net.yaml", three, strlen(three), &c, &d), -EINVAL,
	       "three errors: rejected");
	is_int(d.nerrors, 3, "three errors: all reported");
	is_str(d.errors[1], "net.yaml:3:11: subnet 10.1.0.1/16 has host bits set (did you mean "
			    "10.1.0.0/16?)",
	       "three errors: second");
	is_str(d.errors[2], "net.yaml:5:15: endPoint must be HOST:PORT, got \"h.example:0\" (port "
			    "must be 1-65535)",
	       "three errors: third");

	big = malloc(64 * 1024);
	off = (size_t)sprintf(big, "%s", NET "peers:\n");
	for (i = 0; i < 30; i++)
		off += (size_t)sprintf(big + off, ENTRY("h.example:1", "0", "10.1.0.%zu"), i + 1);
	config_diag_init(&d);
	is_int(config_parse_net_buf("net.yaml", big, off, &c, &d), -EINVAL, "30 errors: rejected");
	is_int(d.nerrors, CONFIG_DIAG_MAX, "30 errors: %d kept", CONFIG_DIAG_MAX);
	is_int(d.errors_dropped, 30 - CONFIG_DIAG_MAX, "30 errors: the rest counted");
	free(big);
}

static char tmpdir[] = "/tmp/wgnm-config-test.XXXXXX";

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		abort(); /* out of memory in a test */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		diag("cannot write %s", path);
	if (fd >= 0) {
		fchmod(fd, mode);
		close(fd);
	}
	return path;
}

static void
test_files(void)
{
	const struct config *c = NULL;
	struct config_node *n = NULL;
	struct config_diag d;
	char *p600, *p644, *pnode, want[512];

	if (mkdtemp(tmpdir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	p600 = write_file("net600.yaml", NET PEERS1, 0600);
	p644 = write_file("net644.yaml", NET PEERS1, 0644);
	pnode = write_file("peer.yaml", "name: alice\n", 0644);

	config_diag_init(&d);
	is_int(config_parse_net_file(p600, &c, &d), 0, "file 0600 parses");
	is_int(d.nwarnings, 0, "file 0600: no warning");
	config_free(c);
	c = NULL;

	config_diag_init(&d);
	is_int(config_parse_net_file(p644, &c, &d), 0, "file 0644 parses");
	snprintf(want, sizeof(want),
		 "%s: mode 0644 lets group or others access the shared key (chmod 600 %s)", p644,
		 p644);
	is_str(d.nwarnings > 0 ? d.warnings[0] : NULL, want, "file 0644: warning with mode");
	config_free(c);
	c = NULL;

	config_diag_init(&d);
	is_int(config_parse_node_file(pnode, &n, &d), 0, "peer.yaml 0644 parses");
	is_int(d.nwarnings, 0, "peer.yaml 0644: no warning (no secret in it)");
	config_node_free(n);

	config_diag_init(&d);
	is_int(config_parse_net_file("/nonexistent/net.yaml", &c, &d), -ENOENT, "missing file");
	is_str(d.errors[0], "/nonexistent/net.yaml: cannot open: No such file or directory",
	       "missing file: message");

	config_diag_init(&d);
	is_int(config_parse_net_file(tmpdir, &c, &d), -EISDIR, "directory");
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	is_str(d.errors[0], want, "directory: message");

	config_diag_init(&d);
	unlink(p600);
	p600 = (free(p600), write_file("bad.yaml", NET "peers: []\n", 0600));
	if (!ok(p600 != NULL, "bad.yaml written"))
		return;
	is_int(config_parse_net_file(p600, &c, &d), -EINVAL, "file error");
	snprintf(want, sizeof(want), "%s:4:8: peers must list at least one static peer", p600);
	is_str(d.errors[0], want, "file error names the path");

	unlink(p600);
	unlink(p644);
	unlink(pnode);
	free(p600);
	free(p644);
	free(pnode);
	rmdir(tmpdir);
}

static void
test_examples(void)
{
	const char *top = getenv("top_srcdir");
	const struct config *c = NULL;
	struct config_node *n = NULL;
	struct config_diag d;
	char path[4096];

	if (top == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/examples/net.yaml", top);
	config_diag_init(&d);
	is_int(config_parse_net_file(path, &c, &d), 0, "examples/net.yaml parses");
	if (d.nerrors > 0)
		diag("%s", d.errors[0]);
	ok(c != NULL && c->npeers == 3, "examples/net.yaml has 3 static peers");
	config_free(c);
	snprintf(path, sizeof(path), "%s/examples/peer.yaml", top);
	config_diag_init(&d);
	is_int(config_parse_node_file(path, &n, &d), 0, "examples/peer.yaml parses");
	config_node_free(n);
}

static void
test_generate(void)
{
	struct config_static st[2];
	const struct config *c1 = NULL, *c2 = NULL;
	struct ipprefix subnet;
	struct config_diag d;
	char *t1 = NULL, *t2 = NULL, b[ENDPOINT_STRLEN];

	memset(st, 0, sizeof(st));
	ipprefix_parse(&subnet, "10.9.0.0/24", false);
	st[0].host = (char *)"2001:db8::1";
	st[0].port = 50000;
	st[0].admin_port = 50501;
	ipaddr_parse(&st[0].wg_ip, "10.9.0.1");
	st[1].host = (char *)"vps.example.net";
	st[1].port = 51000;
	st[1].admin_port = 51001;
	ipaddr_parse(&st[1].wg_ip, "10.9.0.2");
	is_int(config_generate(&subnet, st, 2, &t1), 0, "generate");
	is_int(config_generate(&subnet, st, 2, &t2), 0, "generate again");
	config_diag_init(&d);
	is_int(config_parse_net_buf("gen.yaml", t1, strlen(t1), &c1, &d), 0, "generated parses");
	is_int(config_parse_net_buf("gen.yaml", t2, strlen(t2), &c2, &d), 0, "again parses");
	if (c1 != NULL && c2 != NULL) {
		ok(sodium_memcmp(c1->shared_key, c2->shared_key, CONFIG_KEY_LEN) != 0,
		   "generate: fresh key each time");
		is_str(ipprefix_fmt(&c1->subnet, b, sizeof(b)), "10.9.0.0/24", "generate: subnet");
		is_int(c1->npeers, 2, "generate: 2 peers");
		is_str(endpoint_fmt(&c1->peers[0].endpoint, b, sizeof(b)), "[2001:db8::1]:50000",
		       "generate: IPv6 endpoint round trip");
		is_str(c1->peers[1].host, "vps.example.net", "generate: name round trip");
		is_int(c1->peers[1].admin_port, 51001, "generate: adminPort round trip");
	}
	config_free(c1);
	config_free(c2);
	config_text_free(t1);
	config_text_free(t2);
}

static void
test_helpers(void)
{
	struct ipaddr a;
	char fp[16];
	const struct config *c = NULL;
	struct config_diag d;

	ipaddr_parse(&a, "10.1.2.7");
	is_int(config_default_wg_port(&a), 50007, "default WireGuard port 50000 + last octet");
	is_int(config_default_admin_port(&a), 50507, "default admin port 50500 + last octet");
	ok(config_hostname_valid("vps.example.net"), "hostname ok");
	ok(!config_hostname_valid("a..b"), "hostname empty label");
	ok(!config_hostname_valid("1.2.3.4"), "hostname all-numeric last label");
	ok(!config_hostname_valid("a-.example"), "hostname label ends with -");
	ok(config_ifname_valid("wg0"), "ifname ok");
	ok(!config_ifname_valid(".."), "ifname ..");
	ok(!config_ifname_valid("a b"), "ifname space");
	ok(config_name_valid("alice-1.lan"), "name ok");
	ok(!config_name_valid(""), "name empty");

	config_diag_init(&d);
	config_parse_net_buf("net.yaml", NET PEERS1, strlen(NET PEERS1), &c, &d);
	if (c != NULL) {
		config_key_fingerprint(c, fp, sizeof(fp));
		is_int(strlen(fp), 8, "fingerprint: 8 hex characters");
		ok(strspn(fp, "0123456789abcdef") == 8, "fingerprint: hex");
	}
	config_free(c);
}

/* nodes: entries are kept sorted by identity; lookups and derived configs see them. */
static void
test_members(void)
{
	static const char in[] = NET PEERS1 "nodes:\n" MEMBER("vps", "10.1.1.1", ID2)
		MEMBER("b", "10.1.1.2", ID1);
	const struct config *c = NULL, *c2 = NULL;
	const struct config_member *e;
	struct config_static extra;
	struct config_diag d;
	uint8_t id[CONFIG_ID_LEN], other[CONFIG_ID_LEN];
	char a[IPADDR_STRLEN];

	config_diag_init(&d);
	is_int(config_parse_net_buf("net.yaml", in, strlen(in), &c, &d), 0, "members: parses");
	if (c == NULL)
		return;
	ok(c->has_members && c->nmembers == 2, "members: two entries");
	memset(id, 'A', sizeof(id));
	memset(other, 'C', sizeof(other));
	e = config_find_member(c, id);
	ok(e != NULL && strcmp(e->name, "b") == 0, "members: found by identity");
	is_str(e != NULL ? ipaddr_fmt(&e->wg_ip, a, sizeof(a)) : NULL, "10.1.1.2",
	       "members: its wgIp");
	ok(e != NULL && e->mark.line == 12 && e->mark.column == 5, "members: its position");
	ok(config_find_member(c, other) == NULL, "members: an unlisted identity is not found");
	memset(&extra, 0, sizeof(extra));
	extra.host = (char *)"h.example";
	extra.port = 1;
	extra.admin_port = 2;
	ipaddr_parse(&extra.wg_ip, "10.1.1.9");
	is_int(config_add_statics(c, &extra, 1, &c2, &d), 0, "members: --static keeps them");
	ok(c2 != NULL && c2->has_members && config_find_member(c2, id) != NULL,
	   "members: the derived config finds them");
	config_free(c2);
	config_free(c);
	c = NULL;
	config_diag_init(&d);
	is_int(config_parse_net_buf("net.yaml", NET PEERS1, strlen(NET PEERS1), &c, &d), 0,
	       "members: none listed parses");
	ok(c != NULL && !c->has_members && config_find_member(c, id) == NULL,
	   "members: no list, no pinning");
	config_free(c);
}

int
main(void)
{
	test_net_table();
	test_node_table();
	test_net_fields();
	test_members();
	test_node_fields();
	test_many_errors();
	test_files();
	test_examples();
	test_generate();
	test_helpers();
	return tap_done();
}
