/* pcapsplit — a pcap byte stream (tcpdump -w -, or a local capture's) cut
 * into one file per window, at record boundaries, by the records' stamps.
 *
 * vocalc watch keeps each capture running for days and closes a window
 * every --interval: the stream is parsed as it comes (the file header
 * once, then a 16-octet record header and its data, again and again), and
 * written through to the window's file; a cut set for stamp T moves the
 * stream to the next file before the first record stamped T or later, so
 * every point's files of one window hold the same span of time (host time
 * for the host points; the guest's stamps are cut at T plus its offset).
 * A point that sees nothing for a while is cut by force (at a record
 * boundary, now).  Every file starts with the stream's own file header:
 * each is a pcap file libpcap reads.  Nothing but the current record's
 * header is buffered. */
#ifndef VOCALC_PCAPSPLIT_H
#define VOCALC_PCAPSPLIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "verr.h"

/* A record larger than this is no pcap stream (tcpdump's largest snaplen). */
enum { PCAPSPLIT_MAX_CAPLEN = 262144 };

struct pcapsplit {
	unsigned char ghdr[24]; /* the stream's file header, as it came */
	size_t gn;              /* octets of it so far (24: complete) */
	bool swapped, nano;     /* its byte order and stamp unit */
	unsigned char rh[16];   /* the current record's header, while incomplete */
	size_t rn;
	uint32_t left;          /* octets of the current record's data still to pass */
	FILE *f;                /* the current file, or NULL */
	char path[1200];
	uint64_t records, octets;  /* in the current file */
	int64_t first_ns, last_ns; /* its stamps (0: none yet) */
	bool cut_set;           /* a cut is pending: */
	int64_t cut_ns;         /* before the first record stamped at or after this */
	char next_path[1200];   /* into this file */
	bool force;             /* at the next record boundary, whatever the stamp */
	int failed;             /* errno of a write that failed, or EPROTO: not pcap */
	uint64_t cuts;          /* files completed */
	bool skip_header;       /* appending: the stream's header is in the file already */
	uint64_t done_octets;   /* octets of the file the last cut completed */
	uint64_t boundary;      /* octets of the current file up to its last whole record */
	/* Called right after each cut, before any record more is written: the
	 * owner arms the next cut there (a backlog spanning two windows is cut
	 * twice).  NULL: none. */
	void (*on_cut)(void *ctx, struct pcapsplit *s);
	void *cut_ctx;
};

/* Starts writing the stream into path (which must not exist).  0, or -1
 * with err set. */
int pcapsplit_open(struct pcapsplit *s, const char *path, struct verr *err);

/* The same, but a file that exists already and holds a header is
 * appended to (a capture restarted within its window): the new stream's
 * header is not written again. */
int pcapsplit_open_append(struct pcapsplit *s, const char *path, struct verr *err);

/* Passes n octets of the stream on.  -1 once the stream is not pcap or a
 * write failed (s->failed says which; what was written before is kept). */
int pcapsplit_feed(struct pcapsplit *s, const void *data, size_t n);

/* Sets the next cut: records stamped at or after cut_ns go to path. */
void pcapsplit_cut(struct pcapsplit *s, int64_t cut_ns, const char *path);

/* The pending cut now if the stream is at a record boundary, else right
 * after the current record: for a point that has been quiet past its cut.
 * True when the cut was made. */
bool pcapsplit_force(struct pcapsplit *s);

/* The cuts made so far (s->cuts): a window's file is complete once the
 * stream has moved past it. */
static inline uint64_t pcapsplit_cuts(const struct pcapsplit *s) { return s->cuts; }

/* Completes the current file; a record cut short (the stream ended in
 * the middle of one) is taken off its end, so that the file is whole and a
 * restart may append to it.  0, or -1 with err set. */
int pcapsplit_close(struct pcapsplit *s, struct verr *err);

/* Appends the records of pcap file src to the open stream out: the first
 * file copied gives out its header (kept in first; *have_header false
 * until then), a later one must have the same stamp unit and link type.
 * An empty file (a capture that never began) adds nothing.  Used to join a
 * window ring's files into one capture.  0, or -1 with err set naming the
 * file. */
int pcap_append_file(FILE *out, const char *src, unsigned char first[24], bool *have_header,
		     struct verr *err);

#endif
