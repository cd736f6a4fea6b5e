/* ackrun — see ackrun.h. */
#include "ackrun.h"

#include <jansson.h>
#include <string.h>

#include "ack_print.h"
#include "dissect.h"
#include "reader.h"
#include "rttrun.h"
#include "version.h"

int ack_run_rtt_p50(void *rtt_set, enum point p, const struct match_flow_key *data, double *us)
{
	return rtt_set_flow_p50(rtt_set, p, data, us);
}

int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg, bool allow_truncated,
		   FILE *out, bool json, struct verr *err)
{
	struct ack_set *s = ack_set_create(cfg, (uint8_t)(1u << p));
	if (s == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1, got;
	uint64_t records = 0;
	json_t *root = NULL;
	struct rtt_set *rs = NULL; /* burst_rtt: the round trips at this point */
	struct rtt_tracker *rt = NULL;
	struct ack_tracker *at = ack_set_tracker(s, p);
	struct ack_report rep;
	bool have_rep = false;
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		goto out;
	if (cfg->burst_rtt) {
		struct rtt_run_opts ro;
		memset(&ro, 0, sizeof ro);
		ro.file[p] = path;
		ro.allow_truncated = allow_truncated;
		rtt_cfg_default(&ro.cfg);
		if ((rs = rtt_set_create(&ro)) == NULL || (rt = rtt_set_tracker(rs, p)) == NULL) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	struct rpacket rp;
	while ((got = reader_next(r, &rp, err)) == 1) {
		struct pkt pk;
		records++;
		if (dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk) !=
		    DIS_OK)
			continue;
		if (ack_push(at, &pk, rp.ts_ns) != 0 ||
		    (rt && pk.pclass == PROTO_TCP && rtt_push(rt, &pk, rp.ts_ns) != 0)) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rt) {
		rtt_set_finish(rs, p, rt, records); /* deletes rt */
		rt = NULL;
	}
	if (got != 0 || ack_set_finish(s) != 0)
		goto out;
	if (ack_set_summarize(s, NULL, rs ? ack_run_rtt_p50 : NULL, rs, &rep) != 0) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	have_rep = true;
	if (json) {
		root = json_object();
		json_object_set_new(root, "schema", json_integer(1));
		json_object_set_new(root, "tool", json_string("vocalc"));
		json_object_set_new(root, "version", json_string(vocalc_version));
		json_t *pts = json_array();
		json_array_append_new(pts, json_pack("{s:s, s:s, s:I, s:n}", "name", point_name(p),
						     "file", path, "packets", (json_int_t)records,
						     "drops"));
		json_object_set_new(root, "points", pts);
		if (root == NULL || ack_print_json(root, &rep) != 0) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
		json_dumpf(root, out,
			   JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', out);
	} else {
		fprintf(out, "%s: %s: %llu packets\n", point_name(p), path,
			(unsigned long long)records);
		ack_print_text(out, &rep);
	}
	rc = 0;
out:
	if (have_rep)
		ack_report_free(&rep);
	json_decref(root);
	reader_close(r);
	if (rt)
		rtt_set_finish(rs, p, rt, records);
	rtt_set_delete(rs);
	ack_set_delete(s);
	return rc;
}
