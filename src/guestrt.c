/* guestrt — see guestrt.h. */
#include "guestrt.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

/* An echo's identity, both ways: the request's destination is the guest. */
struct echo_key {
	uint8_t family, pad[3];
	uint16_t id, seq;
	uint8_t guest[16], peer[16];
};

struct pending {
	struct hnode hn; /* first: hashtab_free_nodes frees it */
	struct echo_key key;
	int64_t t_ns;
};

struct guestrt {
	struct hashtab waiting;
	struct samples rt;
	struct guestrt_counts c;
	int64_t latest;  /* the latest vnet stamp seen */
	int64_t swept;   /* when the waiting ones were last swept */
	int failed;
};

struct guestrt *guestrt_create(void)
{
	struct guestrt *g = calloc(1, sizeof *g);
	if (g && hashtab_init(&g->waiting, 256) != 0) {
		free(g);
		return NULL;
	}
	return g;
}

void guestrt_delete(struct guestrt *g)
{
	if (g == NULL)
		return;
	hashtab_free_nodes(&g->waiting);
	samples_free(&g->rt);
	free(g);
}

bool guestrt_failed(const struct guestrt *g) { return g->failed != 0; }

struct sweep {
	int64_t before;
	uint64_t dropped;
};

static bool too_old(struct hnode *n, void *ctx)
{
	struct sweep *s = ctx;
	bool old = ((struct pending *)n)->t_ns < s->before;
	s->dropped += old;
	return old;
}

/* Requests that waited longer than GUESTRT_WAIT_NS: unanswered. */
static void sweep(struct guestrt *g, int64_t before)
{
	struct sweep s = {before, 0};
	hashtab_free_if(&g->waiting, too_old, &s);
	g->c.unanswered += s.dropped;
	g->swept = g->latest;
}

void guestrt_journey(struct guestrt *g, const struct journey_info *j)
{
	uint8_t type;
	uint16_t id, seq;
	if (!(j->mask & (1u << POINT_VNET)) || !match_key_echo(j->key, &type, &id, &seq))
		return;
	bool request = type == 8 || type == 128, reply = type == 0 || type == 129;
	bool to = j->dir == DIR_TO_GUEST;
	if (!(request && to) && !(reply && !to))
		return;
	int64_t t = j->t[POINT_VNET];
	if (t > g->latest)
		g->latest = t;
	if (g->latest - g->swept > GUESTRT_WAIT_NS)
		sweep(g, g->latest - GUESTRT_WAIT_NS);
	struct echo_key k;
	memset(&k, 0, sizeof k);
	k.family = j->family;
	k.id = id;
	k.seq = seq;
	memcpy(k.guest, to ? j->dst : j->src, 16);
	memcpy(k.peer, to ? j->src : j->dst, 16);
	uint64_t h = hash_bytes(&k, sizeof k);
	struct pending *p = (struct pending *)hashtab_find(&g->waiting, h, &k,
							   offsetof(struct pending, key), sizeof k);
	if (request) {
		g->c.requests++;
		if (p) {
			g->c.duplicate++;
			return;
		}
		if ((p = malloc(sizeof *p)) == NULL) {
			g->failed = 1;
			return;
		}
		p->key = k;
		p->t_ns = t;
		if (hashtab_insert(&g->waiting, &p->hn, h) != 0) {
			free(p);
			g->failed = 1;
		}
		return;
	}
	if (p == NULL) {
		g->c.unsolicited++;
		return;
	}
	int64_t rt = t - p->t_ns;
	hashtab_remove(&g->waiting, &p->hn);
	free(p);
	if (rt < 0) {
		g->c.negative++;
		return;
	}
	g->c.answered++;
	if (samples_push(&g->rt, rt) != 0)
		g->failed = 1;
}

int guestrt_finish(struct guestrt *g, struct guestrt_counts *c, struct dist *d)
{
	sweep(g, INT64_MAX);
	*c = g->c;
	memset(d, 0, sizeof *d);
	if (samples_count(&g->rt) == 0)
		return 0;
	const struct samples *one = &g->rt;
	return dist_of(d, &one, 1);
}
