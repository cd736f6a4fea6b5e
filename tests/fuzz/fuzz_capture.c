/* fuzz_capture — the reader and the dissector on whole capture files, plus
 * the guest address learning that reads them too.
 *
 * The input is a capture file as a user would give it: pcap (either byte
 * order, us or ns), pcapng (any block, any link type the dissector reads),
 * anything else.  It is read through reader.c exactly as vocalc reads a
 * file (by name: a memfd's /proc/self/fd path), refusing a cut last record
 * and, if that fails, allowing it; one input in four is also gzip'd (half of
 * those cut short) so the zlib path sees captures, not only noise.
 * Every record is dissected with the file's link type and its fields
 * checked, prepared for matching, and handed to an RTT and an ACK tracker;
 * then the guest's addresses are learned from the file as guest, vnet or
 * nic capture (by the input's hash).
 *
 * Invariants: no sanitizer report; a record's stamp is the reader's range
 * (reader.h); a dissected packet's lengths nest (payload within the
 * transport length within the IP length), its counts are within their
 * arrays; a learned address set is never empty, a set of labellings has 2
 * or 4 of them. */
#include "fuzz.h"

#include <zlib.h>

#include "ack.h"
#include "dissect.h"
#include "guestaddr.h"
#include "match.h"
#include "reader.h"
#include "rtt.h"

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void rtt_sink(void *ctx, const struct rtt_sample *s)
{
	(void)ctx;
	FUZZ_CHECK(s->rtt_ns >= 0);
	FUZZ_CHECK(s->min_ns >= 0 && s->min_ns <= s->rtt_ns);
}

static void check_pkt(const struct pkt *pk)
{
	FUZZ_CHECK(pk->family == 4 || pk->family == 6);
	FUZZ_CHECK(pk->vlan_depth <= 4);
	FUZZ_CHECK(pk->pclass < PROTO_N && pk->pclass != PROTO_ALL);
	FUZZ_CHECK(pk->l4_len <= pk->ip_len);
	FUZZ_CHECK(pk->sack_blocks <= 4);
	FUZZ_CHECK(pk->wscale >= -1 && pk->wscale <= 14);
	if (pk->pclass == PROTO_TCP && pk->has_l4)
		FUZZ_CHECK(pk->payload + 20u <= pk->l4_len);
	FUZZ_CHECK(!pk->has_l4 || !pk->is_fragment || pk->frag_off == 0);
}

/* Reads path to its end as vocalc's passes do; returns the records read.
 * taps: also feed the RTT and ACK trackers (once per input is enough:
 * fuzz_pipeline drives them harder). */
static uint64_t read_all(const char *path, bool allow_truncated, bool taps, struct verr *errp)
{
	struct verr err = {0};
	struct reader *r = reader_open(path, allow_truncated, &err);
	if (r == NULL) {
		FUZZ_CHECK(err.status == VERR_INPUT && err.msg[0] != '\0');
		*errp = err;
		return 0;
	}
	FUZZ_CHECK(reader_linktype_supported(reader_linktype(r)));
	struct rtt_cfg rc;
	rtt_cfg_default(&rc);
	struct ack_cfg ac;
	ack_cfg_default(&ac);
	struct rtt_tracker *rt = taps ? rtt_create(&rc, rtt_sink, NULL) : NULL;
	struct ack_set *as = taps ? ack_set_create(&ac, 1u << POINT_GUEST) : NULL;
	struct ack_tracker *at = as ? ack_set_tracker(as, POINT_GUEST) : NULL;
	FUZZ_CHECK(!taps || (rt && as && at));
	struct match_flow_cache cache = {.valid = 0};
	struct rpacket rp;
	int got;
	uint64_t n = 0;
	while ((got = reader_next(r, &rp, &err)) == 1) {
		n++;
		FUZZ_CHECK(rp.ts_ns >= 0 && rp.ts_ns <= READER_TS_MAX_NS);
		FUZZ_CHECK(rp.caplen == 0 || rp.data != NULL);
		struct pkt pk;
		enum dis_result dr =
		    dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk);
		FUZZ_CHECK((unsigned)dr < DIS_N);
		if (dr != DIS_OK) {
			if (rt)
				rtt_skip(rt, dr);
			continue;
		}
		check_pkt(&pk);
		struct match_prep mp;
		match_prepare(&pk, &mp, &cache);
		if (rt)
			FUZZ_CHECK(rtt_push(rt, &pk, rp.ts_ns) == 0 &&
				   ack_push(at, &pk, rp.ts_ns) == 0);
	}
	FUZZ_CHECK(got == 0 || (got == -1 && err.status == VERR_INPUT && err.msg[0] != '\0'));
	*errp = err;
	FUZZ_CHECK(reader_count(r) == n);
	if (rt) {
		const struct rtt_counts *c = rtt_counts(rt);
		FUZZ_CHECK(c->packets == n);
		FUZZ_CHECK(c->not_ip + c->unreadable + c->not_tcp <= c->packets);
		FUZZ_CHECK(ack_set_finish(as) == 0);
		rtt_delete(rt);
		ack_set_delete(as);
	}
	reader_close(r);
	return n;
}

/* The guest's addresses learned from path as captured at point p (the
 * rules differ at guest, vnet and elsewhere). */
static void learn(const char *path, enum point p)
{
	struct addrset out;
	struct guest_ends ends;
	struct verr err = {0};
	int rc = guestaddr_learn(path, p, true, &out, &ends, &err);
	FUZZ_CHECK(rc == 0 || rc == GUESTADDR_UNDECIDED || rc == -1);
	FUZZ_CHECK(rc == 0 || err.status == VERR_INPUT);
	if (rc == 0)
		FUZZ_CHECK(out.n >= 1 && out.n <= ADDRSET_MAX && ends.n == 0);
	if (rc != 0)
		FUZZ_CHECK(out.n == 0);
	FUZZ_CHECK(ends.n == 0 || ends.n == 2 || ends.n == 4);
	for (int k = 0; k < ends.n; k++)
		FUZZ_CHECK(ends.cand[k].n >= 1);
}

/* data gzip'd (deflate, gzip wrapper) into a buffer of ours; 0 if it fails. */
static size_t gzip_into(const uint8_t *data, size_t size, uint8_t **out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	size_t cap = deflateBound(&z, (uLong)size) + 64;
	*out = malloc(cap);
	if (*out == NULL) {
		deflateEnd(&z);
		return 0;
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)size;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t n = rc == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return n;
}

/* Reads path refusing a cut last record, then, if that failed, allowing it;
 * the records read either way. */
static void read_both(const char *path, uint64_t *strict, uint64_t *lenient)
{
	struct verr err = {0};
	*strict = read_all(path, false, true, &err);
	*lenient = err.status ? read_all(path, true, false, &err) : *strict;
	FUZZ_CHECK(*lenient >= *strict);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum point learn_at[4] = {POINT_GUEST, POINT_VNET, POINT_NIC, POINT_GUEST};
	static struct memfile plain, gz;
	const char *path = memfile_put(&plain, "capture", data, size);
	FUZZ_CHECK(path != NULL);
	uint64_t h = fnv(data, size);
	uint64_t strict, lenient;
	read_both(path, &strict, &lenient);
	if ((h & 0xe0) == 0) { /* one input in eight: what analyze checks first */
		struct verr err = {0};
		int has = reader_has_records(path, false, &err);
		FUZZ_CHECK(has == (strict > 0) || (has == -1 && err.status == VERR_INPUT));
	}
	if (lenient > 0)
		learn(path, learn_at[h & 3]);
	bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b; /* read as such already */
	if (((h >> 2) & 3) == 0 && size > 0 && !is_gzip) {
		uint8_t *z = NULL;
		size_t zn = gzip_into(data, size, &z);
		if (zn > 0) {
			bool cut = ((h >> 4) & 1) == 0;
			if (cut)
				zn = 10 +
				     (size_t)((h >> 8) % (zn - 9)); /* cut short, past the header */
			const char *zpath = memfile_put(&gz, "capture.gz", z, zn);
			FUZZ_CHECK(zpath != NULL);
			uint64_t zs, zl;
			read_both(zpath, &zs, &zl);
			if (!cut)
				FUZZ_CHECK(zs == strict &&
					   zl == lenient); /* gzip changes nothing */
		}
		free(z);
	}
	return 0;
}
