/*
 * rogue_claim: a hostile member for tests/net/mesh_rogue.sh. It holds the
 * network's shared key (it reads net.yaml) and a fresh identity, and sends
 * correctly sealed and signed HELLOs whose record claims an overlay address
 * the daemon itself would never announce (one outside the subnet). Test-only:
 * built by make check, never installed.
 *
 *   rogue_claim NET_YAML ADDRESS NAME COUNT HOST:PORT...
 *
 * Sends COUNT HELLOs (fresh counters, same record) to each HOST:PORT (an
 * admin socket, IPv4 literal) over UDP and prints the identity it used:
 *   id=BASE64 short=SHORTID wg=BASE64
 * Exit 0 when every datagram was sent, 1 otherwise, 2 for usage errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/identity.h"
#include "proto/mesh.h"
#include "proto/seal.h"
#include "src/conf.h"

static int
usage(void)
{
	fprintf(stderr, "usage: rogue_claim NET_YAML ADDRESS NAME COUNT HOST:PORT...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char b64[sodium_base64_ENCODED_LEN(IDENTITY_ID_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char wg64[sodium_base64_ENCODED_LEN(IDENTITY_WG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char sid[IDENTITY_SHORT_LEN];
	uint8_t buf[SEAL_MAX_DATAGRAM];
	const struct config *net = NULL;
	struct seal_keyring *kr = NULL;
	struct identity *id = NULL;
	struct config_diag d;
	struct mesh_msg msg;
	uint32_t seq = 0;
	long count;
	int fd, i, k, failed = 0;
	size_t len;

	if (argc < 6 || sodium_init() < 0)
		return usage();
	count = strtol(argv[4], NULL, 10);
	if (count < 1 || count > 1000)
		return usage();
	config_diag_init(&d);
	if (config_parse_net_file(argv[1], &net, &d) < 0) {
		fprintf(stderr, "rogue_claim: %s\n", d.nerrors > 0 ? d.errors[0] : "bad net.yaml");
		return 1;
	}
	if (identity_generate(&id) < 0 || seal_keyring_new(&kr, net->shared_key) < 0) {
		fprintf(stderr, "rogue_claim: cannot make keys\n");
		return 1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_HELLO;
	msg.hello.sync_id = 1;
	msg.hello.record.seq = (uint64_t)1 << 32 | 1;
	msg.hello.record.flags = MESH_NODE_RELAY;
	snprintf(msg.hello.record.name, sizeof(msg.hello.record.name), "%s", argv[3]);
	if (ipaddr_parse(&msg.hello.record.addr, argv[2]) < 0)
		return usage();
	memcpy(msg.hello.record.wg_public, identity_wg_public(id), IDENTITY_WG_KEY_LEN);
	msg.hello.record.wg_port = 50077;
	msg.hello.record.admin_port = 50577;
	if (mesh_record_sign(&msg.hello.record, id) < 0) {
		fprintf(stderr, "rogue_claim: cannot sign the record\n");
		return 1;
	}
	sodium_bin2base64(b64, sizeof(b64), identity_node_id(id), IDENTITY_ID_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(wg64, sizeof(wg64), identity_wg_public(id), IDENTITY_WG_KEY_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	identity_short(sid, identity_node_id(id));
	printf("id=%s short=%s wg=%s\n", b64, sid, wg64);
	fflush(stdout);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("rogue_claim: socket");
		return 1;
	}
	for (i = 5; i < argc; i++) {
		struct config_static st;
		struct sockaddr_in sin;
		char why[96];

		memset(&st, 0, sizeof(st));
		if (config_parse_endpoint(&st, argv[i], why, sizeof(why)) < 0 ||
		    !st.host_is_literal || st.endpoint.addr.family != AF_INET) {
			fprintf(stderr, "rogue_claim: %s: want IPV4:PORT\n", argv[i]);
			free(st.host);
			return usage();
		}
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(st.port);
		memcpy(&sin.sin_addr, st.endpoint.addr.bytes, 4);
		free(st.host);
		for (k = 0; k < count; k++) {
			if (mesh_seal(kr, id, (uint64_t)1 << 32 | ++seq, &msg, buf, sizeof(buf),
			              &len) < 0 ||
			    sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
				fprintf(stderr, "rogue_claim: %s: %s\n", argv[i], strerror(errno));
				failed = 1;
			}
		}
	}
	close(fd);
	identity_free(id);
	seal_keyring_free(kr);
	config_free(net);
	return failed;
}
