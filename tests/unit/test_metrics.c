/* The metrics registry (metrics.h): the exact exposition of a small registry
 * (a counter, gauges, a histogram with values on a bound, between bounds,
 * below the first and above 1 s, label and help escaping), unknown gauges
 * left out, the fixed buckets and their boundaries (le: a value equal to a
 * bound is in that bound's bucket), the errors, the textfile (complete, no
 * temporary left, a bad directory named), and the HTTP server on a free
 * port read with a raw socket: GET /metrics equals the snapshot, HEAD, 404,
 * 405, 503 before a publish, "PORT" alone bound to 127.0.0.1 only (checked
 * in /proc/net/tcp), a port in use refused with its reason, no descriptor
 * left after a stop. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "tcheck.h"

/* The le strings, written out here (not from metrics.c): R10 from 1 us to 1 s. */
static const char *const LE[METRICS_NBOUNDS] = {
    "1e-06",   "1.25e-06", "1.6e-06", "2e-06",	  "2.5e-06", "3.15e-06", "4e-06",   "5e-06",
    "6.3e-06", "8e-06",	   "1e-05",   "1.25e-05", "1.6e-05", "2e-05",	 "2.5e-05", "3.15e-05",
    "4e-05",   "5e-05",	   "6.3e-05", "8e-05",	  "0.0001",  "0.000125", "0.00016", "0.0002",
    "0.00025", "0.000315", "0.0004",  "0.0005",	  "0.00063", "0.0008",	 "0.001",   "0.00125",
    "0.0016",  "0.002",	   "0.0025",  "0.00315",  "0.004",   "0.005",	 "0.0063",  "0.008",
    "0.01",    "0.0125",   "0.016",   "0.02",	  "0.025",   "0.0315",	 "0.04",    "0.05",
    "0.063",   "0.08",	   "0.1",     "0.125",	  "0.16",    "0.2",	 "0.25",    "0.315",
    "0.4",     "0.5",	   "0.63",    "0.8",	  "1"};

/* Appends the bucket lines of a histogram series: cum[i] the cumulative
 * count at bound i, cum[61] at +Inf. */
static void expect_buckets(char *out, const char *name, const char *labels, const unsigned *cum)
{
	for (int i = 0; i <= METRICS_NBOUNDS; i++)
		sprintf(out + strlen(out), "%s_bucket{%s%sle=\"%s\"} %u\n", name, labels,
			*labels ? "," : "", i < METRICS_NBOUNDS ? LE[i] : "+Inf", cum[i]);
}

static void test_buckets(void)
{
	const double *le;
	CHECK_EQ(metrics_buckets(&le), 61);
	CHECK(le[0] == 1e-6 && le[60] == 1.0);
	for (int i = 0; i < 61; i++) {
		CHECK(strtod(LE[i], NULL) == le[i]);
		/* within 1.3 % of ten per decade */
		CHECK(fabs(le[i] / pow(10, (i - 60) / 10.0) - 1) < 0.013);
		if (i)
			CHECK(le[i] > le[i - 1]);
		if (i >= 10) /* the same mantissas every decade */
			CHECK(fabs(le[i] / le[i - 10] - 10) < 1e-12);
	}
}

static void test_exposition(void)
{
	struct verr err = {0};
	struct metrics *m = metrics_new();
	CHECK(m != NULL);
	CHECK_EQ(metrics_declare(m, "vt_packets_total", METRIC_COUNTER,
				 "Packets seen.\nA \\ and a \"quote\".", &err),
		 0);
	CHECK_EQ(metrics_declare(m, "vt_offset_seconds", METRIC_GAUGE, "Clock offset.", &err), 0);
	CHECK_EQ(metrics_declare(m, "vt_delay_seconds", METRIC_HISTOGRAM, "Delay.", &err), 0);
	CHECK_EQ(metrics_declare(m, "vt_empty", METRIC_GAUGE, "", &err), 0);
	/* again with the same type: a no-op */
	CHECK_EQ(metrics_declare(m, "vt_packets_total", METRIC_COUNTER, "other", &err), 0);
	CHECK_EQ(err.status, 0);

	const char *const lc[] = {"guest", "a\"b\\c\nd", "dir", "to", NULL};
	struct metric_series *c = metrics_series(m, "vt_packets_total", lc, &err);
	CHECK(c != NULL && metrics_series(m, "vt_packets_total", lc, &err) == c);
	metric_add(c, 3);
	metric_add(c, -1);	 /* never down */
	metric_add(c, NAN);	 /* ignored */
	metric_add(c, INFINITY); /* ignored */
	metric_add(c, 0.5);
	struct metric_series *c0 =
	    metrics_series(m, "vt_packets_total", NULL, &err); /* 0 from the start */
	CHECK(c0 != NULL);

	const char *const la[] = {"guest", "a", NULL}, *const lb[] = {"guest", "b", NULL};
	struct metric_series *ga = metrics_series(m, "vt_offset_seconds", la, &err);
	struct metric_series *gb = metrics_series(m, "vt_offset_seconds", lb, &err);
	const char *const none[] = {NULL};
	struct metric_series *gn = metrics_series(m, "vt_offset_seconds", none, &err);
	struct metric_series *gu = metrics_series(
	    m, "vt_offset_seconds", (const char *const[]){"guest", "never", NULL}, &err);
	CHECK(ga && gb && gn && gu);
	metric_set(ga, 0.25);
	metric_set(gb, 7);
	metric_set(gb, NAN); /* unknown again: left out */
	metric_set(gn, -1.5);
	metric_add(gn, 0.25); /* a gauge may go down and up */

	const char *const lh[] = {"guest", "a", "dir", "to", NULL};
	struct metric_series *h = metrics_series(m, "vt_delay_seconds", lh, &err);
	struct metric_series *h2 = metrics_series(m, "vt_delay_seconds", lb, &err);
	CHECK(h && h2 && h != h2);
	metric_observe(h, 0.001);	/* on a bound: in le="0.001" */
	metric_observe_n(h, 0.0011, 3); /* between: le="0.00125" */
	metric_observe(h, 2.5);		/* above 1 s: +Inf only */
	metric_observe(h, 5e-7);	/* below the first bound */
	metric_observe(h, NAN);		/* ignored */
	metric_observe_n(h, 0.5, 0);	/* nothing */
	CHECK_EQ(err.status, 0);

	CHECK(metrics_snapshot(m, &(size_t){0}) == NULL); /* nothing published yet */
	CHECK_EQ(metrics_publish(m, &err), 0);

	static char want[32768];
	strcpy(want, "# HELP vt_packets_total Packets seen.\\nA \\\\ and a \"quote\".\n"
		     "# TYPE vt_packets_total counter\n"
		     "vt_packets_total{guest=\"a\\\"b\\\\c\\nd\",dir=\"to\"} 3.5\n"
		     "vt_packets_total 0\n"
		     "# HELP vt_offset_seconds Clock offset.\n"
		     "# TYPE vt_offset_seconds gauge\n"
		     "vt_offset_seconds{guest=\"a\"} 0.25\n"
		     "vt_offset_seconds -1.25\n"
		     "# HELP vt_delay_seconds Delay.\n"
		     "# TYPE vt_delay_seconds histogram\n");
	unsigned cum[62] = {0}, zero[62] = {0};
	for (int i = 0; i < 62; i++)
		cum[i] = 1 + (i >= 30) + 3 * (i >= 31) + (i >= 61);
	expect_buckets(want, "vt_delay_seconds", "guest=\"a\",dir=\"to\"", cum);
	strcat(want, "vt_delay_seconds_sum{guest=\"a\",dir=\"to\"} 2.5043005000000003\n"
		     "vt_delay_seconds_count{guest=\"a\",dir=\"to\"} 6\n");
	expect_buckets(want, "vt_delay_seconds", "guest=\"b\"", zero);
	strcat(want, "vt_delay_seconds_sum{guest=\"b\"} 0\n"
		     "vt_delay_seconds_count{guest=\"b\"} 0\n"
		     "# HELP vt_empty \n"
		     "# TYPE vt_empty gauge\n");
	size_t len = 0;
	char *got = metrics_snapshot(m, &len);
	CHECK(got != NULL);
	if (got) {
		CHECK_EQ(len, strlen(got));
		CHECK(strcmp(got, want) == 0);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
	}
	free(got);

	/* another order is another series (nothing is sorted) */
	const char *const rev[] = {"dir", "to", "guest", "a", NULL};
	struct metric_series *hr = metrics_series(m, "vt_delay_seconds", rev, &err);
	CHECK(hr != NULL && hr != h);
	metrics_free(m);
}

/* The count at le="B" of the histogram series in text t, -1 if absent. */
static long bucket_count(const char *t, const char *name, const char *le)
{
	char key[128];
	snprintf(key, sizeof key, "%s_bucket{le=\"%s\"} ", name, le);
	const char *p = strstr(t, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_boundaries(void)
{
	struct verr err = {0};
	struct metrics *m = metrics_new();
	CHECK_EQ(metrics_declare(m, "vt_b", METRIC_HISTOGRAM, "b", &err), 0);
	struct metric_series *s = metrics_series(m, "vt_b", NULL, &err);
	const double *le;
	metrics_buckets(&le);
	/* each bound, and the next double above it */
	for (int i = 0; i < METRICS_NBOUNDS; i++) {
		metric_observe(s, le[i]);
		metric_observe(s, nextafter(le[i], 2));
	}
	metric_observe(s, -1); /* a negative value: the first bucket */
	metric_observe(s, INFINITY);
	CHECK_EQ(metrics_publish(m, &err), 0);
	size_t len;
	char *t = metrics_snapshot(m, &len);
	/* at bound i: bounds 0..i, the doubles above bounds 0..i-1, the negative */
	for (int i = 0; i < METRICS_NBOUNDS; i++)
		CHECK_EQ(bucket_count(t, "vt_b", LE[i]), 2 * i + 1 + 1);
	CHECK_EQ(bucket_count(t, "vt_b", "+Inf"), 2 * 61 + 2);
	CHECK(strstr(t, "vt_b_sum +Inf\n") != NULL);
	CHECK(strstr(t, "vt_b_count 124\n") != NULL);
	free(t);
	metrics_free(m);
}

static void test_errors(void)
{
	struct metrics *m = metrics_new();
	struct verr err = {0};
	CHECK_EQ(metrics_declare(m, "9bad", METRIC_GAUGE, "", &err), -1);
	CHECK(strstr(err.msg, "9bad") != NULL);
	const char *okn[] = {"a", "_a:b", "Ab_9:", ":x"};
	for (size_t i = 0; i < 4; i++) {
		err = (struct verr){0};
		CHECK_EQ(metrics_declare(m, okn[i], METRIC_GAUGE, "", &err), 0);
	}
	const char *badn[] = {"", "a-b", "a b", "é"};
	for (size_t i = 0; i < 4; i++) {
		err = (struct verr){0};
		CHECK_EQ(metrics_declare(m, badn[i], METRIC_GAUGE, "", &err), -1);
	}
	err = (struct verr){0};
	CHECK_EQ(metrics_declare(m, "h", METRIC_HISTOGRAM, "", &err), 0);
	CHECK_EQ(metrics_declare(m, "h", METRIC_COUNTER, "", &err), -1);
	CHECK(strstr(err.msg, "histogram") != NULL);

	/* a histogram's sample names are taken, both ways round */
	err = (struct verr){0};
	CHECK_EQ(metrics_declare(m, "h_count", METRIC_GAUGE, "", &err), -1);
	CHECK(strstr(err.msg, "clash") != NULL);
	CHECK_EQ(metrics_declare(m, "g_sum", METRIC_COUNTER, "", &err), 0);
	CHECK_EQ(metrics_declare(m, "g", METRIC_HISTOGRAM, "", &err), -1);
	CHECK_EQ(metrics_declare(m, "h_counts", METRIC_GAUGE, "", &err), 0);
	CHECK_EQ(metrics_declare(m, "bad_help", METRIC_GAUGE, "\xff", &err), -1);
	err = (struct verr){0};
	CHECK(metrics_series(m, "nope", NULL, &err) == NULL);
	CHECK(strstr(err.msg, "nope") != NULL && err.status == VERR_INPUT);
	const char *const *bad[] = {
	    (const char *const[]){"1x", "v", NULL},
	    (const char *const[]){"a:b", "v", NULL}, /* colons: metric names only */
	    (const char *const[]){"__name", "v", NULL},
	    (const char *const[]){"le", "v", NULL},
	    (const char *const[]){"g", "v", "g", "w", NULL},
	    (const char *const[]){"g", NULL},
	    (const char *const[]){"g", "\xff", NULL},
	    (const char *const[]){"g", "\xc0\x80", NULL},     /* overlong NUL */
	    (const char *const[]){"g", "\xed\xa0\x80", NULL}, /* a surrogate */
	    (const char *const[]){"g", "\xe2\x82", NULL},     /* cut short */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = (struct verr){0};
		CHECK(metrics_series(m, "h", bad[i], &err) == NULL);
		CHECK(err.status == VERR_INPUT && strstr(err.msg, "label") != NULL);
	}
	/* "le" is fine outside histograms, UTF-8 is fine */
	err = (struct verr){0};
	CHECK(metrics_series(m, "a", (const char *const[]){"le", "x", NULL}, &err) != NULL);
	CHECK(metrics_series(m, "h", (const char *const[]){"g", "été €𝄞", NULL}, &err) != NULL);
	CHECK_EQ(err.status, 0);
	metrics_free(m);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	static char b[65536];
	*len = fread(b, 1, sizeof b - 1, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static int dir_entries(const char *dir, char *names, size_t sz)
{
	DIR *d = opendir(dir);
	int n = 0;
	names[0] = '\0';
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		snprintf(names + strlen(names), sz - strlen(names), "%s ", e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static void test_textfile(void)
{
	struct verr err = {0};
	struct metrics *m = metrics_new();
	char dir[] = "/tmp/test_metrics.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(metrics_write_textfile(m, dir, &err), -1); /* nothing published */
	CHECK(strstr(err.msg, dir) != NULL);
	char names[512];
	CHECK_EQ(dir_entries(dir, names, sizeof names), 0);

	metrics_declare(m, "vt_c_total", METRIC_COUNTER, "c", &err);
	struct metric_series *c = metrics_series(m, "vt_c_total", NULL, &err);
	for (int round = 0; round < 2; round++) {
		metric_add(c, 1);
		err = (struct verr){0};
		CHECK_EQ(metrics_publish(m, &err), 0);
		CHECK_EQ(metrics_write_textfile(m, dir, &err), 0);
		size_t sl, fl;
		char *snap = metrics_snapshot(m, &sl), path[256];
		snprintf(path, sizeof path, "%s/vocalc.prom", dir);
		char *file = slurp(path, &fl);
		CHECK(file != NULL && snap != NULL && fl == sl && memcmp(file, snap, sl) == 0);
		CHECK(strstr(file ? file : "", round ? "vt_c_total 2\n" : "vt_c_total 1\n") !=
		      NULL);
		struct stat st;
		CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
		/* the file, and no temporary beside it */
		CHECK_EQ(dir_entries(dir, names, sizeof names), 1);
		CHECK(strcmp(names, "vocalc.prom ") == 0);
		free(snap);
	}
	CHECK_EQ(metrics_write_textfile_as(m, dir, "other.prom", &err), 0);
	CHECK_EQ(dir_entries(dir, names, sizeof names), 2);

	/* a directory that is not there, one that is a file: named, nothing left */
	err = (struct verr){0};
	CHECK_EQ(metrics_write_textfile(m, "/nonexistent/textfile-dir", &err), -1);
	CHECK(strstr(err.msg, "/nonexistent/textfile-dir") != NULL);
	CHECK(strstr(err.msg, "No such file") != NULL);
	char notdir[300];
	snprintf(notdir, sizeof notdir, "%s/vocalc.prom", dir);
	err = (struct verr){0};
	CHECK_EQ(metrics_write_textfile(m, notdir, &err), -1);
	CHECK(strstr(err.msg, notdir) != NULL);
	if (geteuid() != 0) { /* root writes anywhere */
		chmod(dir, 0555);
		err = (struct verr){0};
		CHECK_EQ(metrics_write_textfile(m, dir, &err), -1);
		CHECK(strstr(err.msg, dir) != NULL);
		chmod(dir, 0755);
	}
	CHECK_EQ(dir_entries(dir, names, sizeof names), 2);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	metrics_free(m);
}

/* One HTTP request over a raw socket to 127.0.0.1:port; the whole answer
 * (the server closes: Connection: close) into a malloc'd string. */
static char *http(int port, const char *request, size_t *len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	CHECK(write(fd, request, strlen(request)) == (ssize_t)strlen(request));
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (ssize_t r; (r = read(fd, b + n, cap - n - 1)) > 0;) {
		n += (size_t)r;
		if (n + 1 == cap)
			b = realloc(b, cap *= 2);
	}
	b[n] = '\0';
	close(fd);
	*len = n;
	return b;
}

/* The status code of an HTTP answer (the server may answer 1.1 to 1.0). */
static int status(const char *resp)
{
	return strncmp(resp, "HTTP/1.", 7) == 0 ? atoi(resp + 9) : -1;
}

static const char *body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");
	return p ? p + 4 : NULL;
}

static long content_length(const char *resp)
{
	const char *p = strcasestr(resp, "\r\ncontent-length:");
	return p ? strtol(p + 17, NULL, 10) : -1;
}

static int port_of(const char *addr)
{
	const char *c = strrchr(addr, ':');
	return c ? atoi(c + 1) : -1;
}

/* The local address of the listening TCP socket on port in /proc/net/tcp
 * ("0100007F" for 127.0.0.1), into out; 0 if found. */
static int listener_addr(int port, char out[16])
{
	FILE *f = fopen("/proc/net/tcp", "r");
	if (f == NULL)
		return -1;
	char line[512], a[16];
	unsigned p, st;
	int found = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, " %*d: %8[0-9A-F]:%X %*8[0-9A-F]:%*X %X", a, &p, &st) == 3 &&
		    (int)p == port && st == 0x0A) {
			strcpy(out, a);
			found = 0;
		}
	fclose(f);
	return found;
}

static int open_fds(void)
{
	char names[8192];
	return dir_entries("/proc/self/fd", names, sizeof names);
}

static void test_server(void)
{
	struct verr err = {0};
	struct metrics *m = metrics_new();
	metrics_declare(m, "vt_lat_seconds", METRIC_HISTOGRAM, "latency", &err);
	struct metric_series *h =
	    metrics_series(m, "vt_lat_seconds", (const char *const[]){"guest", "a", NULL}, &err);
	int fds = open_fds();

	/* "PORT" alone: 127.0.0.1, a free port with 0 */
	struct metrics_server *s = metrics_serve(m, "0", &err);
	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "metrics_serve: %s\n", err.msg);
		metrics_free(m);
		return;
	}
	const char *addr = metrics_server_address(s);
	int port = port_of(addr);
	CHECK(strncmp(addr, "127.0.0.1:", 10) == 0 && port > 0);
	char la[16] = "";
	CHECK_EQ(listener_addr(port, la), 0);
	CHECK(strcmp(la, "0100007F") == 0); /* not 00000000, all interfaces */

	size_t n;
	char *r = http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &n);
	CHECK(r && status(r) == 503); /* nothing published yet */
	free(r);

	for (int i = 0; i < 1000; i++)
		metric_observe(h, 0.0015);
	CHECK_EQ(metrics_publish(m, &err), 0);
	size_t sl;
	char *snap = metrics_snapshot(m, &sl);
	r = http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &n);
	CHECK(r && status(r) == 200);
	CHECK(r &&
	      strcasestr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
		  NULL);
	CHECK(r && body_of(r) && strcmp(body_of(r), snap) == 0);
	CHECK(r && content_length(r) == (long)sl);
	free(r);

	/* HEAD: the headers of GET, no body */
	r = http(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &n);
	CHECK(r && status(r) == 200);
	CHECK(r && content_length(r) == (long)sl);
	CHECK(r && body_of(r) && *body_of(r) == '\0');
	free(r);

	/* a publish changes what is served */
	metric_observe(h, 0.0003);
	CHECK_EQ(metrics_publish(m, &err), 0);
	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n", &n);
	CHECK(r && body_of(r) &&
	      strstr(body_of(r), "vt_lat_seconds_count{guest=\"a\"} 1001\n") != NULL);
	free(r);

	r = http(port, "GET / HTTP/1.0\r\n\r\n", &n);
	CHECK(r && status(r) == 200 && strstr(r, "/metrics") != NULL);
	free(r);
	r = http(port, "GET /metricsx HTTP/1.0\r\n\r\n", &n);
	CHECK(r && status(r) == 404);
	free(r);
	r = http(port,
		 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: "
		 "close\r\n\r\nabc",
		 &n);
	CHECK(r && status(r) == 405 && strcasestr(r, "\r\nAllow: GET, HEAD\r\n") != NULL);
	free(r);
	r = http(port, "DELETE /metrics HTTP/1.0\r\n\r\n", &n);
	CHECK(r && status(r) == 405);
	free(r);
	free(snap);

	/* the port in use: refused, with the reason */
	char where[64];
	snprintf(where, sizeof where, "127.0.0.1:%d", port);
	err = (struct verr){0};
	CHECK(metrics_serve(m, where, &err) == NULL);
	CHECK(strstr(err.msg, "Address already in use") != NULL && strstr(err.msg, where) != NULL);
	metrics_server_stop(s);
	CHECK_EQ(open_fds(), fds); /* thread and socket gone */
	CHECK(listener_addr(port, la) != 0);

	/* ADDR:PORT explicit */
	err = (struct verr){0};
	s = metrics_serve(m, "127.0.0.1:0", &err);
	CHECK(s != NULL && strncmp(metrics_server_address(s), "127.0.0.1:", 10) == 0);
	if (s) {
		r = http(port_of(metrics_server_address(s)), "GET /metrics HTTP/1.0\r\n\r\n", &n);
		CHECK(r && status(r) == 200);
		free(r);
	}
	metrics_server_stop(s);
	/* [V6]:PORT, where the machine has ::1 */
	err = (struct verr){0};
	s = metrics_serve(m, "[::1]:0", &err);
	if (s)
		CHECK(strncmp(metrics_server_address(s), "[::1]:", 6) == 0);
	else
		printf("no ::1 here (%s): IPv6 listen not checked\n", err.msg);
	metrics_server_stop(s);

	const char *bad[] = {
	    "",	    "x:",      ":80",	"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8o",
	    "[::1", "[::1]80", "[]:80", "::1:80",	   "99999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = (struct verr){0};
		CHECK(metrics_serve(m, bad[i], &err) == NULL);
		CHECK(err.status == VERR_INPUT && strstr(err.msg, "listen") != NULL);
	}
	CHECK_EQ(open_fds(), fds);
	metrics_free(m);
}

int main(void)
{
	test_buckets();
	test_exposition();
	test_boundaries();
	test_errors();
	test_textfile();
	test_server();
	return tcheck_done("test_metrics");
}
