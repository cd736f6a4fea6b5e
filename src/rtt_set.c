/* rtt_set — see rtt_set.h: the per-point collectors and their summary into
 * the record (rtt_report.h). */
#include "rtt_set.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "stats.h"

/* One flow's samples at one point. */
struct fstats {
	struct hnode hn;
	struct match_flow_key key;
	struct bvec rtt; /* us (stats.h: exact up to the cap, then a sketch of ns) */
	uint64_t shared, delayed;
	double hs_resp_us, hs_init_us; /* the flow's handshake legs, if seen (first ones) */
	bool has_resp, has_init;
	size_t rec_i; /* its place in its point's table of the last summary */
};

struct point_run {
	const struct rtt_run_opts *o;
	enum point p;
	struct hashtab flows;
	struct rtt_counts counts;
	uint64_t records;
	double rate;                        /* durations into host time (rtt_set_rate) */
	size_t nots;                        /* flows without timestamps */
	struct match_flow_key nots_list[RTT_NOTS_LISTED]; /* the first of them */
	int failed;
};

struct rtt_set {
	struct rtt_run_opts o;
	struct point_run pr[POINT_N];
};

/* The flow's samples at a point, or NULL. */
static struct fstats *flow_at(struct point_run *pr, const struct match_flow_key *k)
{
	return (struct fstats *)hashtab_find(&pr->flows, hash_bytes(k, sizeof *k), k,
					     offsetof(struct fstats, key), sizeof *k);
}

/* The tracker's sample into its flow's figures, then to the sink (the
 * per-sample printers), unless it could not be kept. */
static void on_sample(void *ctx, const struct rtt_sample *s)
{
	struct point_run *pr = ctx;
	uint64_t h = hash_bytes(s->flow, sizeof *s->flow); /* for the lookup and the insert */
	struct fstats *f = (struct fstats *)hashtab_find(&pr->flows, h, s->flow,
							 offsetof(struct fstats, key), sizeof *s->flow);
	if (f == NULL) {
		f = calloc(1, sizeof *f);
		if (f == NULL || hashtab_insert(&pr->flows, &f->hn, h) != 0) {
			free(f);
			pr->failed = 1;
			return;
		}
		f->key = *s->flow;
		bvec_init(&f->rtt, false, 1e3, SKETCH_BITS_FLOW);
	}
	if (s->kind == RTT_HANDSHAKE_RESP && !f->has_resp) {
		f->hs_resp_us = s->rtt_ns / 1e3;
		f->has_resp = true;
	} else if (s->kind == RTT_HANDSHAKE_INIT && !f->has_init) {
		f->hs_init_us = s->rtt_ns / 1e3;
		f->has_init = true;
	} else if (s->kind == RTT_TSVAL) {
		if (bvec_push(&f->rtt, s->rtt_ns / 1e3) != 0) {
			pr->failed = 1;
			return;
		}
		f->shared += s->shared_tsval;
		f->delayed += s->delayed_ack;
	}
	if (pr->o->sink) {
		struct rtt_sample_event e = {.point = pr->p, .s = s};
		pr->o->sink(pr->o->sink_ctx, &e);
	}
}

static int cmp_flow_samples(const void *a, const void *b)
{
	const struct fstats *x = *(const struct fstats *const *)a, *y = *(const struct fstats *const *)b;
	uint64_t nx = bvec_count(&x->rtt), ny = bvec_count(&y->rtt);
	return nx < ny ? 1 : nx > ny ? -1 : memcmp(&x->key, &y->key, sizeof x->key);
}

/* The point's flows, most samples first. */
static struct fstats **sorted_flows(struct point_run *pr, size_t *n)
{
	*n = pr->flows.count;
	struct fstats **v = malloc((*n + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i <= pr->flows.mask; i++)
		for (struct hnode *x = pr->flows.b[i]; x; x = x->next)
			v[k++] = (struct fstats *)x;
	qsort(v, k, sizeof *v, cmp_flow_samples);
	return v;
}

/* The distribution of the union of k flows' samples into *d: 1; 0 when
 * there is none (no sample, or a median that is not finite): the record
 * says so, never holds a NaN; -1 when out of memory. */
static int dist_of_flows(const struct bvec *const *sets, size_t k, double rate, struct dist *d)
{
	struct bview w;
	memset(d, 0, sizeof *d);
	if (bview_open(&w, sets, k) != 0)
		return -1;
	bview_rescale(&w, rate);
	bview_dist(&w, d, NULL, 0, NULL, NULL);
	bview_close(&w);
	return d->n > 0 && isfinite(d->p50);
}

/* The median of one flow's samples, as dist_of_flows. */
static int median_of(const struct fstats *f, double rate, double *m)
{
	const struct bvec *sets[1] = {&f->rtt};
	struct dist d;
	int rc = dist_of_flows(sets, 1, rate, &d);
	*m = d.p50;
	return rc;
}

/* Why a flow has no RTT sample at a point: timestamps the snaplen hid, or
 * none echoed (a handshake alone). */
static void no_samples_why(const struct point_run *pr, char *buf, size_t cap)
{
	if (pr->counts.opts_cut > 0)
		snprintf(buf, cap,
			 "no RTT samples at %s: the snaplen cut the TCP options of %llu packets "
			 "there, so their timestamps are unknown (capture with -s 128 or more)",
			 point_name(pr->p), (unsigned long long)pr->counts.opts_cut);
	else
		snprintf(buf, cap, "no RTT samples at %s: no timestamp was echoed there",
			 point_name(pr->p));
}

/* The VO share of row w from its two medians, or why it does not exist. */
static void vo_share(struct rtt_decomp_row *w, const struct rtt_point_report *pg,
		     const struct rtt_point_report *po)
{
	const char *why = NULL;
	if (!w->ok_guest)
		why = pg->no_samples_why;
	else if (!w->ok_outer)
		why = po->no_samples_why;
	else if (!(w->guest_p50_us > 0))
		why = "the median RTT at guest is 0: no share of it exists";
	else {
		w->vo_share = (w->guest_p50_us - w->outer_p50_us) / w->guest_p50_us;
		w->ok_share = true;
		return;
	}
	snprintf(w->share_why, sizeof w->share_why, "%s", why);
}

/* Point p's counts and flow table into rp; 0 or -1 (out of memory). */
static int summarize_point(struct point_run *pr, struct rtt_point_report *rp, struct verr *err)
{
	const struct rtt_run_opts *o = pr->o;
	rp->given = true;
	rp->file = o->file[pr->p];
	rp->packets = pr->records;
	rp->drops = o->drops[pr->p];
	rp->counts = pr->counts;
	rp->nots = pr->nots;
	rp->nots_listed = pr->nots < RTT_NOTS_LISTED ? pr->nots : RTT_NOTS_LISTED;
	memcpy(rp->nots_list, pr->nots_list, rp->nots_listed * sizeof rp->nots_list[0]);
	rp->step_hint = pr->p == POINT_GUEST && !o->clock;
	no_samples_why(pr, rp->no_samples_why, sizeof rp->no_samples_why);
	size_t n;
	struct fstats **fl = sorted_flows(pr, &n);
	if (fl == NULL || (rp->flows = calloc(n + 1, sizeof *rp->flows)) == NULL) {
		free(fl);
		return verr_set(err, VERR_NOMEM, "out of memory");
	}
	rp->nflows = n;
	for (size_t i = 0; i < n; i++) {
		const struct fstats *f = fl[i];
		struct rtt_flow_report *fr = &rp->flows[i];
		const struct bvec *one[1] = {&f->rtt};
		fl[i]->rec_i = i;
		fr->key = f->key;
		fr->samples = bvec_count(&f->rtt);
		fr->sketched = bvec_sketched(&f->rtt);
		if (fr->samples && dist_of_flows(one, 1, pr->rate, &fr->rtt_us) != 1) {
			free(fl);
			return verr_set(err, VERR_NOMEM, "out of memory");
		}
		fr->shared_tsval = f->shared;
		fr->delayed_ack = f->delayed;
		fr->has_hs_resp = f->has_resp;
		fr->has_hs_init = f->has_init;
		fr->hs_resp_us = nearbyint(f->hs_resp_us * pr->rate * 1e3) / 1e3;
		fr->hs_init_us = nearbyint(f->hs_init_us * pr->rate * 1e3) / 1e3;
	}
	free(fl);
	return 0;
}

/* The medians of the "all of them" row at guest (sets g) and outer (sets
 * o) and the share from them; 0 or -1 (out of memory). */
static int decomp_all(struct rtt_report *r, const struct bvec *const *g, const struct bvec *const *o,
		      size_t k, const struct point_run *pg, const struct point_run *po,
		      struct verr *err)
{
	struct rtt_decomp_row *w = &r->all;
	struct dist dg, dv;
	int rg = dist_of_flows(g, k, pg->rate, &dg), ro = dist_of_flows(o, k, po->rate, &dv);
	if (rg < 0 || ro < 0)
		return verr_set(err, VERR_NOMEM, "out of memory");
	w->ok_guest = rg == 1;
	w->ok_outer = ro == 1;
	w->guest_p50_us = dg.p50;
	w->outer_p50_us = dv.p50;
	for (size_t i = 0; i < r->nrows; i++) {
		w->samples_guest += r->rows[i].samples_guest;
		w->samples_outer += r->rows[i].samples_outer;
	}
	vo_share(w, &r->point[POINT_GUEST], &r->point[po->p]);
	return 0;
}

/* The decomposition into r (rtt_set.h), from the two points' tables already
 * in r: the guest's flows, in its table's order, that the outer point saw
 * too, then all of them.  0 or -1. */
static int summarize_decomp(struct rtt_set *s, const struct addrset *g, struct rtt_report *r,
			    struct verr *err)
{
	struct point_run *pg = &s->pr[POINT_GUEST], *po = &s->pr[r->outer];
	const struct rtt_point_report *rg = &r->point[POINT_GUEST], *ro = &r->point[r->outer];
	size_t n = rg->nflows;
	/* the flows' samples at both points, for "all of them" */
	const struct bvec **vg = malloc((n + 1) * sizeof *vg), **vo = malloc((n + 1) * sizeof *vo);
	r->rows = calloc(n + 1, sizeof *r->rows);
	int rc = -1;
	if (!vg || !vo || !r->rows) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rtt_flow_report *fg = &rg->flows[i];
		if (!addrset_has(g, fg->key.family, fg->key.src))
			continue;
		struct fstats *f = flow_at(pg, &fg->key), *fo = flow_at(po, &fg->key);
		if (fo == NULL)
			continue;
		const struct rtt_flow_report *fro = &ro->flows[fo->rec_i];
		struct rtt_decomp_row *w = &r->rows[r->nrows];
		w->key = fg->key;
		/* the tables' medians: a flow with samples has its distribution */
		w->ok_guest = fg->samples > 0;
		w->ok_outer = fro->samples > 0;
		w->guest_p50_us = fg->rtt_us.p50;
		w->outer_p50_us = fro->rtt_us.p50;
		w->samples_guest = fg->samples;
		w->samples_outer = fro->samples;
		w->sketched = fg->sketched || fro->sketched;
		vo_share(w, rg, ro);
		r->all.sketched |= w->sketched;
		vg[r->nrows] = &f->rtt;
		vo[r->nrows] = &fo->rtt;
		r->nrows++;
	}
	if (r->nrows && decomp_all(r, vg, vo, r->nrows, pg, po, err) != 0)
		goto out;
	rc = 0;
out:
	free(vg);
	free(vo);
	return rc;
}

/* The RTT sets at pr of the flows with samples (toward an address of g,
 * unless g is NULL) into a new array (*k of them; *delayed: their delayed
 * ACKs); NULL when out of memory. */
static const struct bvec **flow_sets(const struct point_run *pr, const struct addrset *g,
				     size_t *k, uint64_t *delayed)
{
	const struct bvec **sets = malloc((pr->flows.count + 1) * sizeof *sets);
	*k = 0;
	*delayed = 0;
	for (size_t i = 0; sets && pr->flows.b && i <= pr->flows.mask; i++)
		for (struct hnode *x = pr->flows.b[i]; x; x = x->next) {
			const struct fstats *f = (const struct fstats *)x;
			if (bvec_count(&f->rtt) == 0 ||
			    (g && !addrset_has(g, f->key.family, f->key.dst)))
				continue;
			sets[(*k)++] = &f->rtt;
			*delayed += f->delayed;
		}
	return sets;
}

int rtt_set_toward(struct rtt_set *s, enum point p, const struct addrset *g, struct dist *d,
		   uint64_t *delayed)
{
	struct point_run *pr = &s->pr[p];
	size_t k;
	const struct bvec **sets = flow_sets(pr, g, &k, delayed);
	if (sets == NULL)
		return -1;
	int rc = k ? dist_of_flows(sets, k, pr->rate, d) : 0;
	if (k == 0)
		memset(d, 0, sizeof *d);
	free(sets);
	return rc;
}

int rtt_set_visit(struct rtt_set *s, enum point p, bview_fn fn, void *ctx)
{
	struct point_run *pr = &s->pr[p];
	size_t k;
	uint64_t delayed;
	const struct bvec **sets = flow_sets(pr, NULL, &k, &delayed);
	if (sets == NULL)
		return -1;
	struct bview w;
	int rc = 0;
	if (k > 0 && (rc = bview_open(&w, sets, k)) == 0) {
		if (pr->rate != 1)
			bview_rescale(&w, pr->rate);
		bview_visit(&w, fn, ctx);
		bview_close(&w);
	}
	free(sets);
	return rc;
}

int rtt_set_summarize(struct rtt_set *s, const struct addrset *guest_ips, const char *guest_why,
		      struct rtt_report *r, struct verr *err)
{
	memset(r, 0, sizeof *r);
	r->sketch_cap = stats_flow_cap();
	r->sketch_rel = ldexp(1.0, -SKETCH_BITS_FLOW);
	for (int p = 0; p < POINT_N; p++)
		if (s->o.file[p] && summarize_point(&s->pr[p], &r->point[p], err) != 0)
			goto fail;
	r->outer = POINT_N;
	for (int p = 0; p < POINT_GUEST && r->outer == POINT_N; p++)
		if (s->o.file[p])
			r->outer = (enum point)p;
	if (!s->o.file[POINT_GUEST] || r->outer == POINT_N) {
		r->decomp = RTT_DECOMP_NONE;
		return 0;
	}
	if (guest_ips == NULL) {
		r->decomp = RTT_DECOMP_UNDECIDED;
		snprintf(r->no_decomp_why, sizeof r->no_decomp_why, "%s", guest_why ? guest_why : "");
		return 0;
	}
	r->decomp = RTT_DECOMP_DONE;
	if (summarize_decomp(s, guest_ips, r, err) != 0)
		goto fail;
	return 0;
fail:
	rtt_report_free(r);
	return -1;
}

void rtt_report_free(struct rtt_report *r)
{
	for (int p = 0; p < POINT_N; p++)
		free(r->point[p].flows);
	free(r->rows);
	memset(r, 0, sizeof *r);
}

struct rtt_set *rtt_set_create(const struct rtt_run_opts *o)
{
	struct rtt_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->o = *o;
	for (int p = 0; p < POINT_N; p++) {
		s->pr[p].o = &s->o;
		s->pr[p].p = (enum point)p;
		s->pr[p].rate = 1;
		if (hashtab_init(&s->pr[p].flows, 64) != 0) {
			rtt_set_delete(s);
			return NULL;
		}
	}
	return s;
}

void rtt_set_delete(struct rtt_set *s)
{
	if (s == NULL)
		return;
	for (int p = 0; p < POINT_N; p++) {
		struct point_run *pr = &s->pr[p];
		for (size_t i = 0; pr->flows.b && i <= pr->flows.mask; i++)
			for (struct hnode *x = pr->flows.b[i]; x; x = x->next)
				bvec_free(&((struct fstats *)x)->rtt);
		hashtab_free_nodes(&pr->flows);
	}
	free(s);
}

struct rtt_tracker *rtt_set_tracker(struct rtt_set *s, enum point p)
{
	return rtt_create(&s->o.cfg, on_sample, &s->pr[p]);
}

void rtt_set_finish(struct rtt_set *s, enum point p, struct rtt_tracker *t, uint64_t records)
{
	struct point_run *pr = &s->pr[p];
	if (t) {
		pr->counts = *rtt_counts(t);
		pr->nots = rtt_flows_without_ts(t, pr->nots_list, RTT_NOTS_LISTED);
		rtt_delete(t);
	}
	pr->records = records;
}

bool rtt_set_failed(const struct rtt_set *s, enum point p) { return s->pr[p].failed; }

void rtt_set_rate(struct rtt_set *s, enum point p, double rate) { s->pr[p].rate = rate; }

int rtt_set_flow_p50_of(void *set, enum point p, const struct match_flow_key *k, double *us)
{
	return rtt_set_flow_p50(set, p, k, us);
}

int rtt_set_flow_p50(struct rtt_set *s, enum point p, const struct match_flow_key *k, double *us)
{
	struct fstats *f = flow_at(&s->pr[p], k);
	if (f == NULL || median_of(f, s->pr[p].rate, us) != 1)
		return -1;
	return 0;
}

void rtt_run_opts_default(struct rtt_run_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int p = 0; p < POINT_N; p++)
		o->drops[p] = -1;
	rtt_cfg_default(&o->cfg);
}
