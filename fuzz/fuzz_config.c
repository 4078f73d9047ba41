/*
 * fuzz_config: libFuzzer target for the configuration parser. The input is
 * parsed as net.yaml and as peer.yaml; both must either return a config or
 * errors, never crash, leak or read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "src/conf.h"
#include "src/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_diag d;
	const struct config *c = NULL;
	struct config_node *n = NULL;

	config_diag_init(&d);
	if (config_parse_net_buf("net.yaml", data, size, &c, &d) == 0) {
		char fp[16];

		config_key_fingerprint(c, fp, sizeof(fp));
		config_free(c);
	}
	config_diag_init(&d);
	if (config_parse_node_buf("peer.yaml", data, size, &n, &d) == 0)
		config_node_free(n);
	return 0;
}
