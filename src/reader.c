/* reader — see reader.h. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

enum { IOBUF = 1 << 16, MAX_SPOOLS = 8, MAX_WARNED = 16, NAME_MAX_LEN = 1024 };

/* The source under libpcap's FILE: a plain file, gzip data, or a spool. */
enum source { SRC_FILE, SRC_GZIP, SRC_SPOOL };

struct reader {
	pcap_t *pcap;
	char *iobuf; /* the stream's buffer: freed after pcap_close */
	char *path;  /* display name */
	enum source src;
	struct cookie *ck; /* gzip or spool state, owned by the FILE (freed at its close) */
	int dlt;
	bool allow_truncated;
	bool ended;
	uint64_t count;
	uint64_t size;
};

/* ---- state shared by every reader of the process --------------------------
 * Spools of once-only sources (stdin, pipes) and the files already warned
 * about; reader_next runs on several threads, so both are locked. */

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spool {
	char path[NAME_MAX_LEN]; /* as given */
	int fd;			 /* the unlinked copy */
	uint64_t size;
	bool was_gzip;
} spools[MAX_SPOOLS];
static int nspools;
static char warned[MAX_WARNED][NAME_MAX_LEN];
static int nwarned;

const char *reader_display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "stdin" : path;
}

/* True the first time it is asked for name: the warning about a file is
 * printed once, however many passes read it. */
static bool first_warning(const char *name)
{
	pthread_mutex_lock(&shared_lock);
	bool first = true;
	for (int i = 0; i < nwarned && first; i++)
		first = strcmp(warned[i], name) != 0;
	if (first && nwarned < MAX_WARNED)
		snprintf(warned[nwarned++], NAME_MAX_LEN, "%s", name);
	pthread_mutex_unlock(&shared_lock);
	return first;
}

/* ---- FILE cookies: gzip through zlib, spools through pread ---------------- */

/* zlib's message without the "path: " it puts in front. */
static const char *gz_why(gzFile g)
{
	int zerr;
	const char *msg = gzerror(g, &zerr), *colon = msg ? strrchr(msg, ':') : NULL;
	if (msg == NULL)
		return "?";
	return colon && colon[1] == ' ' ? colon + 2 : msg;
}

struct cookie {
	gzFile gz;	       /* SRC_GZIP */
	int fd;		       /* SRC_SPOOL: the spool, shared, read with pread */
	off_t pos;	       /* SRC_SPOOL: this reader's position */
	_Atomic uint64_t done; /* compressed octets consumed (progress, other thread) */
	char why[160];	       /* zlib's message when the data is damaged */
	bool cut;	       /* gzip data ended before its trailer */
};

static ssize_t gz_read(void *c, char *buf, size_t n)
{
	struct cookie *ck = c;
	unsigned want = n > (1u << 30) ? 1u << 30 : (unsigned)n;
	int got = gzread(ck->gz, buf, want);
	atomic_store_explicit(&ck->done, (uint64_t)gzoffset(ck->gz), memory_order_relaxed);
	int zerr;
	gzerror(ck->gz, &zerr);
	if (got >= 0 && zerr == Z_BUF_ERROR)
		ck->cut = true; /* "unexpected end of file": the data is cut short */
	if (got < 0) {
		snprintf(ck->why, sizeof ck->why, "damaged gzip data: %s", gz_why(ck->gz));
		errno = EIO;
		return -1;
	}
	return got;
}

static int gz_close(void *c)
{
	struct cookie *ck = c;
	int rc = gzclose(ck->gz);
	free(ck);
	return rc == Z_OK ? 0 : -1;
}

static ssize_t spool_read(void *c, char *buf, size_t n)
{
	struct cookie *ck = c;
	ssize_t got = pread(ck->fd, buf, n, ck->pos);
	if (got > 0)
		ck->pos += got;
	atomic_store_explicit(&ck->done, (uint64_t)ck->pos, memory_order_relaxed);
	return got;
}

static int spool_seek(void *c, off64_t *off, int whence)
{
	struct cookie *ck = c;
	if (whence == SEEK_SET)
		ck->pos = *off;
	else if (whence == SEEK_CUR)
		ck->pos += *off;
	else
		return -1;
	*off = ck->pos;
	return 0;
}

static int spool_close(void *c)
{
	free(c); /* the spool's fd stays: a later pass reads it again */
	return 0;
}

/* The octets of gzip data read so far (a seek to "here", which glibc's ftell
 * asks for, is all a gzip stream can answer). */
static int gz_seek(void *c, off64_t *off, int whence)
{
	struct cookie *ck = c;
	if (whence != SEEK_CUR || *off != 0)
		return -1;
	*off = gztell(ck->gz);
	return 0;
}

/* An unlinked temporary file (in $TMPDIR, else /tmp); -1 with err set. */
static int temp_fd(const char *name, struct verr *err)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	char tmpl[NAME_MAX_LEN];
	snprintf(tmpl, sizeof tmpl, "%s/vocalc-spool-XXXXXX", dir);
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return verr_set(err, verr_status_of(errno), "%s: cannot make a temporary copy in %s: %s",
				name, dir, strerror(errno));
	unlink(tmpl);
	return fd;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Copies a once-only source (fd in, read to its end, not closed) into an
 * unlinked temporary file, then, if it is gzip data, decompresses that into
 * another. */
static int spool_make(const char *name, int in, struct spool *sp, struct verr *err)
{
	char *buf = malloc(IOBUF);
	int raw = buf ? temp_fd(name, err) : -1, out = -1;
	if (buf == NULL)
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
	if (raw < 0)
		goto fail;
	uint64_t total = 0;
	unsigned char magic[2] = {0, 0};
	for (;;) {
		ssize_t k = read(in, buf, IOBUF);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			verr_set(err, verr_status_of(errno), "%s: %s", name, strerror(errno));
			goto fail;
		}
		if (k == 0)
			break;
		for (ssize_t i = 0; i < k && total + (uint64_t)i < 2; i++)
			magic[total + (uint64_t)i] = (unsigned char)buf[i];
		if (write_all(raw, buf, (size_t)k) != 0)
			goto write_failed;
		total += (uint64_t)k;
	}
	sp->was_gzip = total >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	if (!sp->was_gzip) {
		sp->fd = raw;
		sp->size = total;
		free(buf);
		return 0;
	}
	if ((out = temp_fd(name, err)) < 0 || lseek(raw, 0, SEEK_SET) != 0)
		goto fail;
	gzFile g = gzdopen(raw, "rb"); /* owns raw from here */
	if (g == NULL) {
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	raw = -1;
	total = 0;
	for (;;) {
		int k = gzread(g, buf, IOBUF);
		if (k < 0) {
			/* a stream cut short keeps what came out of it (the pcap
			 * reader then finds its last record cut); damage is an error */
			verr_set(err, VERR_INPUT, "%s: damaged gzip data: %s", name, gz_why(g));
			gzclose(g);
			goto fail;
		}
		if (k == 0)
			break;
		if (write_all(out, buf, (size_t)k) != 0) {
			gzclose(g);
			goto write_failed;
		}
		total += (uint64_t)k;
	}
	gzclose(g);
	sp->fd = out;
	sp->size = total;
	free(buf);
	return 0;
write_failed:
	verr_set(err, VERR_INPUT, "%s: cannot write its temporary copy: %s", name,
		 strerror(errno ? errno : ENOSPC));
fail:
	free(buf);
	if (raw >= 0)
		close(raw);
	if (out >= 0)
		close(out);
	return -1;
}

/* The spool of a once-only source, made on its first open. */
static struct spool *spool_get(const char *path, struct verr *err)
{
	const char *name = reader_display_name(path);
	pthread_mutex_lock(&shared_lock);
	struct spool *sp = NULL;
	for (int i = 0; i < nspools && !sp; i++)
		if (strcmp(spools[i].path, path) == 0)
			sp = &spools[i];
	if (sp == NULL) {
		if (nspools == MAX_SPOOLS || strlen(path) >= NAME_MAX_LEN) {
			verr_set(err, VERR_INPUT, "%s: too many piped captures", name);
		} else {
			bool is_stdin = strcmp(path, "-") == 0;
			int in = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
			if (in < 0) {
				verr_set(err, verr_status_of(errno), "%s: %s", name, strerror(errno));
			} else {
				struct spool tmp = {.fd = -1};
				snprintf(tmp.path, sizeof tmp.path, "%s", path);
				if (spool_make(name, in, &tmp, err) == 0) {
					spools[nspools] = tmp;
					sp = &spools[nspools++];
				}
				if (!is_stdin)
					close(in);
			}
		}
	}
	pthread_mutex_unlock(&shared_lock);
	return sp;
}

/* A FILE over path's octets, decompressed; NULL with err set. */
static FILE *source_open(const char *path, struct reader *r, struct verr *err)
{
	const char *name = reader_display_name(path);
	struct stat st;
	bool once = strcmp(path, "-") == 0;
	if (!once) {
		if (stat(path, &st) != 0) {
			verr_set(err, verr_status_of(errno), "%s: %s", name, strerror(errno));
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			verr_set(err, VERR_INPUT, "%s: is a directory, not a capture file", name);
			return NULL;
		}
		once = !S_ISREG(st.st_mode); /* a pipe, a FIFO, a character device */
	}
	struct cookie *ck = calloc(1, sizeof *ck);
	if (ck == NULL) {
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		return NULL;
	}
	if (once) {
		struct spool *sp = spool_get(path, err);
		if (sp == NULL) {
			free(ck);
			return NULL;
		}
		if (sp->size == 0) {
			free(ck);
			verr_set(err, VERR_INPUT, "%s: empty%s, not a pcap or pcapng capture", name,
				 sp->was_gzip ? " after gzip decompression" : "");
			return NULL;
		}
		ck->fd = sp->fd;
		r->src = SRC_SPOOL;
		r->size = sp->size;
		r->ck = ck;
		FILE *f = fopencookie(
		    ck, "rb", (cookie_io_functions_t){spool_read, NULL, spool_seek, spool_close});
		if (f == NULL) {
			free(ck);
			verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		}
		return f;
	}
	if (st.st_size == 0) {
		free(ck);
		verr_set(err, VERR_INPUT, "%s: empty file, not a pcap or pcapng capture", name);
		return NULL;
	}
	r->size = (uint64_t)st.st_size;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		free(ck);
		verr_set(err, verr_status_of(errno), "%s: %s", name, strerror(errno));
		return NULL;
	}
	unsigned char magic[2];
	bool gz = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	if (!gz) {
		free(ck);
		rewind(f);
		r->src = SRC_FILE;
		return f;
	}
	fclose(f);
	errno = 0; /* zlib leaves it 0 when it ran out of memory */
	if ((ck->gz = gzopen(path, "rb")) == NULL) {
		if (errno)
			verr_set(err, verr_status_of(errno), "%s: %s", name, strerror(errno));
		else
			verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		free(ck);
		return NULL;
	}
	gzbuffer(ck->gz, IOBUF);
	r->src = SRC_GZIP;
	r->ck = ck;
	f = fopencookie(ck, "rb", (cookie_io_functions_t){gz_read, NULL, gz_seek, gz_close});
	if (f == NULL) {
		gzclose(ck->gz);
		free(ck);
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
	}
	return f;
}

bool reader_linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

struct reader *reader_open(const char *path, bool allow_truncated, struct verr *err)
{
	const char *name = reader_display_name(path);
	struct reader *r = calloc(1, sizeof *r);
	char *iobuf = malloc(IOBUF);
	if (r == NULL || iobuf == NULL || (r->path = strdup(name)) == NULL) {
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	FILE *f = source_open(path, r, err);
	if (f == NULL)
		goto fail;
	/* A 64 KB buffer of ours set before libpcap reads from the stream:
	 * libpcap reads each record with two freads, and stdio's default
	 * buffer would cost a read(2) every 4 KB (glibc ignores the size unless
	 * it is given the buffer).  libpcap owns f from here. */
	setvbuf(f, iobuf, _IOFBF, IOBUF);
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL) {
		char gzwhy[sizeof r->ck->why] = "";
		if (r->ck)
			snprintf(gzwhy, sizeof gzwhy, "%s", r->ck->why);
		fclose(f); /* not taken over on failure; frees the cookie */
		r->ck = NULL;
		/* libpcap's "unknown file format" reads better with the hint. */
		if (gzwhy[0])
			verr_set(err, VERR_INPUT, "%s: %s", name, gzwhy);
		else if (strstr(ebuf, strerror(ENOMEM)) != NULL || strstr(ebuf, "out of memory"))
			/* libpcap's malloc failed */
			verr_set(err, VERR_NOMEM, "%s: out of memory%s%s%s", name,
				 strcmp(ebuf, "out of memory") ? " (" : "",
				 strcmp(ebuf, "out of memory") ? ebuf : "",
				 strcmp(ebuf, "out of memory") ? ")" : "");
		else if (strstr(ebuf, "unknown file format") != NULL)
			verr_set(err, VERR_INPUT, "%s: not a pcap or pcapng capture%s (%s)", name,
				 r->src == SRC_GZIP ? " inside the gzip data" : "", ebuf);
		else
			verr_set(err, VERR_INPUT, "%s: cannot read capture: %s", name, ebuf);
		goto fail;
	}
	int dlt = pcap_datalink(p);
	if (!reader_linktype_supported(dlt)) {
		const char *dname = pcap_datalink_val_to_name(dlt);
		verr_set(err, VERR_INPUT,
			 "%s: unsupported link type %d (%s); vocalc reads Ethernet, Linux cooked "
			 "(SLL, SLL2), raw IP and loopback captures",
			 name, dlt, dname ? dname : "unknown");
		pcap_close(p);
		goto fail;
	}
	r->pcap = p;
	r->iobuf = iobuf;
	r->dlt = dlt;
	r->allow_truncated = allow_truncated;
	return r;
fail:
	free(iobuf);
	if (r)
		free(r->path);
	free(r);
	return NULL;
}

void reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	pcap_close(r->pcap); /* closes the FILE, and with it the cookie */
	free(r->iobuf);
	free(r->path);
	free(r);
}

/* The end of the records: clean, or cut (warned once or refused). */
static int cut_short(struct reader *r, const char *why, struct verr *err)
{
	if (r->allow_truncated) {
		if (first_warning(r->path))
			fprintf(stderr,
				"vocalc: warning: %s: %s; analyzing the %llu complete records\n",
				r->path, why, (unsigned long long)r->count);
		return 0;
	}
	return verr_set(
	    err, VERR_INPUT,
	    "%s: damaged after record %llu: %s (--allow-truncated analyzes the complete "
	    "records)",
	    r->path, (unsigned long long)r->count, why);
}

int reader_next(struct reader *r, struct rpacket *pkt, struct verr *err)
{
	if (r->ended)
		return 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);
	if (rc == 1) {
		/* With nanosecond precision requested, tv_usec holds nanoseconds.
		 * libpcap passes on whatever the file says: classic pcap's seconds
		 * are signed, pcapng's are 64 bits plus any if_tsoffset, and
		 * neither checks the fraction; a stamp outside READER_TS_MAX_NS
		 * (or a fraction of a second of 1 s or more) is damage, refused
		 * here so that no stamp arithmetic downstream can overflow. */
		int64_t sec = (int64_t)h->ts.tv_sec, frac = (int64_t)h->ts.tv_usec;
		if (sec < 0 || sec > READER_TS_MAX_NS / 1000000000 || frac < 0 ||
		    frac >= 1000000000 || sec * 1000000000 > READER_TS_MAX_NS - frac) {
			r->ended = true;
			return verr_set(err, VERR_INPUT,
					"%s: damaged after record %llu: time stamp %lld.%09lld s is "
					"not one a capture can have (1970 to 2116)",
					r->path, (unsigned long long)r->count, (long long)sec,
					(long long)(frac >= 0 && frac < 1000000000 ? frac : 0));
		}
		pkt->ts_ns = sec * 1000000000 + frac;
		pkt->caplen = h->caplen;
		pkt->wirelen = h->len;
		pkt->data = data;
		r->count++;
		return 1;
	}
	r->ended = true;
	if (r->src == SRC_GZIP && r->ck->why[0])
		return verr_set(err, VERR_INPUT, "%s: %s after record %llu", r->path, r->ck->why,
				(unsigned long long)r->count);
	if (rc == PCAP_ERROR_BREAK) {
		/* a gzip stream cut at a record boundary ends "cleanly" for libpcap */
		if (r->src == SRC_GZIP && r->ck->cut)
			return cut_short(r, "gzip data cut short", err);
		return 0;
	}
	const char *why = pcap_geterr(r->pcap);
	if (strstr(why, "truncated") != NULL)
		return cut_short(r, why, err);
	if (strstr(why, strerror(ENOMEM)) != NULL || strstr(why, "out of memory") != NULL)
		/* libpcap's buffer could not grow */
		return verr_set(err, VERR_NOMEM, "%s: out of memory after record %llu (%s)", r->path,
				(unsigned long long)r->count, why);
	return verr_set(err, VERR_INPUT, "%s: damaged after record %llu: %s", r->path,
			(unsigned long long)r->count, why);
}

int reader_has_records(const char *path, bool allow_truncated, struct verr *err)
{
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		return -1;
	struct rpacket rp;
	int rc = reader_next(r, &rp, err);
	reader_close(r);
	return rc;
}

int reader_linktype(const struct reader *r)
{
	return r->dlt;
}
const char *reader_path(const struct reader *r)
{
	return r->path;
}
uint64_t reader_count(const struct reader *r)
{
	return r->count;
}

void reader_progress(const struct reader *r, uint64_t *done, uint64_t *total)
{
	*total = r->size;
	if (r->ck) {
		*done = atomic_load_explicit(&r->ck->done, memory_order_relaxed);
		return;
	}
	FILE *f = pcap_file(r->pcap);
	long pos = f ? ftell(f) : -1;
	*done = pos > 0 ? (uint64_t)pos : 0;
}
