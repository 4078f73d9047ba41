/*
 * uapi: the UAPI text codec. Encoder output pinned to exact text; decoder
 * replies (templates where "{X}" is the hex public key of test key X and
 * "{x}" its private key) pinned to their result code and decoded state.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "proto/uapi.h"
#include "tests/tap.h"
#include "tests/wgspec.h"

/* Expand "{X}"/"{x}" templates; returns a static buffer. */
static const char *
expand(const char *t)
{
	static char out[8192];
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char hex[2 * WG_KEY_LEN + 1];
	size_t o = 0;

	while (*t && o + sizeof(hex) < sizeof(out)) {
		if (t[0] == '{' && t[1] != '\0' && t[2] == '}') {
			char c = t[1];

			wgspec_keypair((char)(c >= 'a' ? c - 'a' + 'A' : c), priv, pub);
			wg_key_to_hex(hex, c >= 'a' ? priv : pub);
			memcpy(out + o, hex, 2 * WG_KEY_LEN);
			o += 2 * WG_KEY_LEN;
			t += 3;
		} else {
			out[o++] = *t++;
		}
	}
	out[o] = '\0';
	return out;
}

static const struct {
	const char *spec;
	const char *text; /* template */
} encodes[] = {
    {"", "set=1\n\n"},
    {"priv=A port=51820 fwmark=0 replace_peers",
     "set=1\nprivate_key={a}\nlisten_port=51820\nfwmark=0\nreplace_peers=true\n\n"},
    {"peer=B", "set=1\npublic_key={B}\n\n"},
    {"peer=B remove ep=198.51.100.1:1 ip=10.0.0.0/8", "set=1\npublic_key={B}\nremove=true\n\n"},
    {"port=1 peer=B update_only psk=C ep=[2001:db8::1]:51820 ka=25 replace_ips ip=10.0.0.2/32 "
     "ip=fd00::/64 peer=D ep=198.51.100.2:65535 ka=0",
     "set=1\nlisten_port=1\npublic_key={B}\nupdate_only=true\npreshared_key={c}\n"
     "endpoint=[2001:db8::1]:51820\npersistent_keepalive_interval=25\n"
     "replace_allowed_ips=true\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::/64\n"
     "public_key={D}\nendpoint=198.51.100.2:65535\npersistent_keepalive_interval=0\n\n"},
    {"peer=B replace_ips", "set=1\npublic_key={B}\nreplace_allowed_ips=true\n\n"},
};

#define PEER_B                                                                                     \
	"public_key={B}\npreshared_key="                                                           \
	"0000000000000000000000000000000000000000000000000000000000000000\nprotocol_version=1\n"

static const struct {
	const char *what;
	const char *reply; /* template */
	int rc;
	const char *state; /* wgspec_format, when rc == 0 */
} decodes[] = {
    {"empty device", "errno=0\n\n", 0, "priv=- port=0 fwmark=0"},
    {"device fields", "private_key={a}\nlisten_port=51820\nfwmark=42\nerrno=0\n\n", 0,
     "priv=A port=51820 fwmark=42"},
    {"all peer fields, two peers",
     "listen_port=1\npublic_key={B}\npreshared_key={c}\nprotocol_version=1\n"
     "endpoint=198.51.100.7:51820\nlast_handshake_time_sec=1700000000\n"
     "last_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=20\n"
     "persistent_keepalive_interval=25\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::/64\n"
     "public_key={D}\nendpoint=[2001:db8::1]:4\nallowed_ip=10.9.0.0/16\nerrno=0\n\n",
     0,
     "priv=- port=1 fwmark=0 | B psk=C ep=198.51.100.7:51820 ka=25 "
     "ips=10.0.0.2/32,fd00::/64 | D psk=- ep=[2001:db8::1]:4 ka=0 ips=10.9.0.0/16"},
    {"zero psk means none, zone dropped, host bits masked",
     PEER_B "endpoint=[fe80::1%eth0]:5\nallowed_ip=10.0.0.9/24\nerrno=0\n\n", 0,
     "priv=- port=0 fwmark=0 | B psk=- ep=[fe80::1]:5 ka=0 ips=10.0.0.0/24"},
    {"zero private key means none",
     "private_key=0000000000000000000000000000000000000000000000000000000000000000\nerrno=0\n\n", 0,
     "priv=- port=0 fwmark=0"},
    {"unknown keys are ignored", "future_thing=1\n" PEER_B "peer_future=x y z\nerrno=0\n\n", 0,
     "priv=- port=0 fwmark=0 | B psk=- ep=- ka=0 ips=-"},
    {"upper-case hex key",
     "public_key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nerrno=0\n\n", 0,
     "priv=- port=0 fwmark=0 | qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo= psk=- ep=- ka=0 ips=-"},
    {"errno non-zero (wireguard-go sign)", "errno=-22\n\n", -EINVAL, NULL},
    {"errno non-zero (spec sign)", "errno=98\n\n", -98, NULL},
    {"errno after fields", "listen_port=5\nerrno=-5\n\n", -EIO, NULL},
    {"truncated: no errno", "listen_port=5\n", -EPROTO, NULL},
    {"truncated: no blank line", "listen_port=5\nerrno=0\n", -EPROTO, NULL},
    {"truncated: mid line", "listen_port=5\nerr", -EPROTO, NULL},
    {"truncated: empty", "", -EPROTO, NULL},
    {"blank line before errno", "listen_port=5\n\nerrno=0\n\n", -EPROTO, NULL},
    {"data after the reply", "errno=0\n\nx", -EPROTO, NULL},
    {"line after errno", "errno=0\nlisten_port=5\n\n", -EPROTO, NULL},
    {"missing '='", "listen_port\nerrno=0\n\n", -EPROTO, NULL},
    {"empty key", "=5\nerrno=0\n\n", -EPROTO, NULL},
    {"bad key characters", "Listen_Port=5\nerrno=0\n\n", -EPROTO, NULL},
    {"NUL in a line", "listen_port=5\0\nerrno=0\n\n", -EPROTO, NULL},
    {"malformed errno", "errno=x\n\n", -EPROTO, NULL},
    {"errno out of range", "errno=99999\n\n", -EPROTO, NULL},
    {"malformed number", "listen_port=5x\nerrno=0\n\n", -EINVAL, NULL},
    {"negative number", "listen_port=-5\nerrno=0\n\n", -EINVAL, NULL},
    {"empty number", "listen_port=\nerrno=0\n\n", -EINVAL, NULL},
    {"port out of range", "listen_port=65536\nerrno=0\n\n", -EINVAL, NULL},
    {"fwmark out of range", "fwmark=4294967296\nerrno=0\n\n", -EINVAL, NULL},
    {"u64 overflow", PEER_B "rx_bytes=18446744073709551616\nerrno=0\n\n", -EINVAL, NULL},
    {"u64 max", PEER_B "rx_bytes=18446744073709551615\nerrno=0\n\n", 0,
     "priv=- port=0 fwmark=0 | B psk=- ep=- ka=0 ips=-"},
    {"nsec out of range", PEER_B "last_handshake_time_nsec=1000000000\nerrno=0\n\n", -EINVAL, NULL},
    {"short key", "public_key=abcd\nerrno=0\n\n", -EINVAL, NULL},
    {"non-hex key", "public_key=zz{B}\nerrno=0\n\n", -EINVAL, NULL},
    {"bad endpoint", PEER_B "endpoint=1.2.3.4\nerrno=0\n\n", -EINVAL, NULL},
    {"bad allowed ip", PEER_B "allowed_ip=10.0.0.0/33\nerrno=0\n\n", -EINVAL, NULL},
    {"bad protocol version", PEER_B "protocol_version=2\nerrno=0\n\n", -EPROTO, NULL},
    {"peer field before public_key", "endpoint=1.2.3.4:5\nerrno=0\n\n", -EPROTO, NULL},
    {"device field after a peer", PEER_B "listen_port=5\nerrno=0\n\n", -EPROTO, NULL},
};

static const struct {
	const char *what;
	const char *reply;
	int rc;
} set_replies[] = {
    {"ok", "errno=0\n\n", 0},
    {"failure, negative", "errno=-22\n\n", -EINVAL},
    {"failure, positive", "errno=98\n\n", -98},
    {"unknown key first", "x=1\nerrno=0\n\n", 0},
    {"truncated", "errno=0\n", -EPROTO},
    {"no errno", "\n", -EPROTO},
    {"garbage", "hello\n\n", -EPROTO},
};

static void
test_overlong(void)
{
	char line[UAPI_LINE_MAX + 64];
	struct wg_device *dev = NULL;
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "x=%0*d\nerrno=0\n\n", UAPI_LINE_MAX - 2, 0);
	is_int(uapi_decode_get(line, n, "t", &dev), 0, "a line of exactly UAPI_LINE_MAX is fine");
	wg_device_free(dev);
	n = (size_t)snprintf(line, sizeof(line), "x=%0*d\nerrno=0\n\n", UAPI_LINE_MAX - 1, 0);
	is_int(uapi_decode_get(line, n, "t", &dev), -EPROTO, "an overlong line is -EPROTO");
	ok(dev == NULL, "no device on error");
}

static void
test_complete(void)
{
	const char *r = "listen_port=5\nerrno=0\n\nextra";
	size_t full = strlen("listen_port=5\nerrno=0\n\n"), i, first = 0;

	for (i = 0; i <= full; i++)
		if (uapi_reply_complete(r, i) != 0 && first == 0)
			first = i;
	is_int(first, full, "reply is complete exactly when its blank line arrived");
	is_int(uapi_reply_complete(r, strlen(r)), full, "trailing bytes are not part of the reply");
	is_int(uapi_reply_complete("\n", 1), 1, "a lone blank line is a (bad) complete reply");
	is_int(uapi_reply_complete("a=1\n", 4), 0, "no blank line: incomplete");
}

static void
test_errors(void)
{
	struct uapi_buf b = {0};
	struct wg_device *dev;
	struct ipprefix bad = {.addr = {.family = AF_UNSPEC}, .len = 0};
	struct wg_peer *peer;

	wgspec_parse("t", "port=7", &dev);
	peer = wg_device_add_peer(dev, NULL);
	is_int(uapi_encode_set(dev, &b), -EINVAL, "peer without public key: -EINVAL");
	is_int(b.len, 0, "nothing left in the buffer after a failed encode");
	peer->flags |= WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_ENDPOINT;
	is_int(uapi_encode_set(dev, &b), -EINVAL, "endpoint without address: -EINVAL");
	peer->flags &= ~(uint32_t)WGPEER_HAS_ENDPOINT;
	wg_peer_add_allowedip(peer, &bad);
	is_int(uapi_encode_set(dev, &b), -EINVAL, "allowed IP without family: -EINVAL");
	is_int(uapi_encode_reply(dev, 1, &b), -EINVAL, "positive error to encode_reply: -EINVAL");
	is_int(uapi_encode_reply(NULL, -EPERM, &b), 0, "error reply encodes");
	is_int(uapi_decode_set(b.data, b.len), -EPERM, "and decodes to its error");
	uapi_buf_free(&b);
	wg_device_free(dev);
}

/* Encoding a decoded reply again gives the same device. */
static void
test_roundtrip(void)
{
	char s1[4096], s2[4096];
	struct uapi_buf b = {0};
	struct wg_device *d1 = NULL, *d2 = NULL;
	const char *r = expand(decodes[2].reply);

	uapi_decode_get(r, strlen(r), "t", &d1);
	ok(d1 != NULL && uapi_encode_reply(d1, 0, &b) == 0, "decoded reply re-encodes");
	is_int(uapi_decode_get(b.data, b.len, "t", &d2), 0, "re-encoded reply decodes");
	if (d1 && d2) {
		is_str(wgspec_format(d2, s2, sizeof(s2)), wgspec_format(d1, s1, sizeof(s1)),
		       "round trip keeps the state");
		ok(d2->first_peer->last_handshake.tv_sec == 1700000000 &&
		       d2->first_peer->last_handshake.tv_nsec == 5 &&
		       d2->first_peer->tx_bytes == 10 && d2->first_peer->rx_bytes == 20,
		   "round trip keeps handshake time and counters");
		ok(d1->flags & WGDEV_HAS_LISTEN_PORT, "listen port flagged");
	}
	wg_device_free(d1);
	wg_device_free(d2);
	uapi_buf_free(&b);
}

int
main(void)
{
	char state[4096];
	size_t i;

	for (i = 0; i < sizeof(encodes) / sizeof(encodes[0]); i++) {
		struct uapi_buf b = {0};
		struct wg_device *dev = NULL;
		char *text;
		int rc = wgspec_parse("t", encodes[i].spec, &dev);

		if (!ok(rc == 0, "spec \"%s\" parses", encodes[i].spec))
			continue;
		is_int(uapi_encode_set(dev, &b), 0, "encode \"%s\"", encodes[i].spec);
		text = strndup(b.data ? b.data : "", b.len);
		is_str(text, expand(encodes[i].text), "encode \"%s\": exact text", encodes[i].spec);
		free(text);
		uapi_buf_free(&b);
		wg_device_free(dev);
	}
	for (i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		struct wg_device *dev = NULL;
		const char *r = expand(decodes[i].reply);
		/* explicit length: "NUL in a line" has an embedded NUL */
		size_t len = strlen(r);
		int rc;

		if (strcmp(decodes[i].what, "NUL in a line") == 0)
			len = sizeof("listen_port=5\0\nerrno=0\n\n") - 1;
		rc = uapi_decode_get(len == strlen(r) ? r : decodes[i].reply, len, "t", &dev);
		is_int(rc, decodes[i].rc, "decode: %s", decodes[i].what);
		if (rc == 0 && decodes[i].state != NULL)
			is_str(wgspec_format(dev, state, sizeof(state)), decodes[i].state,
			       "decode: %s: state", decodes[i].what);
		if (rc != 0)
			ok(dev == NULL, "decode: %s: no device", decodes[i].what);
		wg_device_free(dev);
	}
	for (i = 0; i < sizeof(set_replies) / sizeof(set_replies[0]); i++)
		is_int(uapi_decode_set(set_replies[i].reply, strlen(set_replies[i].reply)),
		       set_replies[i].rc, "set reply: %s", set_replies[i].what);
	test_overlong();
	test_complete();
	test_errors();
	test_roundtrip();
	return tap_done();
}
