/* metrics — see metrics.h. */
#include "metrics.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT; /* before 0.9.71 handlers returned int */
#else
typedef enum MHD_Result MHD_RESULT;
#endif

/* ISO 3 R10 preferred numbers, 1 us .. 1 s (metrics.h, Buckets).  Written
 * out, not computed: the same decimal literals give the same doubles
 * everywhere, hence the same le strings on every host. */
/* a decade a row */
/* clang-format off */
static const double BOUNDS[METRICS_NBOUNDS] = {
	1e-6, 1.25e-6, 1.6e-6, 2e-6, 2.5e-6, 3.15e-6, 4e-6, 5e-6, 6.3e-6, 8e-6,
	1e-5, 1.25e-5, 1.6e-5, 2e-5, 2.5e-5, 3.15e-5, 4e-5, 5e-5, 6.3e-5, 8e-5,
	1e-4, 1.25e-4, 1.6e-4, 2e-4, 2.5e-4, 3.15e-4, 4e-4, 5e-4, 6.3e-4, 8e-4,
	1e-3, 1.25e-3, 1.6e-3, 2e-3, 2.5e-3, 3.15e-3, 4e-3, 5e-3, 6.3e-3, 8e-3,
	1e-2, 1.25e-2, 1.6e-2, 2e-2, 2.5e-2, 3.15e-2, 4e-2, 5e-2, 6.3e-2, 8e-2,
	1e-1, 1.25e-1, 1.6e-1, 2e-1, 2.5e-1, 3.15e-1, 4e-1, 5e-1, 6.3e-1, 8e-1,
	1.0,
};
/* clang-format on */

int metrics_buckets(const double **le)
{
	*le = BOUNDS;
	return METRICS_NBOUNDS;
}

struct metric_series {
	struct metrics *m;
	struct family *fam;
	char *labels; /* rendered, escaped: k1="v1",k2="v2" ("" for none) */
	double value; /* counter, gauge (NaN: unknown) */
	double sum;   /* histogram */
	uint64_t count;
	uint64_t *bucket; /* histogram: METRICS_NBUCKETS counts, not cumulative */
	struct metric_series *next;
};

struct family {
	char *name, *help;
	enum metric_type type;
	struct metric_series *first, *last;
	struct family *next;
};

struct metrics {
	pthread_mutex_t lock; /* the families and series: updates, publish */
	struct family *first, *last;
	pthread_mutex_t snap_lock; /* snap, snap_len: publish against readers */
	char *snap;
	size_t snap_len;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->snap_lock, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (struct family *f = m->first, *fn; f; f = fn) {
		fn = f->next;
		for (struct metric_series *s = f->first, *sn; s; s = sn) {
			sn = s->next;
			free(s->labels);
			free(s->bucket);
			free(s);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	free(m->snap);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->snap_lock);
	free(m);
}

/* A growing text buffer; once an allocation fails it stays failed (nomem),
 * so a render checks once at its end. */
struct buf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void buf_grow(struct buf *b, size_t more)
{
	if (b->nomem || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->nomem = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	if (b->nomem)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_chr(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

/* Escapes s: backslash and newline always, the double quote when quote
 * (label values; HELP text leaves it). */
static void buf_escaped(struct buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_str(b, "\\\\");
		else if (*s == '\n')
			buf_str(b, "\\n");
		else if (*s == '"' && quote)
			buf_str(b, "\\\"");
		else
			buf_chr(b, *s);
	}
}

/* The shortest %g form that reads back as v ("1e-06", "0.0025", "1.5"),
 * "+Inf", "-Inf", "NaN": what Prometheus's parser reads exactly. */
static void fmt_double(char out[32], double v)
{
	if (isnan(v)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(v)) {
		strcpy(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* The bound strings, formatted once per render (all series alike). */
static void le_strings(char le[METRICS_NBOUNDS][32])
{
	for (int i = 0; i < METRICS_NBOUNDS; i++)
		fmt_double(le[i], BOUNDS[i]);
}

static bool name_ok(const char *s, bool colon)
{
	if (!*s || !(((*s | 32) >= 'a' && (*s | 32) <= 'z') || *s == '_' || (colon && *s == ':')))
		return false;
	for (s++; *s; s++)
		if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (colon && *s == ':')))
			return false;
	return true;
}

/* Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF): Prometheus
 * refuses a whole scrape over one bad label value. */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s++;
		int more;
		unsigned cp, min;
		if (c < 0x80)
			continue;
		else if ((c & 0xe0) == 0xc0)
			more = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			more = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			more = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		for (; more; more--, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

static struct family *family_find(struct metrics *m, const char *name)
{
	for (struct family *f = m->first; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* A histogram's samples are named NAME_bucket, NAME_sum and NAME_count: the
 * family name of a histogram that another family name (or, for a histogram
 * being declared, its sample names) would collide with, else NULL. */
static const char *samples_clash(struct metrics *m, const char *name, enum metric_type t)
{
	static const char *const SUFFIX[] = {"_bucket", "_sum", "_count"};
	size_t n = strlen(name);
	for (struct family *f = m->first; f; f = f->next) {
		size_t fn = strlen(f->name);
		for (int i = 0; i < 3; i++) {
			size_t sn = strlen(SUFFIX[i]);
			if (f->type == METRIC_HISTOGRAM && n == fn + sn &&
			    strncmp(name, f->name, fn) == 0 && strcmp(name + fn, SUFFIX[i]) == 0)
				return f->name;
			if (t == METRIC_HISTOGRAM && fn == n + sn &&
			    strncmp(f->name, name, n) == 0 && strcmp(f->name + n, SUFFIX[i]) == 0)
				return name;
		}
	}
	return NULL;
}

static const char *type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

int metrics_declare(struct metrics *m, const char *name, enum metric_type t, const char *help,
		    struct verr *err)
{
	if (name == NULL || !name_ok(name, true))
		return verr_set(err, VERR_INPUT,
				"metrics: bad metric name '%s' (want [a-zA-Z_:][a-zA-Z0-9_:]*)",
				name ? name : "(null)");
	if (t != METRIC_COUNTER && t != METRIC_GAUGE && t != METRIC_HISTOGRAM)
		return verr_set(err, VERR_INPUT, "metrics: %s: bad metric type %d", name, (int)t);
	if (help && !utf8_ok((const unsigned char *)help))
		return verr_set(err, VERR_INPUT, "metrics: %s: help text not UTF-8", name);
	pthread_mutex_lock(&m->lock);
	struct family *f = family_find(m, name);
	if (f) {
		pthread_mutex_unlock(&m->lock);
		if (f->type == t)
			return 0;
		return verr_set(err, VERR_INPUT, "metrics: %s declared as a %s, now as a %s", name,
				type_name(f->type), type_name(t));
	}
	const char *clash = samples_clash(m, name, t);
	if (clash) {
		pthread_mutex_unlock(&m->lock);
		return verr_set(err, VERR_INPUT,
				"metrics: %s: its samples would clash with histogram %s's", name,
				clash);
	}
	f = calloc(1, sizeof *f);
	if (f)
		f->name = strdup(name), f->help = strdup(help ? help : "");
	if (f == NULL || f->name == NULL || f->help == NULL) {
		pthread_mutex_unlock(&m->lock);
		if (f)
			free(f->name), free(f->help);
		free(f);
		return verr_set(err, VERR_NOMEM, "metrics: %s: out of memory", name);
	}
	f->type = t;
	if (m->last)
		m->last->next = f;
	else
		m->first = f;
	m->last = f;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Renders the label pairs into a fresh string (k1="v1",k2="v2"), checking
 * them; NULL with err. */
static char *render_labels(const struct family *f, const char *const *labels, struct verr *err)
{
	struct buf b = {0};
	buf_str(&b, "");
	for (size_t i = 0; labels && labels[i]; i += 2) {
		const char *k = labels[i], *v = labels[i + 1];
		const char *why = NULL;
		if (v == NULL)
			why = "has no value (labels come in pairs, then NULL)";
		else if (!name_ok(k, false))
			why = "is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)";
		else if (k[0] == '_' && k[1] == '_')
			why = "is reserved (names starting __ are Prometheus's)";
		else if (f->type == METRIC_HISTOGRAM && strcmp(k, "le") == 0)
			why = "is reserved in a histogram (its buckets' bound)";
		else if (!utf8_ok((const unsigned char *)v))
			why = "has a value that is not UTF-8";
		for (size_t j = 0; why == NULL && j < i; j += 2)
			if (strcmp(labels[j], k) == 0)
				why = "is given twice";
		if (why) {
			free(b.p);
			verr_set(err, VERR_INPUT, "metrics: %s: label '%s' %s", f->name, k, why);
			return NULL;
		}
		if (i)
			buf_chr(&b, ',');
		buf_str(&b, k);
		buf_str(&b, "=\"");
		buf_escaped(&b, v, true);
		buf_chr(&b, '"');
	}
	if (b.nomem) {
		free(b.p);
		verr_set(err, VERR_NOMEM, "metrics: %s: out of memory", f->name);
		return NULL;
	}
	return b.p;
}

struct metric_series *metrics_series(struct metrics *m, const char *name, const char *const *labels,
				     struct verr *err)
{
	pthread_mutex_lock(&m->lock);
	struct metric_series *s = NULL;
	struct family *f = name ? family_find(m, name) : NULL;
	if (f == NULL) {
		verr_set(err, VERR_INPUT, "metrics: no metric '%s' declared",
			 name ? name : "(null)");
		goto out;
	}
	char *lab = render_labels(f, labels, err);
	if (lab == NULL)
		goto out;
	for (s = f->first; s; s = s->next)
		if (strcmp(s->labels, lab) == 0) {
			free(lab);
			goto out;
		}
	s = calloc(1, sizeof *s);
	if (s && f->type == METRIC_HISTOGRAM &&
	    (s->bucket = calloc(METRICS_NBUCKETS, sizeof *s->bucket)) == NULL) {
		free(s);
		s = NULL;
	}
	if (s == NULL) {
		free(lab);
		verr_set(err, VERR_NOMEM, "metrics: %s: out of memory", f->name);
		goto out;
	}
	s->m = m;
	s->fam = f;
	s->labels = lab;
	s->value = f->type == METRIC_GAUGE ? NAN : 0;
	if (f->last)
		f->last->next = s;
	else
		f->first = s;
	f->last = s;
out:
	pthread_mutex_unlock(&m->lock);
	return s;
}

void metric_add(struct metric_series *s, double v)
{
	assert(s->fam->type != METRIC_HISTOGRAM);
	pthread_mutex_lock(&s->m->lock);
	if (s->fam->type == METRIC_COUNTER) {
		if (isfinite(v) && v >= 0)
			s->value += v;
	} else if (!isnan(v)) {
		s->value = (isnan(s->value) ? 0 : s->value) + v;
	}
	pthread_mutex_unlock(&s->m->lock);
}

void metric_set(struct metric_series *s, double v)
{
	assert(s->fam->type == METRIC_GAUGE);
	pthread_mutex_lock(&s->m->lock);
	s->value = v;
	pthread_mutex_unlock(&s->m->lock);
}

/* The bucket of v: the first bound >= v (le), METRICS_NBOUNDS for +Inf. */
static int bucket_of(double v)
{
	int lo = 0, hi = METRICS_NBOUNDS; /* answer in [lo, hi] */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (BOUNDS[mid] >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void metric_observe_n(struct metric_series *s, double v, uint64_t n)
{
	assert(s->fam->type == METRIC_HISTOGRAM);
	if (isnan(v) || n == 0)
		return;
	int i = bucket_of(v);
	pthread_mutex_lock(&s->m->lock);
	s->bucket[i] += n;
	s->count += n;
	s->sum += v * (double)n;
	pthread_mutex_unlock(&s->m->lock);
}

void metric_observe(struct metric_series *s, double v)
{
	metric_observe_n(s, v, 1);
}

/* name{labels[,extra]} value\n; extra e.g. le="0.001" (NULL: none). */
static void sample(struct buf *b, const char *name, const char *suffix, const char *labels,
		   const char *extra, const char *value)
{
	buf_str(b, name);
	buf_str(b, suffix);
	if (*labels || extra) {
		buf_chr(b, '{');
		buf_str(b, labels);
		if (*labels && extra)
			buf_chr(b, ',');
		if (extra)
			buf_str(b, extra);
		buf_chr(b, '}');
	}
	buf_chr(b, ' ');
	buf_str(b, value);
	buf_chr(b, '\n');
}

static void render_family(struct buf *b, const struct family *f, char le[METRICS_NBOUNDS][32])
{
	buf_str(b, "# HELP ");
	buf_str(b, f->name);
	buf_chr(b, ' ');
	buf_escaped(b, f->help, false);
	buf_str(b, "\n# TYPE ");
	buf_str(b, f->name);
	buf_chr(b, ' ');
	buf_str(b, type_name(f->type));
	buf_chr(b, '\n');
	char num[32], extra[48];
	for (const struct metric_series *s = f->first; s; s = s->next) {
		if (f->type != METRIC_HISTOGRAM) {
			if (isnan(s->value))
				continue; /* an unknown gauge: no sample */
			fmt_double(num, s->value);
			sample(b, f->name, "", s->labels, NULL, num);
			continue;
		}
		uint64_t cum = 0;
		for (int i = 0; i < METRICS_NBUCKETS; i++) {
			cum += s->bucket[i];
			snprintf(extra, sizeof extra, "le=\"%s\"",
				 i < METRICS_NBOUNDS ? le[i] : "+Inf");
			snprintf(num, sizeof num, "%llu", (unsigned long long)cum);
			sample(b, f->name, "_bucket", s->labels, extra, num);
		}
		fmt_double(num, s->sum);
		sample(b, f->name, "_sum", s->labels, NULL, num);
		snprintf(num, sizeof num, "%llu", (unsigned long long)s->count);
		sample(b, f->name, "_count", s->labels, NULL, num);
	}
}

int metrics_publish(struct metrics *m, struct verr *err)
{
	char le[METRICS_NBOUNDS][32];
	le_strings(le);
	struct buf b = {0};
	buf_str(&b, "");
	pthread_mutex_lock(&m->lock);
	for (const struct family *f = m->first; f; f = f->next)
		render_family(&b, f, le);
	pthread_mutex_unlock(&m->lock);
	if (b.nomem) {
		free(b.p);
		return verr_set(err, VERR_NOMEM, "metrics: out of memory rendering the exposition");
	}
	pthread_mutex_lock(&m->snap_lock);
	char *old = m->snap;
	m->snap = b.p;
	m->snap_len = b.len;
	pthread_mutex_unlock(&m->snap_lock);
	free(old);
	return 0;
}

char *metrics_snapshot(struct metrics *m, size_t *len)
{
	char *copy = NULL;
	pthread_mutex_lock(&m->snap_lock);
	if (m->snap && (copy = malloc(m->snap_len + 1)) != NULL) {
		memcpy(copy, m->snap, m->snap_len + 1);
		*len = m->snap_len;
	}
	pthread_mutex_unlock(&m->snap_lock);
	return copy;
}

int metrics_write_textfile_as(struct metrics *m, const char *dir, const char *file,
			      struct verr *err)
{
	char path[4096], tmp[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, file) >= (int)sizeof tmp)
		return verr_set(err, VERR_INPUT, "metrics: textfile path too long: %s/%s", dir,
				file);
	size_t len;
	char *snap = metrics_snapshot(m, &len);
	if (snap == NULL)
		return verr_set(err, VERR_INPUT,
				"metrics: %s: nothing published yet (or out of memory)", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(snap);
		return verr_set(err, verr_status_of(e), "metrics: cannot write in %s: %s", dir,
				strerror(e));
	}
	int e = 0;
	for (size_t off = 0; off < len && !e;) {
		ssize_t w = write(fd, snap + off, len - off);
		if (w < 0 && errno != EINTR)
			e = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	free(snap);
	/* mkstemp made it 0600: node_exporter often runs as another user */
	if (!e && fchmod(fd, 0644) < 0)
		e = errno;
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		return verr_set(err, verr_status_of(e), "metrics: cannot write %s: %s", path,
				strerror(e));
	}
	/* the rename itself durable (best effort: not every file system lets a
	 * directory be opened and synced) */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int metrics_write_textfile(struct metrics *m, const char *dir, struct verr *err)
{
	return metrics_write_textfile_as(m, dir, "vocalc.prom", err);
}

/* The server. */

struct metrics_server {
	struct metrics *m;
	struct MHD_Daemon *d;
	char addr[INET6_ADDRSTRLEN + 16];
};

static const char CONTENT_TYPE[] = "text/plain; version=0.0.4; charset=utf-8";

static MHD_RESULT reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
			size_t len, bool must_free)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (must_free)
			free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_RESULT ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static char ROOT_TEXT[] = "vocalc: Prometheus metrics at /metrics\n";
static char NOT_FOUND[] = "not found: the metrics are at /metrics\n";
static char NOT_ALLOWED[] = "method not allowed: GET or HEAD\n";
static char NOT_YET[] = "no metrics published yet\n";

static MHD_RESULT handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			 const char *version, const char *upload, size_t *upload_len, void **state)
{
	(void)version, (void)upload, (void)upload_len, (void)state;
	struct metrics_server *s = cls;
	const char *txt = "text/plain; charset=utf-8";
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, txt, NOT_ALLOWED, strlen(NOT_ALLOWED),
			     false);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, txt, ROOT_TEXT, strlen(ROOT_TEXT), false);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, txt, NOT_FOUND, strlen(NOT_FOUND), false);
	size_t len;
	char *snap = metrics_snapshot(s->m, &len);
	if (snap == NULL)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, txt, NOT_YET, strlen(NOT_YET), false);
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, snap, len, true);
}

/* Parses a listen address ("PORT", "ADDR:PORT", "[V6]:PORT") into host and port
 * strings; -1 with err. */
static int parse_listen(const char *where, char *host, size_t hostsz, char *port, struct verr *err)
{
	const char *colon = strrchr(where, ':'), *p;
	size_t hl;
	if (colon == NULL) {
		snprintf(host, hostsz, "127.0.0.1");
		p = where;
	} else if (where[0] == '[') {
		const char *close = strchr(where, ']');
		if (close == NULL || close + 1 != colon)
			return verr_set(err, VERR_INPUT,
					"metrics: bad listen address '%s' (want [V6ADDR]:PORT)",
					where);
		hl = (size_t)(close - where - 1);
		if (hl == 0 || hl >= hostsz)
			return verr_set(err, VERR_INPUT, "metrics: bad listen address '%s'", where);
		memcpy(host, where + 1, hl);
		host[hl] = '\0';
		p = colon + 1;
	} else {
		hl = (size_t)(colon - where);
		if (hl == 0 || hl >= hostsz || memchr(where, ':', hl))
			return verr_set(err, VERR_INPUT,
					"metrics: bad listen address '%s' (want ADDR:PORT, "
					"[V6ADDR]:PORT or PORT)",
					where);
		memcpy(host, where, hl);
		host[hl] = '\0';
		p = colon + 1;
	}
	char *end;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (!*p || *end || errno || v < 0 || v > 65535 || *p == '-' || *p == '+' || *p == ' ')
		return verr_set(err, VERR_INPUT,
				"metrics: bad port in listen address '%s' (0 .. 65535)", where);
	snprintf(port, 8, "%ld", v);
	return 0;
}

struct metrics_server *metrics_serve(struct metrics *m, const char *where, struct verr *err)
{
	char host[256], port[8];
	if (where == NULL || parse_listen(where, host, sizeof host, port, err) < 0)
		return where ? NULL
			     : (verr_set(err, VERR_INPUT, "metrics: no listen address"), NULL);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		verr_set(err, VERR_INPUT, "metrics: listen address %s: %s", where,
			 gai_strerror(rc));
		return NULL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		verr_set(err, verr_status_of(e), "metrics: cannot listen on %s: %s", where,
			 strerror(e));
		return NULL;
	}
	freeaddrinfo(ai);
	struct metrics_server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		close(fd);
		verr_set(err, VERR_NOMEM, "metrics: out of memory");
		return NULL;
	}
	s->m = m;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	char a[INET6_ADDRSTRLEN] = "?";
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
		if (sa.ss_family == AF_INET6) {
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sa;
			inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof a);
			snprintf(s->addr, sizeof s->addr, "[%s]:%u", a, ntohs(v6->sin6_port));
		} else {
			struct sockaddr_in *v4 = (struct sockaddr_in *)&sa;
			inet_ntop(AF_INET, &v4->sin_addr, a, sizeof a);
			snprintf(s->addr, sizeof s->addr, "%s:%u", a, ntohs(v4->sin_port));
		}
	}
	/* one polling thread: a scrape is a copy of a buffer; few connections
	 * and a timeout so that idle clients cannot pile up */
	s->d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				handle, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (s->d == NULL) {
		int e = errno;
		close(fd);
		free(s);
		verr_set(err, VERR_INPUT, "metrics: cannot start the HTTP server on %s%s%s", where,
			 e ? ": " : "", e ? strerror(e) : "");
		return NULL;
	}
	return s;
}

const char *metrics_server_address(const struct metrics_server *s)
{
	return s->addr;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d); /* joins its thread, closes the listening socket */
	free(s);
}
