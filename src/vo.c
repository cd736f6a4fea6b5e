/* vo — see vo.h. */
#include "vo.h"

#include <string.h>

void vo_init(struct vo *v, uint8_t mask, FILE *csv)
{
	memset(v, 0, sizeof *v);
	for (int p = 0; p < POINT_N; p++)
		if (mask & (1u << p))
			v->pt[v->npts++] = (enum point)p;
	v->has_vo = (mask & (1u << POINT_GUEST)) && v->npts >= 2;
	v->csv = csv;
	if (csv == NULL)
		return;
	fprintf(csv, "flow,protocol,direction,payload");
	for (int i = 0; i < v->npts; i++)
		fprintf(csv, ",t_%s", point_name(v->pt[i]));
	for (int i = 0; i + 1 < v->npts; i++)
		fprintf(csv, ",%s_%s_us", point_name(v->pt[i]), point_name(v->pt[i + 1]));
	if (v->has_vo)
		fprintf(csv, ",vo_us");
	fprintf(csv, "\n");
}

static void acc_free(struct hop_acc *a) { samples_free(&a->s); }

void vo_free(struct vo *v)
{
	for (int i = 0; i < POINT_N - 1; i++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = 0; p < PROTO_N; p++)
				acc_free(&v->hop[i][d][p]);
	for (int d = 0; d < DIR_N; d++)
		for (int p = 0; p < PROTO_N; p++)
			acc_free(&v->e2e[d][p]);
}

void vo_hop_ends(const struct vo *v, int i, enum direction d, enum point *up, enum point *down)
{
	*up = d == DIR_TO_GUEST ? v->pt[i] : v->pt[i + 1];
	*down = d == DIR_TO_GUEST ? v->pt[i + 1] : v->pt[i];
}

static void account(struct vo *v, struct hop_acc *a, const struct journey_info *j, enum point up,
		    enum point down)
{
	uint8_t ub = (uint8_t)(1u << up), db = (uint8_t)(1u << down);
	bool has_up = j->mask & ub, has_down = j->mask & db;
	if (has_up && has_down) {
		a->c.matched++;
		if (samples_push(&a->s, j->t[down] - j->t[up]) != 0)
			v->failed = 1;
	} else if (has_up) {
		if (j->covered & db)
			a->c.coalesced++;
		else if (!(j->flow_seen & db))
			a->c.bypass++;
		else
			a->c.unmatched++;
	} else if (has_down) {
		if (j->covered & ub)
			a->c.split++;
		else
			a->c.unexpected++;
	}
}

static void csv_row(struct vo *v, const struct journey_info *j)
{
	char flow[128];
	flow_str(j->family, j->src, j->sport, j->dst, j->dport, flow, sizeof flow);
	fprintf(v->csv, "%s,%s,%s,%u", flow, proto_name((enum proto)j->pclass),
		direction_name((enum direction)j->dir), j->payload);
	for (int i = 0; i < v->npts; i++) {
		enum point p = v->pt[i];
		if (j->mask & (1u << p))
			fprintf(v->csv, ",%lld.%09lld", (long long)(j->t[p] / 1000000000),
				(long long)(j->t[p] % 1000000000));
		else
			fputs(",", v->csv);
	}
	for (int i = 0; i + 1 < v->npts; i++) {
		enum point up, down;
		vo_hop_ends(v, i, (enum direction)j->dir, &up, &down);
		if ((j->mask & (1u << up)) && (j->mask & (1u << down)))
			fprintf(v->csv, ",%.3f", (j->t[down] - j->t[up]) / 1e3);
		else
			fputs(",", v->csv);
	}
	if (v->has_vo) {
		enum point outer = v->pt[0];
		if ((j->mask & (1u << outer)) && (j->mask & (1u << POINT_GUEST))) {
			int64_t d = j->dir == DIR_TO_GUEST ? j->t[POINT_GUEST] - j->t[outer]
							   : j->t[outer] - j->t[POINT_GUEST];
			fprintf(v->csv, ",%.3f", d / 1e3);
		} else {
			fputs(",", v->csv);
		}
	}
	fputc('\n', v->csv);
}

void vo_journey(void *ctx, const struct journey_info *j)
{
	struct vo *v = ctx;
	enum direction d = (enum direction)j->dir;
	v->protos_seen |= (uint8_t)(1u << j->pclass);
	for (int i = 0; i + 1 < v->npts; i++) {
		enum point up, down;
		vo_hop_ends(v, i, d, &up, &down);
		account(v, &v->hop[i][d][j->pclass], j, up, down);
	}
	if (v->has_vo) {
		enum point outer = v->pt[0];
		if (d == DIR_TO_GUEST)
			account(v, &v->e2e[d][j->pclass], j, outer, POINT_GUEST);
		else
			account(v, &v->e2e[d][j->pclass], j, POINT_GUEST, outer);
	}
	if (v->csv && __builtin_popcount(j->mask) >= 2)
		csv_row(v, j);
}
