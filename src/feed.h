/* feed — one capture read on its own thread: libpcap read, dissect, guest
 * stamps converted to host time, handed to the analysis thread through a
 * bounded single-producer single-consumer ring.  The captures of the points
 * are independent, so reading and dissecting them runs beside matching.
 * Memory is the ring's, whatever the file's length. */
#ifndef VOCALC_FEED_H
#define VOCALC_FEED_H

#include <stdint.h>

#include "clock.h"
#include "dissect.h"
#include "guestaddr.h"
#include "match.h"
#include "point.h"
#include "reader.h"
#include "ack.h"
#include "rtt.h"
#include "verr.h"

/* What one packet hands the analysis thread: everything matching needs, in
 * three cache lines (the dissection itself stays on the reader's stack). */
struct feed_item {
	int64_t t_host;		/* stamp in host time (guest stamps corrected) */
	uint8_t dr;		/* enum dis_result */
	uint8_t dir;		/* enum direction (DIR_NONE: not the guest's traffic) */
	uint64_t rec;		/* index of the record in its capture, from 0 */
	struct match_prep prep; /* identity, made when dir != DIR_NONE */
};

struct feed;

/* Trackers a reader thread feeds every packet of its capture (in capture
 * order, stamped in host time: guest stamps corrected by the clock model)
 * and nobody else touches until feed_finish; each may be NULL. */
struct feed_taps {
	struct rtt_tracker *rtt;
	struct ack_tracker *ack;
	bool guest_only; /* the guest's packets only: the capture is shared by guests */
};

/* Starts reading r (the feed owns it from now, also on failure) captured at
 * point p; guest stamps are converted with clock, directions decided by the
 * guest addresses; both must outlive the feed.  taps: NULL, or the trackers
 * to feed (copied).  NULL with err set if the thread cannot start. */
struct feed *feed_start(struct reader *r, enum point p, const struct clock_model *clock,
			const struct addrset *guest, const struct feed_taps *taps,
			struct verr *err);

/* Direction of a packet from the guest's addresses: DIR_NONE when neither
 * or both ends are the guest's. */
enum direction feed_direction(const struct addrset *guest, const struct pkt *pk);

/* The next item, without consuming it: 1 with *item set (valid until
 * feed_pop), 0 at the end of the capture, -1 if the capture is damaged
 * (err set, naming the file).  Waits while the reader thread is behind. */
int feed_peek(struct feed *f, const struct feed_item **item, struct verr *err);
void feed_pop(struct feed *f);

/* Tunes the calling thread for waiting on feeds (a short timer slack); the
 * reader threads call it themselves, the consuming thread should too. */
void feed_thread_tune(void);

/* Octets of the file read so far and in all; records read so far. */
void feed_progress(struct feed *f, uint64_t *done, uint64_t *total);
/* Stops the thread (if running), joins it, closes the reader, frees f.
 * Returns the number of records read; *tap_failed (if not NULL): a tracker
 * ran out of memory; skipped (if not NULL): the unusable records read, by
 * reason (the capture scan's counts, scan.h). */
uint64_t feed_finish(struct feed *f, bool *tap_failed, uint64_t skipped[DIS_N]);

#endif
