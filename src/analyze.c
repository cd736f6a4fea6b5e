/* analyze — see analyze.h. */
#include "analyze.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"

struct source {
	enum point p;
	struct reader *r;
	bool have;         /* head is valid */
	struct rpacket rp;
	int64_t t_host;    /* head's stamp in host time */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads the next record of s into its head; -1 on a damaged file. */
static int advance(struct analysis *a, struct source *s, struct verr *err)
{
	int rc = reader_next(s->r, &s->rp, err);
	if (rc < 0)
		return -1;
	s->have = rc == 1;
	if (s->have) {
		s->t_host = s->p == POINT_GUEST ? clock_guest_to_host(&a->clock, s->rp.ts_ns)
						: s->rp.ts_ns;
		a->pt[s->p].records++;
	}
	return 0;
}

static enum direction direction_of(const struct addrset *g, const struct pkt *pk)
{
	bool from = addrset_has(g, pk->family, pk->src);
	bool to = addrset_has(g, pk->family, pk->dst);
	if (from == to)
		return DIR_NONE; /* not the guest's, or the guest talking to itself */
	return from ? DIR_FROM_GUEST : DIR_TO_GUEST;
}

static void show_progress(struct source *src, int n, bool done)
{
	uint64_t d = 0, t = 0;
	for (int i = 0; i < n; i++) {
		uint64_t di, ti;
		reader_progress(src[i].r, &di, &ti);
		d += src[i].have ? di : ti;
		t += ti;
	}
	if (done)
		fprintf(stderr, "\r\033[Kanalyze: done\n");
	else
		fprintf(stderr, "\r\033[Kanalyze: %3.0f%% of %.1f MB", t ? 100.0 * d / t : 0, t / 1e6);
}

/* Tries the captures nearest the guest first; the first that tells wins. */
static int learn_guest(struct analysis *a, struct verr *err)
{
	a->guest_ips = a->o.guest_ips;
	if (a->guest_ips.n > 0)
		return 0;
	static const enum point order[POINT_N] = {POINT_GUEST, POINT_VNET, POINT_BRIDGE, POINT_NIC};
	struct verr first = {0};
	for (int i = 0; i < POINT_N; i++) {
		enum point p = order[i];
		if (!a->o.file[p])
			continue;
		struct verr e = {0};
		if (guestaddr_learn(a->o.file[p], p, a->o.allow_truncated, &a->guest_ips, &e) == 0) {
			a->guest_ips_learned = true;
			return 0;
		}
		if (first.status == VERR_OK)
			first = e;
		/* A damaged file is an error in its own right, not a reason to guess. */
		if (e.msg[0] && strstr(e.msg, "give --guest-ip") == NULL)
			break;
	}
	*err = first;
	return -1;
}

int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	for (int p = 0; p < POINT_N; p++)
		if (o->file[p])
			a->mask |= (uint8_t)(1u << p);
	if (__builtin_popcount(a->mask) < 2)
		return verr_set(err, VERR_INPUT, "analysis needs captures of at least two points");
	if (learn_guest(a, err) != 0)
		return -1;
	clock_model_none(&a->clock);
	vo_init(&a->vo, a->mask, o->csv);

	struct source src[POINT_N];
	int n = 0, rc = -1;
	struct matcher *m = NULL;
	memset(src, 0, sizeof src);
	for (int p = 0; p < POINT_N; p++) {
		if (!o->file[p])
			continue;
		a->pt[p].first_ns = INT64_MAX;
		a->pt[p].last_ns = INT64_MIN;
		src[n].p = (enum point)p;
		src[n].r = reader_open(o->file[p], o->allow_truncated, err);
		if (src[n].r == NULL)
			goto out;
		a->pt[p].linktype = reader_linktype(src[n].r);
		n++;
	}
	/* Host heads first: t0 of a manual clock is the first host stamp. */
	int64_t t0 = INT64_MAX;
	for (int i = 0; i < n; i++)
		if (src[i].p != POINT_GUEST) {
			if (advance(a, &src[i], err) != 0)
				goto out;
			if (src[i].have && src[i].rp.ts_ns < t0)
				t0 = src[i].rp.ts_ns;
		}
	if (t0 == INT64_MAX)
		t0 = 0;
	if (o->manual_clock)
		clock_model_manual(&a->clock, t0, o->offset_us * 1e3, o->skew_ppm);
	else
		a->clock.seg[0].t0_ns = t0;
	for (int i = 0; i < n; i++)
		if (src[i].p == POINT_GUEST && advance(a, &src[i], err) != 0)
			goto out;

	m = match_create(a->mask, o->window_ns, vo_journey, &a->vo);
	if (m == NULL) {
		verr_set(err, VERR_INPUT, "out of memory");
		goto out;
	}
	double started = mono_now(), last_shown = 0;
	uint64_t iter = 0;
	for (;;) {
		struct source *s = NULL;
		for (int i = 0; i < n; i++)
			if (src[i].have && (s == NULL || src[i].t_host < s->t_host))
				s = &src[i];
		if (s == NULL)
			break;
		struct point_stats *ps = &a->pt[s->p];
		struct pkt pk;
		enum dis_result dr = dissect(ps->linktype, s->rp.data, s->rp.caplen, s->rp.wirelen,
					     s->rp.ts_ns, &pk);
		if (s->t_host < ps->first_ns)
			ps->first_ns = s->t_host;
		if (s->t_host > ps->last_ns)
			ps->last_ns = s->t_host;
		if (dr != DIS_OK) {
			ps->skipped[dr]++;
		} else {
			enum direction d = direction_of(&a->guest_ips, &pk);
			if (d == DIR_NONE) {
				ps->not_guest++;
			} else {
				ps->used++;
				if (match_push(m, s->p, &pk, d, s->t_host) != 0) {
					verr_set(err, VERR_INPUT, "out of memory while matching");
					goto out;
				}
			}
		}
		if (advance(a, s, err) != 0)
			goto out;
		if (o->progress && (++iter & 0xffff) == 0) {
			double now = mono_now();
			if (now - started >= 1.0 && now - last_shown >= 0.25) {
				show_progress(src, n, false);
				last_shown = now;
			}
		}
	}
	match_finish(m);
	if (o->progress && last_shown > 0)
		show_progress(src, n, true);
	a->mc = *match_counts(m);
	if (a->vo.failed) {
		verr_set(err, VERR_INPUT, "out of memory while recording delays");
		goto out;
	}
	rc = 0;
out:
	match_delete(m);
	for (int i = 0; i < n; i++)
		reader_close(src[i].r);
	return rc;
}

void analysis_free(struct analysis *a)
{
	vo_free(&a->vo);
}
