/* reader — see reader.h. */
#include "reader.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

enum { IOBUF = 1 << 16 };

struct reader {
	pcap_t *pcap;
	char *iobuf; /* the stream's buffer: freed after pcap_close */
	char *path;
	int dlt;
	bool allow_truncated;
	bool ended;
	uint64_t count;
	uint64_t size;
};

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
	struct stat st;
	if (stat(path, &st) != 0) {
		verr_set(err, VERR_INPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		verr_set(err, VERR_INPUT, "%s: is a directory, not a capture file", path);
		return NULL;
	}
	if (st.st_size == 0) {
		verr_set(err, VERR_INPUT, "%s: empty file, not a pcap or pcapng capture", path);
		return NULL;
	}
	/* Our own stream, with a 64 KB buffer of ours set before libpcap reads
	 * from it: libpcap reads each record with two freads, and stdio's
	 * default buffer would cost a read(2) every 4 KB (glibc ignores the
	 * size unless it is given the buffer).  libpcap owns f from here. */
	char *iobuf = malloc(IOBUF);
	FILE *f = iobuf ? fopen(path, "rb") : NULL;
	if (f == NULL) {
		verr_set(err, VERR_INPUT, "%s: %s", path,
			 iobuf ? strerror(errno) : "out of memory");
		free(iobuf);
		return NULL;
	}
	setvbuf(f, iobuf, _IOFBF, IOBUF);
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL) {
		fclose(f); /* not taken over on failure */
		free(iobuf);
		/* libpcap's "unknown file format" reads better with the hint. */
		if (strstr(ebuf, "unknown file format") != NULL)
			verr_set(err, VERR_INPUT, "%s: not a pcap or pcapng capture (%s)", path,
				 ebuf);
		else
			verr_set(err, VERR_INPUT, "%s: cannot read capture: %s", path, ebuf);
		return NULL;
	}
	int dlt = pcap_datalink(p);
	if (!reader_linktype_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		verr_set(err, VERR_INPUT,
			 "%s: unsupported link type %d (%s); vocalc reads Ethernet, Linux cooked "
			 "(SLL, SLL2), raw IP and loopback captures",
			 path, dlt, name ? name : "unknown");
		pcap_close(p);
		free(iobuf);
		return NULL;
	}
	struct reader *r = calloc(1, sizeof *r);
	if (r == NULL || (r->path = strdup(path)) == NULL) {
		free(r);
		pcap_close(p);
		free(iobuf);
		verr_set(err, VERR_INPUT, "%s: out of memory", path);
		return NULL;
	}
	r->pcap = p;
	r->iobuf = iobuf;
	r->dlt = dlt;
	r->allow_truncated = allow_truncated;
	r->size = (uint64_t)st.st_size;
	return r;
}

void reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	pcap_close(r->pcap);
	free(r->iobuf);
	free(r->path);
	free(r);
}

int reader_next(struct reader *r, struct rpacket *pkt, struct verr *err)
{
	if (r->ended)
		return 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);
	if (rc == 1) {
		/* With nanosecond precision requested, tv_usec holds nanoseconds. */
		pkt->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
		pkt->caplen = h->caplen;
		pkt->wirelen = h->len;
		pkt->data = data;
		r->count++;
		return 1;
	}
	r->ended = true;
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	const char *why = pcap_geterr(r->pcap);
	if (strstr(why, "truncated") != NULL && r->allow_truncated) {
		fprintf(stderr, "vocalc: warning: %s: %s; analyzing the %llu complete records\n",
			r->path, why, (unsigned long long)r->count);
		return 0;
	}
	if (strstr(why, "truncated") != NULL)
		return verr_set(err, VERR_INPUT,
				"%s: damaged after record %llu: %s (--allow-truncated analyzes "
				"the complete records)",
				r->path, (unsigned long long)r->count, why);
	return verr_set(err, VERR_INPUT, "%s: damaged after record %llu: %s", r->path,
			(unsigned long long)r->count, why);
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
	FILE *f = pcap_file(r->pcap);
	long pos = f ? ftell(f) : -1;
	*done = pos > 0 ? (uint64_t)pos : 0;
	*total = r->size;
}
