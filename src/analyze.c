/* analyze — see analyze.h. */
#include "analyze.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "reader.h"

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first stamp of a capture, or INT64_MAX if it has no records. */
static int first_stamp(const char *path, bool allow_truncated, int64_t *t, struct verr *err)
{
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		return -1;
	struct rpacket rp;
	int rc = reader_next(r, &rp, err);
	*t = rc == 1 ? rp.ts_ns : INT64_MAX;
	reader_close(r);
	return rc < 0 ? -1 : 0;
}

static void show_progress(struct feed **fd, int n, bool done)
{
	uint64_t d = 0, t = 0;
	for (int i = 0; i < n; i++) {
		uint64_t di, ti;
		feed_progress(fd[i], &di, &ti);
		d += di;
		t += ti;
	}
	if (done)
		fprintf(stderr, "\r\033[Kanalyze: done\n");
	else
		fprintf(stderr, "\r\033[Kanalyze: %3.0f%% of %.1f MB", t ? 100.0 * d / t : 0,
			t / 1e6);
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
		int rc = guestaddr_learn(a->o.file[p], p, a->o.allow_truncated, &a->guest_ips, &e);
		if (rc == 0) {
			a->guest_ips_learned = true;
			return 0;
		}
		if (rc < 0) { /* a damaged file is an error in its own right */
			*err = e;
			return -1;
		}
		if (first.status == VERR_OK)
			first = e; /* the nearest capture's reason is the one to show */
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

	struct feed *fd[POINT_N] = {NULL};
	enum point fp[POINT_N];
	int n = 0, rc = -1;
	struct matcher *m = NULL;
	/* t0 of a manual clock is the first host stamp. */
	int64_t t0 = INT64_MAX;
	for (int p = 0; p < POINT_N; p++) {
		if (!o->file[p] || p == POINT_GUEST)
			continue;
		int64_t t;
		if (first_stamp(o->file[p], o->allow_truncated, &t, err) != 0)
			return -1;
		if (t < t0)
			t0 = t;
	}
	if (t0 == INT64_MAX)
		t0 = 0;
	if (o->manual_clock)
		clock_model_manual(&a->clock, t0, o->offset_us * 1e3, o->skew_ppm);
	else
		a->clock.seg[0].t0_ns = t0;

	for (int p = 0; p < POINT_N; p++) {
		if (!o->file[p])
			continue;
		a->pt[p].first_ns = INT64_MAX;
		a->pt[p].last_ns = INT64_MIN;
		struct reader *r = reader_open(o->file[p], o->allow_truncated, err);
		if (r == NULL)
			goto out;
		a->pt[p].linktype = reader_linktype(r);
		fp[n] = (enum point)p;
		if ((fd[n] = feed_start(r, (enum point)p, &a->clock, &a->guest_ips, err)) == NULL)
			goto out;
		n++;
	}

	feed_thread_tune();
	m = match_create(a->mask, o->window_ns, vo_journey, &a->vo);
	if (m == NULL) {
		verr_set(err, VERR_INPUT, "out of memory");
		goto out;
	}
	double started = mono_now(), last_shown = 0;
	uint64_t iter = 0;
	/* Each capture's current head, refreshed only when it is consumed. */
	const struct feed_item *head[POINT_N];
	int64_t head_t[POINT_N]; /* their stamps, here: the items live in other threads' cache */
	for (int i = 0; i < n; i++) {
		int r = feed_peek(fd[i], &head[i], err);
		if (r < 0)
			goto out;
		head_t[i] = r == 1 ? head[i]->t_host : INT64_MAX;
		if (r == 0)
			head[i] = NULL;
	}
	for (;;) {
		/* the earliest head in host time; an ended capture's stamp is INT64_MAX */
		int best = 0;
		for (int i = 1; i < n; i++)
			if (head_t[i] < head_t[best])
				best = i;
		if (head[best] == NULL)
			break;
		const struct feed_item *it = head[best];
		struct point_stats *ps = &a->pt[fp[best]];
		if (it->t_host < ps->first_ns)
			ps->first_ns = it->t_host;
		if (it->t_host > ps->last_ns)
			ps->last_ns = it->t_host;
		if (it->dr != DIS_OK) {
			ps->skipped[it->dr]++;
		} else {
			if (it->dir == DIR_NONE) {
				ps->not_guest++;
			} else {
				ps->used++;
				if (match_push(m, fp[best], &it->prep, (enum direction)it->dir,
					       it->t_host, it->rec) != 0) {
					verr_set(err, VERR_INPUT, "out of memory while matching");
					goto out;
				}
			}
		}
		feed_pop(fd[best]);
		int r = feed_peek(fd[best], &head[best], err);
		if (r < 0)
			goto out;
		if (r == 0) {
			head[best] = NULL;
			head_t[best] = INT64_MAX;
		} else {
			head_t[best] = head[best]->t_host;
		}
		if (o->progress && (++iter & 0xffff) == 0) {
			double now = mono_now();
			if (now - started >= 1.0 && now - last_shown >= 0.25) {
				show_progress(fd, n, false);
				last_shown = now;
			}
		}
	}
	match_finish(m);
	if (o->progress && last_shown > 0)
		show_progress(fd, n, true);
	a->mc = *match_counts(m);
	if (a->vo.failed || vo_summarize(&a->vo, 2) != 0) {
		verr_set(err, VERR_INPUT, "out of memory while recording delays");
		goto out;
	}
	rc = 0;
out:
	match_delete(m);
	for (int i = 0; i < n; i++)
		a->pt[fp[i]].records = feed_finish(fd[i]);
	return rc;
}

void analysis_free(struct analysis *a)
{
	vo_free(&a->vo);
}
