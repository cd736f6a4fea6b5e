/* reader — libpcap offline reading of pcap and pcapng files with nanosecond
 * stamps kept (pcap_open_offline_with_tstamp_precision).  One reader per
 * capture point; no shared state. */
#ifndef VOCALC_READER_H
#define VOCALC_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "verr.h"

struct reader;

struct rpacket {
	int64_t ts_ns;	     /* stamp in ns since the epoch, as the capturing clock read it */
	uint32_t caplen;     /* octets present in data */
	uint32_t wirelen;    /* octets on the wire (pcap "len") */
	const uint8_t *data; /* owned by the reader, valid until the next reader_next */
};

/* Opens path for reading.  Fails (returns NULL, err set with status
 * VERR_INPUT naming the file) on a missing, empty or non-pcap file and on a
 * link type the dissector cannot read.  allow_truncated: a truncated last
 * record ends the file with a warning instead of an error. */
struct reader *reader_open(const char *path, bool allow_truncated, struct verr *err);
void reader_close(struct reader *r);

/* Reads the next record: 1 with *pkt filled, 0 at the end of the file, -1 on
 * a damaged file (err set, naming the file and libpcap's reason). */
int reader_next(struct reader *r, struct rpacket *pkt, struct verr *err);

int reader_linktype(const struct reader *r); /* DLT_* */
const char *reader_path(const struct reader *r);
uint64_t reader_count(const struct reader *r); /* records read so far */
/* Octets of the file consumed so far and in all (0 if unknown). */
void reader_progress(const struct reader *r, uint64_t *done, uint64_t *total);
/* True if the link type is one the dissector reads. */
bool reader_linktype_supported(int dlt);

#endif
