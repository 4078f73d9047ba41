/*
 * ctl: the control protocol between a wgnm daemon and its clients (wgnm-tui,
 * one-shot status output), and the plain-data model of what a node shows.
 *
 * Vocabulary:
 *   frame     u32 length | u16 type | body, all big-endian. length counts the
 *             type and the body (everything after the length field), so a
 *             frame is 4 + length bytes, at most CTL_FRAME_MAX.
 *   message   one decoded frame (struct ctl_msg), tagged by enum ctl_msg_type.
 *   model     what a node shows: a header, peers keyed by 32-byte node id,
 *             routes keyed by destination prefix, the NAT block, log lines.
 *   event     one ordered change to the model, with a sequence number that
 *             increases by at least one per event (struct ctl_event).
 *   snapshot  SNAPSHOT_BEGIN (header, NAT, counts), one SNAPSHOT_PART per
 *             peer, route or log line (an event whose seq is the snapshot's),
 *             SNAPSHOT_END (the same counts): a 5000-peer snapshot is 5000
 *             small frames, never one huge one.
 *
 * Conversation: the client sends HELLO first; the daemon answers HELLO_ACK or
 * VERSION_MISMATCH (and closes). HELLO's first two fields (magic, version) and
 * the numbers of the first three message types are frozen forever so that any
 * two versions can tell each other apart (ctl_hello_peek()). After HELLO_ACK
 * the daemon sends a snapshot, then EVENTs; the client may send REQUESTs, each
 * answered by one RESULT with the same id.
 *
 * Body encodings (the grammar, one field after the other, no padding):
 *   str       u16 length, then that many bytes, no NUL; each field has a max
 *   id        32 raw bytes
 *   addr      u8 family (0 none, 4, 6), then 0, 4 or 16 bytes
 *   prefix    addr, u8 length (<= 32 / 128, host bits zero); family 0 invalid
 *   endpoint  addr, u16 port
 *   bool      u8 0 or 1
 *   time      i64 seconds (wall clock) unless named _ms
 *   header    name, id_short, ifname, backend, addr, bool + prefix (subnet),
 *             u16 wg_port, u16 admin_port, time start, str version, bool
 *             mobile, u8 ndrops (<= CTL_DROPS_MAX), ndrops x (str name,
 *             u64 count): only the drop reasons that counted
 *
 * Everything here is pure: no I/O, no globals, no allocation. Decoders take
 * (buf, len) and reject, with a fixed errno each, anything but an exact
 * encoding:
 *   -EBADMSG          a field runs past the end (truncation)
 *   -EPROTO           bytes left over after the last field
 *   -EILSEQ           a string longer than its max, or with a NUL inside
 *   -EINVAL           a value out of range (enum, family, prefix length, bool,
 *                     count, host bits set)
 *   -EMSGSIZE         a frame length below 2 or above CTL_FRAME_MAX - 4
 *   -ENOMSG           an unknown message, event or request type
 *   -ENOPROTOOPT      HELLO without the wgnm magic
 *   -EPROTONOSUPPORT  HELLO of another protocol version (ctl_hello_check())
 * Encoders return the frame length or -EMSGSIZE (buffer too small) / -EINVAL
 * (a value the decoder would reject, e.g. an unterminated string).
 */
#ifndef WGNM_PROTO_CTL_H
#define WGNM_PROTO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ipaddr.h"

#define CTL_MAGIC   0x57474e4dU /* "WGNM" */
#define CTL_VERSION 1

#define CTL_FRAME_MAX 65536 /* whole frame, length field included */
#define CTL_HDR_LEN   6     /* u32 length + u16 type */

#define CTL_ID_LEN       32
#define CTL_ID_SHORT_LEN 8 /* hex characters of the short id form */

/* String maxima (bytes, without the terminating NUL of the struct fields). */
#define CTL_NAME_MAX        63
#define CTL_IFNAME_MAX      15
#define CTL_VERSION_STR_MAX 31
#define CTL_REASON_MAX      64
#define CTL_CONFLICT_MAX    127
#define CTL_TEXT_MAX        255

/* Counts. */
#define CTL_PEERS_MAX    65535
#define CTL_ROUTES_MAX   65535
#define CTL_LOGS_MAX     65535
#define CTL_NAT_CAND_MAX 8
#define CTL_NAT_REFL_MAX 8

enum ctl_backend {
	CTL_BACKEND_KERNEL = 0,
	CTL_BACKEND_WIREGUARD_GO = 1,
	CTL_BACKEND_BORINGTUN = 2,
	CTL_BACKEND_EXISTING = 3,
	CTL_BACKEND_FAKE = 4,
};
#define CTL_BACKEND_COUNT 5

enum ctl_peer_state {
	CTL_PEER_UNKNOWN = 0,
	CTL_PEER_SELF = 1,
	CTL_PEER_DIRECT_LAN = 2,
	CTL_PEER_DIRECT_NAT = 3, /* direct after NAT traversal */
	CTL_PEER_DIRECT = 4,     /* direct to a public endpoint */
	CTL_PEER_VIA_GATEWAY = 5,
	CTL_PEER_DOWN = 6,
	CTL_PEER_CONFLICT = 7,
};
#define CTL_PEER_STATE_COUNT 8

enum ctl_nat_state {
	CTL_NAT_NOT_TRIED = 0,
	CTL_NAT_PROBING = 1,
	CTL_NAT_PUNCHING = 2,
	CTL_NAT_DIRECT = 3,
	CTL_NAT_FAILED = 4,
	CTL_NAT_BACKING_OFF = 5,
};
#define CTL_NAT_STATE_COUNT 6

enum ctl_nat_behaviour {
	CTL_NATB_UNKNOWN = 0,
	CTL_NATB_NONE = 1,                 /* a public address, no NAT */
	CTL_NATB_ENDPOINT_INDEPENDENT = 2, /* "cone": one mapping for all peers */
	CTL_NATB_ENDPOINT_DEPENDENT = 3,   /* "symmetric": a mapping per peer */
};
#define CTL_NATB_COUNT 4

enum ctl_log_level {
	CTL_LOG_WARN = 1,
	CTL_LOG_INFO = 2,
	CTL_LOG_DEBUG = 3,
};

/* Datagrams the mesh core dropped for one reason ("refused", "rate", "cap", ...). */
#define CTL_DROPS_MAX     16
#define CTL_DROP_NAME_MAX 15
struct ctl_drop {
	char name[CTL_DROP_NAME_MAX + 1];
	uint64_t count;
};

struct ctl_header {
	char name[CTL_NAME_MAX + 1];
	char id_short[CTL_ID_SHORT_LEN + 1];
	char ifname[CTL_IFNAME_MAX + 1];
	enum ctl_backend backend;
	struct ipaddr addr;     /* overlay address */
	struct ipprefix subnet; /* overlay subnet */
	uint16_t wg_port;
	uint16_t admin_port;
	int64_t start_time; /* wall clock seconds, for the uptime */
	char version[CTL_VERSION_STR_MAX + 1];
	bool mobile;
	uint8_t ndrops; /* reasons with a count > 0, in the daemon's order */
	struct ctl_drop drops[CTL_DROPS_MAX];
};

struct ctl_peer {
	uint8_t id[CTL_ID_LEN];
	char name[CTL_NAME_MAX + 1];
	struct ipaddr addr;
	enum ctl_peer_state state;
	uint8_t gw_id[CTL_ID_LEN]; /* meaningful when state is VIA_GATEWAY */
	char gw_name[CTL_NAME_MAX + 1];
	struct endpoint endpoint; /* WireGuard endpoint; family 0 = none */
	int64_t last_handshake;   /* wall clock seconds, 0 = never */
	uint64_t rx_bytes, tx_bytes;
	uint32_t rtt_us; /* 0 = unknown */
	enum ctl_nat_state nat_state;
	char nat_reason[CTL_REASON_MAX + 1];
	uint32_t backoff_s; /* seconds from now, while BACKING_OFF */
	uint64_t keepalives_sent, probes_sent, probes_answered, admin_in, admin_out;
	uint32_t idle_s;
	bool kept_warm;
	char warm_reason[CTL_REASON_MAX + 1];
	char conflict[CTL_CONFLICT_MAX + 1]; /* while CONFLICT */
};

struct ctl_route {
	struct ipprefix dst;
	uint8_t nexthop_id[CTL_ID_LEN];
	char nexthop_name[CTL_NAME_MAX + 1];
	uint32_t cost;
	int64_t since; /* wall clock seconds */
};

struct ctl_reflexive {
	char seen_by[CTL_NAME_MAX + 1];
	struct endpoint endpoint;
};

struct ctl_nat {
	uint8_t n_local;
	struct endpoint local[CTL_NAT_CAND_MAX];
	uint8_t n_reflexive;
	struct ctl_reflexive reflexive[CTL_NAT_REFL_MAX];
	enum ctl_nat_behaviour behaviour;
};

struct ctl_log {
	uint64_t seq;        /* the daemon's log sequence number */
	int64_t realtime_ms; /* wall clock milliseconds */
	enum ctl_log_level level;
	char text[CTL_TEXT_MAX + 1];
};

enum ctl_event_type {
	CTL_EV_HEADER = 1,
	CTL_EV_PEER_UPSERT = 2,
	CTL_EV_PEER_REMOVE = 3,
	CTL_EV_ROUTE_UPSERT = 4,
	CTL_EV_ROUTE_REMOVE = 5,
	CTL_EV_NAT = 6,
	CTL_EV_LOG = 7,
};

struct ctl_event {
	uint64_t seq;
	enum ctl_event_type type;
	union {
		struct ctl_header header;    /* CTL_EV_HEADER */
		struct ctl_peer peer;        /* CTL_EV_PEER_UPSERT */
		uint8_t peer_id[CTL_ID_LEN]; /* CTL_EV_PEER_REMOVE */
		struct ctl_route route;      /* CTL_EV_ROUTE_UPSERT */
		struct ipprefix route_dst;   /* CTL_EV_ROUTE_REMOVE */
		struct ctl_nat nat;          /* CTL_EV_NAT */
		struct ctl_log log;          /* CTL_EV_LOG */
	};
};

/* Message types, in ranges: handshake 0x00xx, state 0x01xx, requests 0x02xx. */
enum ctl_msg_type {
	CTL_MSG_HELLO = 0x0001,            /* frozen */
	CTL_MSG_HELLO_ACK = 0x0002,        /* frozen */
	CTL_MSG_VERSION_MISMATCH = 0x0003, /* frozen */
	CTL_MSG_SNAPSHOT_BEGIN = 0x0101,
	CTL_MSG_SNAPSHOT_PART = 0x0102,
	CTL_MSG_SNAPSHOT_END = 0x0103,
	CTL_MSG_EVENT = 0x0104,
	CTL_MSG_REQUEST = 0x0201,
	CTL_MSG_RESULT = 0x0202,
};

enum ctl_role {
	CTL_ROLE_TUI = 1,    /* wgnm-tui: snapshot + events */
	CTL_ROLE_STATUS = 2, /* one-shot status: snapshot, then close */
};

enum ctl_access {
	CTL_ACCESS_READ_ONLY = 0,
	CTL_ACCESS_ADMIN = 1, /* may send requests that change things */
};

struct ctl_hello {
	uint32_t magic; /* CTL_MAGIC */
	uint16_t version;
	enum ctl_role role;
	enum ctl_access wants;
};

struct ctl_hello_ack {
	uint16_t version;
	enum ctl_access granted;
	char daemon_version[CTL_VERSION_STR_MAX + 1];
};

struct ctl_version_mismatch {
	uint16_t version; /* the daemon's protocol version */
	char message[CTL_TEXT_MAX + 1];
};

struct ctl_snapshot_begin {
	uint64_t seq; /* the snapshot reflects every event up to seq */
	struct ctl_header header;
	struct ctl_nat nat;
	uint32_t n_peers, n_routes, n_logs; /* parts that follow */
};

struct ctl_snapshot_end {
	uint64_t seq;
	uint32_t n_peers, n_routes, n_logs; /* repeated, so a client can check */
};

enum ctl_op {
	CTL_OP_SHUTDOWN = 1,       /* tear the node down and exit */
	CTL_OP_DETACH_CLIENTS = 2, /* close every other client */
	CTL_OP_SET_VERBOSITY = 3,  /* arg: 0 info, 1 debug */
	CTL_OP_LOG_SINCE = 4,      /* arg: send log lines with seq > arg */
};

struct ctl_request {
	uint32_t id;
	enum ctl_op op;
	uint64_t arg;
};

struct ctl_result {
	uint32_t id;
	uint32_t err; /* 0 or a positive errno value */
	char message[CTL_TEXT_MAX + 1];
};

struct ctl_msg {
	enum ctl_msg_type type;
	union {
		struct ctl_hello hello;
		struct ctl_hello_ack hello_ack;
		struct ctl_version_mismatch mismatch;
		struct ctl_snapshot_begin snap_begin;
		struct ctl_event event; /* SNAPSHOT_PART and EVENT */
		struct ctl_snapshot_end snap_end;
		struct ctl_request request;
		struct ctl_result result;
	};
};

/*
 * Encode m as one frame into buf (cap bytes). Returns the frame length
 * (<= CTL_FRAME_MAX), -EMSGSIZE when cap is too small, -EINVAL when m holds
 * something the decoder would reject. A SNAPSHOT_PART must hold a peer upsert,
 * route upsert or log line.
 */
int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap);

/* Decode the body of a message of the given type (bytes after the header). */
int ctl_decode_body(struct ctl_msg *m, uint16_t type, const uint8_t *body, size_t len);

/* Decode exactly one whole frame (header included). */
int ctl_decode_frame(struct ctl_msg *m, const uint8_t *frame, size_t len);

/*
 * Read only the frozen start of a HELLO body (magic, version), so that any
 * version can answer any other. 0, -EBADMSG (too short) or -ENOPROTOOPT.
 */
int ctl_hello_peek(const uint8_t *body, size_t len, uint16_t *version);

/* 0 when the peer's version is ours, else -EPROTONOSUPPORT. */
int ctl_hello_check(uint16_t peer_version);

/*
 * The one wording of a version mismatch, for both sides:
 * "wgnm-tui speaks control protocol 1, daemon speaks 2". Returns buf.
 */
char *ctl_mismatch_text(char *buf, size_t len, const char *self, unsigned self_version,
                        const char *other, unsigned other_version);

/* Display names ("kernel", "direct LAN", "endpoint-dependent", "warn", ...). */
const char *ctl_backend_str(enum ctl_backend b);
const char *ctl_peer_state_str(enum ctl_peer_state s);
const char *ctl_nat_state_str(enum ctl_nat_state s);
const char *ctl_nat_behaviour_str(enum ctl_nat_behaviour b);
const char *ctl_log_level_str(enum ctl_log_level l);

/*
 * Frame accumulator for the stream side. Feed it bytes as they arrive and take
 * whole frames out. A length prefix above the maximum is an error as soon as
 * its four bytes are in, before any of its body is buffered. The error sticks:
 * the connection is to be closed.
 *
 *   n = ctl_reader_feed(r, data, len);   consumes up to len bytes
 *   while ((rc = ctl_reader_next(r, &type, &body, &blen)) > 0)
 *           handle(type, body, blen);    valid until the next feed/next call
 *   rc < 0: close the connection
 *
 * feed() consumes less than len only when a whole frame is buffered and not
 * yet taken: take frames, then feed the rest.
 */
struct ctl_reader {
	size_t start; /* first byte not yet taken */
	size_t len;   /* bytes buffered from start of buf */
	int err;
	uint8_t buf[CTL_FRAME_MAX];
};

void ctl_reader_init(struct ctl_reader *r);
size_t ctl_reader_feed(struct ctl_reader *r, const uint8_t *data, size_t len);
/* 1 with a frame, 0 when more bytes are needed, < 0 on error (sticky). */
int ctl_reader_next(struct ctl_reader *r, uint16_t *type, const uint8_t **body, size_t *len);

#endif
