/* guests_print — see guests_print.h. */
#include "guests_print.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "jsonout.h"
#include "report.h"

static const char *const RANKED_BY =
    "vo_round_trip.p50_us, worst first; guests without a VO last; ties by name";

/* The host points the guests share (every guest's analysis reads the same
 * files: the first one's counts are the files'). */
static json_t *json_shared_points(const struct guests_report *r)
{
	json_t *arr = json_array();
	const struct analysis *a = &r->g[0].a;
	for (int p = POINT_NIC; p < POINT_VNET; p++)
		if (a->o.file[p])
			json_array_append_new(arr, report_point_json(a, (enum point)p, false));
	return arr;
}

static int write_json(FILE *out, const struct guests_report *r, struct verr *err)
{
	json_t *root = jsonout_document();
	json_object_set_new(root, "points", json_shared_points(r));
	json_object_set_new(root, "ranked_by", json_string(RANKED_BY));
	json_t *arr = json_array();
	json_object_set_new(root, "guests", arr);
	const struct report_json_opts jo = {
	    .kind = REPORT_ANALYSIS, .ips_key = "addresses", .vo_reasons = true};
	int rc = root && arr ? 0 : -1;
	for (int i = 0; i < r->n && rc == 0; i++) {
		const struct guest_result *g = &r->g[r->rank[i]];
		json_t *o = json_pack("{s:s, s:b}", "name", g->name, "login", g->login);
		if (json_array_append_new(arr, o) != 0 || report_json_fill(o, &g->a, &jo, err) != 0)
			rc = -1;
	}
	if (rc == 0)
		rc = jsonout_dump(root, out);
	json_decref(root);
	return rc;
}

/* A median as the ranking table shows it ("-": none). */
static void p50_text(char *buf, size_t n, bool ok, double us)
{
	if (ok)
		snprintf(buf, n, "%.1f us", us);
	else
		snprintf(buf, n, "-");
}

static void write_ranking(FILE *out, const struct guests_report *r)
{
	int w = 5;
	for (int i = 0; i < r->n; i++)
		if ((int)strlen(r->g[i].name) > w)
			w = (int)strlen(r->g[i].name);
	fprintf(out, "Guests by VO, worst first (the round trip is the two medians summed: no "
		     "clock offset changes it):\n");
	fprintf(out, "  %-*s  %14s  %14s  %14s  %s\n", w, "guest", "to guest p50", "from guest p50",
		"round trip p50", "largest share");
	const struct analysis *without = NULL; /* the first guest without a VO */
	for (int i = 0; i < r->n; i++) {
		const struct guest_result *g = &r->g[r->rank[i]];
		const struct vo *v = &g->a.vo;
		const struct dist *to = &v->sum_e2e[DIR_TO_GUEST][PROTO_ALL].d;
		const struct dist *from = &v->sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d;
		double rt = 0;
		bool has_rt = vo_round_trip(&g->a.vo, &rt);
		char c[3][32];
		p50_text(c[0], sizeof c[0], v->has_vo && to->n > 0, to->p50);
		p50_text(c[1], sizeof c[1], v->has_vo && from->n > 0, from->p50);
		p50_text(c[2], sizeof c[2], has_rt, rt);
		fprintf(out, "  %-*s  %14s  %14s  %14s  ", w, g->name, c[0], c[1], c[2]);
		struct report_share sh;
		if (report_largest_share(&g->a, &sh))
			fprintf(out, "%s -> %s (%s) %.0f %%%s", point_name(sh.from), point_name(sh.to),
				direction_name(sh.dir), 100 * sh.share,
				v->has_vo ? "" : " of the host hops");
		else
			fputs("-", out);
		if (!v->has_vo) {
			fputs(" (no VO)", out);
			const struct guest_side *gs = &g->a.gside;
			if (gs->on && gs->icmp.n >= GUEST_SIDE_MIN)
				fprintf(out, "; guest side %.1f us round trip at vnet (ICMP p50)",
					gs->icmp.p50);
			without = without ? without : &g->a;
		} else if (!has_rt) {
			fputs(" (no packet matched end to end one way)", out);
		}
		fputc('\n', out);
	}
	if (without)
		fprintf(out, "  (no VO): %s.\n", report_no_vo_reason(without));
}

static int write_text(FILE *out, const struct guests_report *r, const char *out_name,
		      struct verr *err)
{
	const struct analysis *a0 = &r->g[0].a;
	fprintf(out, "Host points shared by the %d guests:", r->n);
	for (int p = POINT_NIC; p < POINT_VNET; p++)
		if (a0->o.file[p])
			fprintf(out, " %s (%s)", point_name((enum point)p), a0->o.file[p]);
	fputs("\n\n", out);
	write_ranking(out, r);
	const struct report_opts ro = {
	    .fmt = REPORT_TEXT, .kind = REPORT_ANALYSIS, .out_name = out_name};
	for (int i = 0; i < r->n; i++) {
		const struct guest_result *g = &r->g[r->rank[i]];
		fprintf(out, "\n=== guest %s (%d of %d by VO; %s) ===\n", g->name, i + 1, r->n,
			g->login ? "logged into: its own capture and clock"
				 : "not logged into: host points only");
		if (!g->a.vo.has_vo)
			fprintf(out, "VO not measured: %s.\n", report_no_vo_reason(&g->a));
		if (report_write(out, &ro, &g->a, err) != 0)
			return -1;
	}
	return 0;
}

int guests_print_write(FILE *out, bool json, const struct guests_report *r,
		       const char *out_name, struct verr *err)
{
	if (r->n == 0)
		return 0;
	int rc = json ? write_json(out, r, err) : write_text(out, r, out_name, err);
	if (rc != 0 && err->status != VERR_OK)
		return -1; /* a guest's report said why */
	const char *name = out_name ? out_name : "the report";
	errno = 0;
	if (fflush(out) != 0 || ferror(out))
		return verr_set(err, VERR_INPUT, "writing %s failed: %s", name,
				strerror(errno ? errno : EIO));
	return rc == 0 ? 0 : verr_set(err, VERR_NOMEM, "out of memory while writing the report");
}
