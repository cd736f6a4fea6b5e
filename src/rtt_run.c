/* rtt_run — the driver of vocalc rtt: each capture given read on its own
 * (the capture scan, scan.h) into the per-point collectors (rtt_set.h), the
 * guest's addresses learned once when the decomposition needs them, the
 * record printed (rtt_print.h). */
#include "rtt_run.h"

#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "guestaddr.h"
#include "rtt_print.h"
#include "scan.h"

/* Does the decomposition apply: the guest and a host point given? */
static bool decomposable(const struct rtt_run_opts *o)
{
	for (int p = 0; p < POINT_GUEST; p++)
		if (o->file[p])
			return o->file[POINT_GUEST] != NULL;
	return false;
}

/* The guest's addresses for the decomposition, learned once from the guest
 * capture when not given: *ips, or NULL with why filled when the capture
 * cannot tell.  0, or -1 (the capture unreadable). */
static int guest_ips_for(const struct rtt_run_opts *o, struct addrset *g,
			 const struct addrset **ips, char *why, size_t cap, struct verr *err)
{
	*g = o->guest_ips;
	*ips = g;
	if (g->n > 0 || !decomposable(o))
		return 0;
	int rc = guestaddr_learn(o->file[POINT_GUEST], POINT_GUEST, o->allow_truncated, g, NULL, err);
	if (rc < 0)
		return -1;
	if (rc > 0) { /* undecided: no decomposition, said so */
		snprintf(why, cap, "%s", err->msg);
		memset(err, 0, sizeof *err);
		*ips = NULL;
	}
	return 0;
}

/* vocalc rtt reads each capture on its own. */
static int run_point(const struct rtt_run_opts *o, struct rtt_set *set, enum point p,
		     const char *path, struct verr *err)
{
	struct scan sc;
	if (scan_open(&sc, path, o->allow_truncated, err) != 0)
		return -1;
	struct rtt_tracker *t = rtt_set_tracker(set, p);
	int rc = -1, got;
	if (t == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	struct pkt pk;
	enum dis_result dr;
	while ((got = scan_record(&sc, &pk, &dr, err)) == 1) {
		if (dr != DIS_OK) {
			rtt_skip(t, dr); /* counted, as analyze's reader threads do */
			continue;
		}
		int64_t ts = p == POINT_GUEST && o->clock
				 ? clock_guest_to_host(&o->clock->clock, pk.ts_ns, sc.records - 1)
				 : pk.ts_ns;
		if (rtt_push(t, &pk, ts) != 0 || rtt_set_failed(set, p)) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (got == 0)
		rc = 0;
out:
	rtt_set_finish(set, p, t, sc.records);
	scan_close(&sc);
	return rc;
}


int rtt_run(const struct rtt_run_opts *o, FILE *out, struct verr *err)
{
	struct rtt_sample_out so = {.pping = o->samples, .csv = o->csv, .multi = o->multi};
	struct rtt_run_opts ro = *o;
	ro.sink = o->samples || o->csv ? rtt_print_sample : NULL;
	ro.sink_ctx = &so;
	struct rtt_set *set = rtt_set_create(&ro);
	if (set == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1;
	if (o->csv)
		rtt_print_csv_header(o->csv);
	for (int p = 0; p < POINT_N; p++)
		if (o->file[p] && run_point(o, set, (enum point)p, o->file[p], err) != 0)
			goto out;
	struct addrset g;
	const struct addrset *ips;
	char why[sizeof err->msg] = "";
	struct rtt_report r;
	if (guest_ips_for(o, &g, &ips, why, sizeof why, err) != 0 ||
	    rtt_set_summarize(set, ips, why, &r, err) != 0)
		goto out;
	rtt_print_run(out, &r, o->clock, o->json);
	rtt_report_free(&r);
	rc = 0;
out:
	rtt_set_delete(set);
	return rc;
}
