/* reader — libpcap offline reading of pcap and pcapng files with nanosecond
 * stamps kept (pcap_fopen_offline_with_tstamp_precision).  One reader per
 * capture point.
 *
 * Sources, as users store and pipe captures (FIELD-NOTES 12):
 *  - a regular file, read where it lies;
 *  - gzip data (magic 1f 8b, whatever the name: x.pcap.gz, x.pcapng.gz),
 *    decompressed by zlib as it is read;
 *  - "-" (standard input) and anything that can be read only once (a pipe,
 *    a FIFO, `<(zcat x.gz)`): copied on its first open into an unlinked
 *    temporary file (decompressed if gzip), which later opens read again,
 *    since an analysis reads a capture several times.  Each such source is
 *    read once per process: this spool is the one state shared between
 *    readers, as stdin itself is the process's.
 * Messages name standard input "stdin". */
#ifndef VOCALC_READER_H
#define VOCALC_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "verr.h"

struct reader;

/* Every stamp reader_next gives lies in [0, READER_TS_MAX_NS]: from 1970 to
 * 2116 (2^62 ns; classic pcap's 32-bit seconds end in 2106).  A record
 * stamped outside (pcapng can say any 64-bit time, and shift it by any
 * if_tsoffset) is refused as damage.  So the difference of two stamps, or
 * a stamp plus a window or an age, never overflows an int64_t. */
#define READER_TS_MAX_NS ((int64_t)1 << 62)

struct rpacket {
	int64_t ts_ns;	     /* stamp in ns since the epoch, as the capturing clock read it */
	uint32_t caplen;     /* octets present in data */
	uint32_t wirelen;    /* octets on the wire (pcap "len") */
	const uint8_t *data; /* owned by the reader, valid until the next reader_next */
};

/* Opens path ("-": standard input) for reading.  Fails (returns NULL, err
 * set with status VERR_INPUT naming the file) on a missing, empty or
 * non-pcap file, damaged gzip data and a link type the dissector cannot
 * read.  allow_truncated: a truncated last record (or gzip data cut short)
 * ends the file with a warning instead of an error, printed once per file
 * per process however often the file is read. */
struct reader *reader_open(const char *path, bool allow_truncated, struct verr *err);
void reader_close(struct reader *r);

/* Reads the next record: 1 with *pkt filled, 0 at the end of the file, -1 on
 * a damaged file (err set, naming the file and libpcap's reason). */
int reader_next(struct reader *r, struct rpacket *pkt, struct verr *err);

/* 1 if path holds at least one record, 0 if it is a valid capture with none
 * (a header only), -1 with err set if it cannot be read. */
int reader_has_records(const char *path, bool allow_truncated, struct verr *err);

/* The name messages use for path: "stdin" for "-", else path itself. */
const char *reader_display_name(const char *path);

int reader_linktype(const struct reader *r); /* DLT_* */
const char *reader_path(const struct reader *r); /* its display name */
uint64_t reader_count(const struct reader *r); /* records read so far */
/* Octets of the file consumed so far and in all (0 if unknown). */
void reader_progress(const struct reader *r, uint64_t *done, uint64_t *total);
/* True if the link type is one the dissector reads. */
bool reader_linktype_supported(int dlt);

#endif
