/* pcapsplit — see pcapsplit.h. */
#include "pcapsplit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t u32(const unsigned char *b, bool swapped)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* A new file that must not exist, as a stream. */
static FILE *create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL && fd >= 0)
		close(fd);
	return f;
}

int pcapsplit_open(struct pcapsplit *s, const char *path, struct verr *err)
{
	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s", path);
	if ((s->f = create(path)) == NULL)
		return verr_set(err, VERR_INPUT, "%s: %s", path, strerror(errno));
	return 0;
}

int pcapsplit_open_append(struct pcapsplit *s, const char *path, struct verr *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return pcapsplit_open(s, path, err);
	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s", path);
	bool whole = st.st_size >= 24; /* else a stream that ended before its header */
	int fd = open(path, O_WRONLY | O_CLOEXEC | (whole ? O_APPEND : O_TRUNC));
	if (fd < 0 || (s->f = fdopen(fd, whole ? "a" : "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return verr_set(err, VERR_INPUT, "%s: %s", path, strerror(errno));
	}
	s->skip_header = whole;
	s->octets = s->boundary = whole ? (uint64_t)st.st_size : 0;
	return 0;
}

static int put(struct pcapsplit *s, const void *b, size_t n)
{
	if (s->failed)
		return -1;
	if (n && fwrite(b, 1, n, s->f) != n) {
		s->failed = errno ? errno : EIO;
		return -1;
	}
	s->octets += n;
	return 0;
}

/* Moves to the pending cut's file (at a record boundary). */
static int rotate(struct pcapsplit *s)
{
	FILE *f = create(s->next_path);
	if (f == NULL) {
		s->failed = errno ? errno : EIO;
		return -1;
	}
	if (fclose(s->f) != 0 && !s->failed)
		s->failed = errno ? errno : EIO;
	s->f = f;
	s->done_octets = s->octets;
	s->skip_header = false;
	snprintf(s->path, sizeof s->path, "%s", s->next_path);
	s->records = s->octets = s->boundary = 0;
	s->first_ns = s->last_ns = 0;
	s->cut_set = s->force = false;
	s->cuts++;
	if (s->gn == sizeof s->ghdr && put(s, s->ghdr, sizeof s->ghdr) != 0)
		return -1;
	s->boundary = s->octets;
	if (s->on_cut)
		s->on_cut(s->cut_ctx, s);
	return 0;
}

/* The file header complete: its magic says the byte order and the unit. */
static int header_done(struct pcapsplit *s)
{
	uint32_t m;
	memcpy(&m, s->ghdr, 4);
	switch (m) {
	case 0xa1b2c3d4: break;
	case 0xa1b23c4d: s->nano = true; break;
	case 0xd4c3b2a1: s->swapped = true; break;
	case 0x4d3cb2a1: s->swapped = s->nano = true; break;
	default: s->failed = EPROTO; return -1;
	}
	if (!s->skip_header && put(s, s->ghdr, sizeof s->ghdr) != 0)
		return -1;
	s->boundary = s->octets;
	return 0;
}

/* A record header complete: cut before it if its stamp is due. */
static int record_begins(struct pcapsplit *s)
{
	uint32_t sec = u32(s->rh, s->swapped), frac = u32(s->rh + 4, s->swapped);
	uint32_t caplen = u32(s->rh + 8, s->swapped);
	if (caplen > PCAPSPLIT_MAX_CAPLEN) {
		s->failed = EPROTO;
		return -1;
	}
	int64_t t = (int64_t)sec * 1000000000 + (int64_t)frac * (s->nano ? 1 : 1000);
	if (s->cut_set && (s->force || t >= s->cut_ns) && rotate(s) != 0)
		return -1;
	if (put(s, s->rh, sizeof s->rh) != 0)
		return -1;
	if (s->records++ == 0)
		s->first_ns = t;
	s->last_ns = t;
	s->left = caplen;
	s->rn = 0;
	if (caplen == 0)
		s->boundary = s->octets;
	return 0;
}

int pcapsplit_feed(struct pcapsplit *s, const void *data, size_t n)
{
	const unsigned char *b = data;
	while (n > 0 && !s->failed) {
		if (s->gn < sizeof s->ghdr) {
			size_t k = sizeof s->ghdr - s->gn < n ? sizeof s->ghdr - s->gn : n;
			memcpy(s->ghdr + s->gn, b, k);
			s->gn += k, b += k, n -= k;
			if (s->gn == sizeof s->ghdr && header_done(s) != 0)
				return -1;
		} else if (s->left > 0) {
			size_t k = s->left < n ? s->left : n;
			if (put(s, b, k) != 0)
				return -1;
			s->left -= (uint32_t)k, b += k, n -= k;
			if (s->left == 0)
				s->boundary = s->octets;
		} else {
			size_t k = sizeof s->rh - s->rn < n ? sizeof s->rh - s->rn : n;
			memcpy(s->rh + s->rn, b, k);
			s->rn += k, b += k, n -= k;
			if (s->rn == sizeof s->rh && record_begins(s) != 0)
				return -1;
		}
	}
	if (!s->failed && fflush(s->f) != 0)
		s->failed = errno ? errno : EIO;
	return s->failed ? -1 : 0;
}

void pcapsplit_cut(struct pcapsplit *s, int64_t cut_ns, const char *path)
{
	s->cut_set = true;
	s->force = false;
	s->cut_ns = cut_ns;
	snprintf(s->next_path, sizeof s->next_path, "%s", path);
}

bool pcapsplit_force(struct pcapsplit *s)
{
	if (!s->cut_set || s->failed)
		return false;
	if (s->left == 0 && s->rn == 0)
		return rotate(s) == 0;
	s->force = true;
	return false;
}

int pcapsplit_close(struct pcapsplit *s, struct verr *err)
{
	if (s->f == NULL)
		return 0;
	if ((s->left || s->rn || s->gn < sizeof s->ghdr) && fflush(s->f) == 0 &&
	    ftruncate(fileno(s->f), (off_t)s->boundary) != 0 && !s->failed)
		s->failed = errno;
	int rc = fclose(s->f);
	s->f = NULL;
	if (rc != 0 || s->failed)
		return verr_set(err, VERR_INPUT, "%s: %s", s->path,
				strerror(s->failed ? s->failed : errno));
	return 0;
}

int pcap_append_file(FILE *out, const char *src, unsigned char first[24], bool *have_header,
		     struct verr *err)
{
	FILE *in = fopen(src, "rb");
	if (in == NULL)
		return verr_set(err, VERR_INPUT, "%s: %s", src, strerror(errno));
	unsigned char h[24];
	char buf[65536];
	int rc = 0;
	size_t n = fread(h, 1, sizeof h, in);
	if (n == 0 && feof(in))
		goto out; /* a window whose capture never began: nothing */
	if (n != sizeof h) {
		rc = verr_set(err, VERR_INPUT, "%s: not a pcap file (truncated header)", src);
		goto out;
	}
	if (!*have_header) {
		if (fwrite(h, 1, sizeof h, out) != sizeof h)
			goto werr;
		memcpy(first, h, sizeof h);
		*have_header = true;
	} else if (memcmp(first, h, 4) != 0 || memcmp(first + 20, h + 20, 4) != 0) {
		rc = verr_set(err, VERR_INPUT, "%s: another stamp unit or link type than the files "
			      "before it: not joined", src);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			goto werr;
	if (ferror(in))
		rc = verr_set(err, VERR_INPUT, "%s: %s", src, strerror(errno));
	goto out;
werr:
	rc = verr_set(err, VERR_INPUT, "writing the joined capture failed: %s", strerror(errno));
out:
	fclose(in);
	return rc;
}
