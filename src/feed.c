/* feed — see feed.h.
 *
 * The ring: the producer writes slots and publishes its position (tail)
 * with a release store every BATCH items and before it waits; the consumer
 * publishes what it consumed (head) the same way.  Each side keeps a cached
 * copy of the other's position, so the shared counters move once per batch,
 * not once per packet.
 *
 * Waiting: a side that finds nothing to do spins a little, then sleeps on a
 * futex until the other side has done enough to make waking worth it (the
 * producer until half the ring is free again, the consumer until a batch is
 * published), instead of yielding in a loop: with more threads than cores,
 * yielding (or sleeping 20 us at a time) switched tasks for a quarter of a
 * default analyze's time.  The waker pays a syscall only when a waiter said
 * it waits; a bounded wait time covers a wakeup lost in a race. */
#include "feed.h"
#include "scan.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { RING = 4096, BATCH = 64 };

/* What the reader gives, the clock model keeps: the matcher and the trackers
 * get stamps of one range, whichever point they come from. */
_Static_assert(CLOCK_HOST_MAX_NS == READER_TS_MAX_NS, "one range of stamps");

struct feed {
	/* set before the thread starts, then read-only */
	struct scan sc; /* the capture, read and dissected */
	enum point p;
	const struct clock_model *clock;
	const struct addrset *guest;
	struct feed_taps taps;
	bool tap_failed;
	pthread_t thread;
	struct feed_item *ring;

	_Alignas(64) _Atomic uint64_t tail; /* producer's published position */
	_Atomic int state;		    /* FEED_RUNNING, FEED_END, FEED_ERROR */
	_Atomic uint64_t records;
	_Atomic uint32_t tail_seq; /* futex: bumped when a waiting consumer is woken */
	_Atomic int c_waiting;
	struct verr err; /* written before state = FEED_ERROR */

	_Alignas(64) _Atomic uint64_t head; /* consumer's published position */
	_Atomic int stop;		    /* consumer asks the producer to quit */
	_Atomic uint32_t head_seq;	    /* futex: bumped when a waiting producer is woken */
	_Atomic int p_waiting;
	_Atomic uint64_t p_want;	    /* the head the waiting producer needs */
	uint64_t c_head, c_tail;	    /* consumer's own and cached positions */
};

enum { FEED_RUNNING = 0, FEED_END, FEED_ERROR };

enum { SPIN = 64 };

/* Sleeps while *seq still reads `seen` (at most 10 ms). */
static void futex_wait(_Atomic uint32_t *seq, uint32_t seen)
{
	struct timespec ts = {0, 10000000};
	syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *seq)
{
	atomic_fetch_add_explicit(seq, 1, memory_order_release);
	syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* The producer has published a batch: a waiting consumer wakes. */
static void wake_consumer(struct feed *f)
{
	if (atomic_load_explicit(&f->c_waiting, memory_order_seq_cst))
		futex_wake(&f->tail_seq);
}

/* The consumer has published its head: a waiting producer wakes once the
 * space it waits for is there. */
static void wake_producer(struct feed *f, uint64_t head)
{
	if (atomic_load_explicit(&f->p_waiting, memory_order_seq_cst) &&
	    head >= atomic_load_explicit(&f->p_want, memory_order_relaxed))
		futex_wake(&f->head_seq);
}

void feed_thread_tune(void)
{
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
}

/* The last address pair's direction: bulk traffic repeats it. */
struct dir_cache {
	uint8_t family, dir, valid;
	uint8_t src[16], dst[16];
};

static uint8_t direction_cached(const struct addrset *guest, const struct pkt *pk,
				struct dir_cache *c)
{
	if (c->valid && c->family == pk->family && memcmp(c->src, pk->src, 16) == 0 &&
	    memcmp(c->dst, pk->dst, 16) == 0)
		return c->dir;
	c->family = pk->family;
	memcpy(c->src, pk->src, 16);
	memcpy(c->dst, pk->dst, 16);
	c->dir = (uint8_t)feed_direction(guest, pk);
	c->valid = 1;
	return c->dir;
}

static void *produce(void *arg)
{
	struct feed *f = arg;
	uint64_t t = 0, seen_head = 0, n = 0;
	feed_thread_tune();
	struct match_flow_cache flow_cache = {.valid = 0};
	struct dir_cache dir_cache = {.valid = 0};
	for (;;) {
		if (t - seen_head >= RING) {
			atomic_store_explicit(&f->tail, t, memory_order_release);
			wake_consumer(f);
			/* full: wait until half the ring is free (fewer, longer sleeps) */
			uint64_t want = t - RING / 2;
			for (unsigned w = 0; (seen_head = atomic_load_explicit(
						  &f->head, memory_order_acquire)) < want;
			     w++) {
				if (atomic_load_explicit(&f->stop, memory_order_relaxed))
					goto end;
				if (w < SPIN)
					continue;
				uint32_t seq = atomic_load_explicit(&f->head_seq, memory_order_acquire);
				atomic_store_explicit(&f->p_want, want, memory_order_relaxed);
				atomic_store_explicit(&f->p_waiting, 1, memory_order_seq_cst);
				if (atomic_load_explicit(&f->head, memory_order_seq_cst) < want &&
				    !atomic_load_explicit(&f->stop, memory_order_relaxed))
					futex_wait(&f->head_seq, seq);
				atomic_store_explicit(&f->p_waiting, 0, memory_order_relaxed);
			}
		}
		struct pkt pk;
		enum dis_result dr;
		int rc = scan_record(&f->sc, &pk, &dr, &f->err);
		if (rc <= 0) {
			atomic_store_explicit(&f->tail, t, memory_order_release);
			atomic_store_explicit(&f->records, n, memory_order_relaxed);
			atomic_store_explicit(&f->state, rc < 0 ? FEED_ERROR : FEED_END,
					      memory_order_release);
			wake_consumer(f);
			return NULL;
		}
		struct feed_item *it = &f->ring[t % RING];
		it->dr = (uint8_t)dr;
		it->rec = n;
		it->t_host = f->p == POINT_GUEST ? clock_guest_to_host(f->clock, pk.ts_ns, n)
						 : pk.ts_ns;
		it->dir = DIR_NONE;
		if (it->dr == DIS_OK &&
		    (it->dir = direction_cached(f->guest, &pk, &dir_cache)) != DIR_NONE)
			match_prepare(&pk, &it->prep, &flow_cache);
		/* the RTT tracker counts every record (rtt.h), as vocalc rtt's does
		 * (of a capture shared by guests, taps.guest_only, the guest's
		 * packets only: an unusable record is no guest's); the trackers
		 * see host time: a guest clock step, corrected, is no jump in a
		 * round trip or an inter-arrival */
		bool tapped = !f->taps.guest_only || it->dir != DIR_NONE;
		if (f->taps.rtt && tapped && it->dr != DIS_OK)
			rtt_skip(f->taps.rtt, (enum dis_result)it->dr);
		else if (f->taps.rtt && tapped && rtt_push(f->taps.rtt, &pk, it->t_host) != 0)
			f->tap_failed = true;
		if (tapped && it->dr == DIS_OK && pk.pclass == PROTO_TCP && f->taps.ack &&
		    ack_push(f->taps.ack, &pk, it->t_host) != 0)
			f->tap_failed = true;
		t++;
		n++;
		if (t % BATCH == 0) {
			atomic_store_explicit(&f->tail, t, memory_order_release);
			atomic_store_explicit(&f->records, n, memory_order_relaxed);
			wake_consumer(f);
		}
	}
end:
	atomic_store_explicit(&f->records, n, memory_order_relaxed);
	atomic_store_explicit(&f->state, FEED_END, memory_order_release);
	wake_consumer(f);
	return NULL;
}

enum direction feed_direction(const struct addrset *guest, const struct pkt *pk)
{
	bool from = addrset_has(guest, pk->family, pk->src);
	bool to = addrset_has(guest, pk->family, pk->dst);
	if (from == to)
		return DIR_NONE; /* not the guest's, or the guest talking to itself */
	return from ? DIR_FROM_GUEST : DIR_TO_GUEST;
}

struct feed *feed_start(struct reader *r, enum point p, const struct clock_model *clock,
			const struct addrset *guest, const struct feed_taps *taps,
			struct verr *err)
{
	struct feed *f = calloc(1, sizeof *f);
	struct feed_item *ring = malloc(RING * sizeof *ring);
	if (f == NULL || ring == NULL) {
		free(f);
		free(ring);
		reader_close(r);
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	scan_adopt(&f->sc, r);
	f->p = p;
	f->clock = clock;
	f->guest = guest;
	if (taps)
		f->taps = *taps;
	f->ring = ring;
	int rc = pthread_create(&f->thread, NULL, produce, f);
	if (rc != 0) {
		/* EAGAIN: no memory for the thread's stack, or no thread left */
		verr_set(err, rc == EAGAIN ? VERR_NOMEM : VERR_INPUT,
			 "%s: cannot start a reader thread%s: %s", reader_path(r),
			 rc == EAGAIN ? " (out of memory or threads)" : "", strerror(rc));
		reader_close(r);
		free(ring);
		free(f);
		return NULL;
	}
	return f;
}

int feed_peek(struct feed *f, const struct feed_item **item, struct verr *err)
{
	for (unsigned w = 0; f->c_head == f->c_tail; w++) {
		/* Read the state before the tail: a finished producer published
		 * its last tail before its state. */
		int state = atomic_load_explicit(&f->state, memory_order_acquire);
		f->c_tail = atomic_load_explicit(&f->tail, memory_order_acquire);
		if (f->c_head != f->c_tail)
			break;
		if (state == FEED_END)
			return 0;
		if (state == FEED_ERROR) {
			if (err && err->status == VERR_OK)
				*err = f->err;
			return -1;
		}
		atomic_store_explicit(&f->head, f->c_head, memory_order_release);
		wake_producer(f, f->c_head);
		if (w < SPIN)
			continue;
		/* empty: sleep until the producer publishes a batch or ends */
		uint32_t seq = atomic_load_explicit(&f->tail_seq, memory_order_acquire);
		atomic_store_explicit(&f->c_waiting, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&f->tail, memory_order_seq_cst) == f->c_head &&
		    atomic_load_explicit(&f->state, memory_order_seq_cst) == FEED_RUNNING)
			futex_wait(&f->tail_seq, seq);
		atomic_store_explicit(&f->c_waiting, 0, memory_order_relaxed);
	}
	*item = &f->ring[f->c_head % RING];
	return 1;
}

void feed_pop(struct feed *f)
{
	f->c_head++;
	if (f->c_head % BATCH == 0) {
		atomic_store_explicit(&f->head, f->c_head, memory_order_release);
		wake_producer(f, f->c_head);
	}
}

void feed_progress(struct feed *f, uint64_t *done, uint64_t *total)
{
	/* ftell on the reader's FILE takes the FILE's lock: safe beside the
	 * thread's freads. */
	reader_progress(f->sc.r, done, total);
}

uint64_t feed_finish(struct feed *f, bool *tap_failed, uint64_t skipped[DIS_N])
{
	if (f == NULL)
		return 0;
	atomic_store_explicit(&f->stop, 1, memory_order_seq_cst);
	futex_wake(&f->head_seq);
	pthread_join(f->thread, NULL);
	if (tap_failed)
		*tap_failed = f->tap_failed;
	uint64_t n = atomic_load_explicit(&f->records, memory_order_relaxed);
	if (skipped)
		memcpy(skipped, f->sc.skipped, sizeof f->sc.skipped);
	scan_close(&f->sc);
	free(f->ring);
	free(f);
	return n;
}
