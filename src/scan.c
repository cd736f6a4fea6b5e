/* scan — one pass over a capture: read, dissect, count the unusable. */
#include "scan.h"

#include <string.h>

int scan_open(struct scan *s, const char *path, bool allow_truncated, struct verr *err)
{
	memset(s, 0, sizeof *s);
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		return -1;
	scan_adopt(s, r);
	return 0;
}

void scan_adopt(struct scan *s, struct reader *r)
{
	memset(s, 0, sizeof *s);
	s->r = r;
	s->dlt = reader_linktype(r);
}

void scan_close(struct scan *s)
{
	reader_close(s->r);
	s->r = NULL;
}

int scan_record(struct scan *s, struct pkt *pk, enum dis_result *dr, struct verr *err)
{
	struct rpacket rp;
	int rc = reader_next(s->r, &rp, err);
	if (rc != 1)
		return rc;
	s->records++;
	*dr = dissect(s->dlt, rp.data, rp.caplen, rp.wirelen, rp.ts_ns, pk); /* sets ts_ns first */
	if (*dr != DIS_OK)
		s->skipped[*dr]++;
	return 1;
}

int scan_next(struct scan *s, struct pkt *pk, struct verr *err)
{
	enum dis_result dr;
	int rc;
	while ((rc = scan_record(s, pk, &dr, err)) == 1 && dr != DIS_OK)
		;
	return rc;
}
