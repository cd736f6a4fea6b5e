/* Unit tests: a pcap stream cut into window files (pcapsplit.h).  A stream
 * of known records (both byte orders, microsecond and nanosecond stamps,
 * data of 0 to 9000 octets) fed in random pieces (1 octet to 3000) with a
 * cut every 50 ms of stamps and forced cuts between: the files' records,
 * joined, are the stream's byte for byte; each file starts with the
 * stream's header; a stamp cut puts every record of a file before its
 * cut.  A stream that ends inside a record leaves a whole file, to which a
 * restarted stream appends (its header not written again); a file that
 * holds less than a header is started afresh; pcap_append_file joins the
 * files and refuses one of another link type. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapsplit.h"
#include "tcheck.h"

static char dir[256];

struct buf {
	unsigned char *b;
	size_t n, cap;
};

static void put(struct buf *b, const void *x, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->b = realloc(b->b, b->cap);
	}
	memcpy(b->b + b->n, x, n);
	b->n += n;
}

static uint32_t ord(uint32_t v, bool swapped) { return swapped ? __builtin_bswap32(v) : v; }

/* A stream: header, then nrec records 1 ms apart from t0 (ns), caplens
 * from the rng; the stamps (ns) into ts. */
static void make_stream(struct buf *s, bool swapped, bool nano, int nrec, int64_t *ts,
			unsigned *seed)
{
	uint32_t h[6] = {ord(nano ? 0xa1b23c4d : 0xa1b2c3d4, swapped), ord(2 | (4u << 16), swapped),
			 0, 0, ord(65535, swapped), ord(1, swapped)};
	put(s, h, sizeof h);
	int64_t t = 1700000000LL * 1000000000;
	static const unsigned lens[] = {0, 1, 15, 16, 17, 60, 1514, 9000};
	for (int i = 0; i < nrec; i++) {
		t += 1000000;
		int64_t st = nano ? t : t / 1000 * 1000;
		ts[i] = st;
		unsigned len = lens[rand_r(seed) % 8];
		uint32_t rh[4] = {ord((uint32_t)(st / 1000000000), swapped),
				  ord((uint32_t)(st % 1000000000 / (nano ? 1 : 1000)), swapped),
				  ord(len, swapped), ord(len, swapped)};
		put(s, rh, sizeof rh);
		for (unsigned k = 0; k < len; k++) {
			unsigned char c = (unsigned char)(i + k);
			put(s, &c, 1);
		}
	}
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = {0};
	unsigned char x[65536];
	size_t k;
	while ((k = fread(x, 1, sizeof x, f)) > 0)
		put(&b, x, k);
	fclose(f);
	*n = b.n;
	return b.b;
}

/* The records (stamps) of a whole file: -1 if it is not whole. */
static int file_records(const unsigned char *f, size_t n, bool swapped, bool nano, int64_t *ts,
			int max)
{
	size_t at = 24;
	int k = 0;
	while (at < n) {
		if (n - at < 16 || k == max)
			return -1;
		uint32_t v[3];
		memcpy(v, f + at, 12);
		int64_t t = (int64_t)ord(v[0], swapped) * 1000000000 +
			    (int64_t)ord(v[1], swapped) * (nano ? 1 : 1000);
		uint32_t len = ord(v[2], swapped);
		if (n - at - 16 < len)
			return -1;
		ts[k++] = t;
		at += 16 + len;
	}
	return k;
}

static void split_run(bool swapped, bool nano, unsigned seed)
{
	enum { NREC = 600 };
	struct buf s = {0};
	int64_t ts[NREC];
	make_stream(&s, swapped, nano, NREC, ts, &seed);
	struct pcapsplit sp;
	struct verr err = {0};
	char path[300], cuts_path[64][300];
	int64_t cut_at[64];
	snprintf(path, sizeof path, "%s/w%u-0.pcap", dir, seed);
	CHECK_EQ(pcapsplit_open(&sp, path, &err), 0);
	snprintf(cuts_path[0], sizeof cuts_path[0], "%s", path);
	int ncut = 1;
	int64_t next = ts[0] + 50000000;
	snprintf(cuts_path[ncut], sizeof cuts_path[ncut], "%s/w%u-%d.pcap", dir, seed, ncut);
	pcapsplit_cut(&sp, next, cuts_path[ncut]);
	cut_at[0] = next;
	size_t at = 0;
	while (at < s.n) {
		size_t k = rand_r(&seed) % 4 == 0 ? 1 + rand_r(&seed) % 20 : 1 + rand_r(&seed) % 3000;
		if (k > s.n - at)
			k = s.n - at;
		CHECK_EQ(pcapsplit_feed(&sp, s.b + at, k), 0);
		at += k;
		bool forced = rand_r(&seed) % 40 == 0 && pcapsplit_force(&sp);
		if ((uint64_t)ncut == pcapsplit_cuts(&sp) && ncut < 63) {
			(void)forced;
			cut_at[ncut] = next = (forced ? sp.first_ns : next) + 50000000;
			ncut++;
			snprintf(cuts_path[ncut], sizeof cuts_path[ncut], "%s/w%u-%d.pcap", dir, seed,
				 ncut);
			pcapsplit_cut(&sp, next, cuts_path[ncut]);
		}
	}
	CHECK_EQ(pcapsplit_close(&sp, &err), 0);
	/* the files joined: the stream, byte for byte; each whole, headed */
	struct buf joined = {0};
	put(&joined, s.b, 24);
	int total = 0;
	for (int i = 0; i < ncut; i++) {
		size_t n;
		unsigned char *f = slurp(cuts_path[i], &n);
		CHECK(f != NULL && n >= 24);
		if (f == NULL)
			continue;
		CHECK(memcmp(f, s.b, 24) == 0);
		int64_t fts[NREC];
		int k = file_records(f, n, swapped, nano, fts, NREC);
		CHECK(k >= 0);
		for (int j = 1; j < k; j++)
			if (i + 1 < ncut && fts[j] >= cut_at[i]) {
				CHECK(fts[j] < cut_at[i]); /* a record at or past its file's cut */
				break;
			}
		total += k > 0 ? k : 0;
		put(&joined, f + 24, n - 24);
		free(f);
		unlink(cuts_path[i]);
	}
	CHECK_EQ(total, NREC);
	CHECK_EQ(joined.n, s.n);
	CHECK(joined.n == s.n && memcmp(joined.b, s.b, s.n) == 0);
	CHECK(ncut > 5);
	free(joined.b);
	free(s.b);
}

/* A stream ending inside a record, then a restart appending. */
static void append_tests(void)
{
	struct buf s = {0};
	int64_t ts[40];
	unsigned seed = 7;
	make_stream(&s, false, true, 40, ts, &seed);
	char path[300];
	snprintf(path, sizeof path, "%s/append.pcap", dir);
	struct pcapsplit sp;
	struct verr err = {0};
	CHECK_EQ(pcapsplit_open(&sp, path, &err), 0);
	size_t half = s.n / 2 + 7; /* inside some record (or its header) */
	CHECK_EQ(pcapsplit_feed(&sp, s.b, half), 0);
	CHECK_EQ(pcapsplit_close(&sp, &err), 0);
	size_t n1;
	unsigned char *f = slurp(path, &n1);
	int64_t fts[80];
	int k1 = file_records(f, n1, false, true, fts, 80);
	CHECK(k1 > 0); /* whole: the cut record taken off */
	free(f);
	CHECK_EQ(pcapsplit_open_append(&sp, path, &err), 0);
	CHECK_EQ(pcapsplit_feed(&sp, s.b, s.n), 0); /* the restarted stream, header again */
	CHECK_EQ(pcapsplit_close(&sp, &err), 0);
	size_t n2;
	f = slurp(path, &n2);
	CHECK_EQ(file_records(f, n2, false, true, fts, 80), k1 + 40);
	CHECK_EQ(n2, n1 + s.n - 24);
	free(f);
	/* less than a header there: started afresh */
	FILE *x = fopen(path, "w");
	fwrite(s.b, 1, 10, x);
	fclose(x);
	CHECK_EQ(pcapsplit_open_append(&sp, path, &err), 0);
	CHECK_EQ(pcapsplit_feed(&sp, s.b, s.n), 0);
	CHECK_EQ(pcapsplit_close(&sp, &err), 0);
	f = slurp(path, &n2);
	CHECK_EQ(n2, s.n);
	CHECK(f && memcmp(f, s.b, s.n) == 0);
	free(f);
	/* not a pcap stream */
	char bad[300];
	snprintf(bad, sizeof bad, "%s/bad.pcap", dir);
	CHECK_EQ(pcapsplit_open(&sp, bad, &err), 0);
	CHECK_EQ(pcapsplit_feed(&sp, "this is no pcap stream at all", 29), -1);
	CHECK(sp.failed != 0);
	pcapsplit_close(&sp, &err);
	/* never over a file that exists */
	struct verr e2 = {0};
	CHECK_EQ(pcapsplit_open(&sp, path, &e2), -1);
	CHECK(strstr(e2.msg, path) != NULL);
	/* joined: two files, then one of another link type refused */
	char joined[300];
	snprintf(joined, sizeof joined, "%s/joined.pcap", dir);
	FILE *out = fopen(joined, "wb");
	unsigned char first[24];
	bool have = false;
	struct verr e3 = {0};
	CHECK_EQ(pcap_append_file(out, path, first, &have, &e3), 0);
	CHECK_EQ(pcap_append_file(out, path, first, &have, &e3), 0);
	s.b[20] = 113; /* Linux cooked */
	x = fopen(bad, "wb");
	fwrite(s.b, 1, s.n, x);
	fclose(x);
	CHECK_EQ(pcap_append_file(out, bad, first, &have, &e3), -1);
	CHECK(strstr(e3.msg, "link type") != NULL);
	fclose(out);
	f = slurp(joined, &n2);
	CHECK_EQ(file_records(f, n2, false, true, fts, 80), 80);
	free(f);
	unlink(joined);
	unlink(bad);
	unlink(path);
	free(s.b);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_pcapsplit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	for (unsigned seed = 1; seed <= 12; seed++)
		split_run(seed % 2, seed % 4 >= 2, seed);
	append_tests();
	rmdir(dir);
	return tcheck_done("test_pcapsplit");
}
