/* ack_run — see ack_run.h. */
#include "ack_run.h"

#include <jansson.h>
#include <string.h>

#include "ack_print.h"
#include "jsonout.h"
#include "rtt_set.h"
#include "scan.h"

/* Every usable packet of path into the ACK tracker of s at p and, if rs,
 * the round-trip tracker of rs at p; *records: the capture's records.  0, or
 * -1 with err set. */
static int scan_capture(const char *path, enum point p, bool allow_truncated, struct ack_set *s,
			struct rtt_set *rs, uint64_t *records, struct verr *err)
{
	struct scan sc;
	if (scan_open(&sc, path, allow_truncated, err) != 0)
		return -1;
	struct ack_tracker *at = ack_set_tracker(s, p);
	struct rtt_tracker *rt = NULL;
	int got = -1;
	if (rs && (rt = rtt_set_tracker(rs, p)) == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	struct pkt pk;
	while ((got = scan_next(&sc, &pk, err)) == 1) {
		if (ack_push(at, &pk, pk.ts_ns) != 0 ||
		    (rt && pk.pclass == PROTO_TCP && rtt_push(rt, &pk, pk.ts_ns) != 0)) {
			got = verr_set(err, VERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	*records = sc.records;
	if (rt)
		rtt_set_finish(rs, p, rt, sc.records); /* deletes rt */
	scan_close(&sc);
	return got == 0 ? 0 : -1;
}

/* The report of one capture: its line (text) or its points entry (JSON),
 * then the record. */
static int print_single(FILE *out, const char *path, enum point p, uint64_t records,
			const struct ack_report *rep, bool json, struct verr *err)
{
	if (!json) {
		fprintf(out, "%s: %s: %llu packets\n", point_name(p), path,
			(unsigned long long)records);
		ack_print_text(out, rep);
		return 0;
	}
	json_t *root = jsonout_document();
	json_t *pts = json_array();
	json_array_append_new(pts, json_pack("{s:s, s:s, s:I, s:n}", "name", point_name(p), "file",
					     path, "packets", (json_int_t)records, "drops"));
	json_object_set_new(root, "points", pts);
	int rc = 0;
	if (root == NULL || ack_print_json(root, rep) != 0)
		rc = verr_set(err, VERR_NOMEM, "out of memory");
	else
		jsonout_dump(root, out);
	json_decref(root);
	return rc;
}

int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg, bool allow_truncated,
		   FILE *out, bool json, struct verr *err)
{
	struct ack_set *s = ack_set_create(cfg, (uint8_t)(1u << p));
	if (s == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1;
	uint64_t records = 0;
	struct rtt_set *rs = NULL; /* burst_rtt: the round trips at this point */
	if (cfg->burst_rtt) {
		struct rtt_run_opts ro;
		rtt_run_opts_default(&ro);
		ro.file[p] = path;
		ro.allow_truncated = allow_truncated;
		if ((rs = rtt_set_create(&ro)) == NULL) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (scan_capture(path, p, allow_truncated, s, rs, &records, err) != 0 ||
	    ack_set_finish(s) != 0)
		goto out;
	struct ack_report rep;
	if (ack_set_summarize(s, NULL, rs ? rtt_set_flow_p50_of : NULL, rs, &rep) != 0) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	rc = print_single(out, path, p, records, &rep, json, err);
	ack_report_free(&rep);
out:
	rtt_set_delete(rs);
	ack_set_delete(s);
	return rc;
}
