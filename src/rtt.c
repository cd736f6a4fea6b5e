/* rtt — see rtt.h for the rules. */
#include "rtt.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

void rtt_cfg_default(struct rtt_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->tsval_max_age_ns = 10LL * 1000000000;
	c->flow_max_idle_ns = 300LL * 1000000000;
	c->max_flows = 100000;
}

struct tsent;

struct rflow {
	struct hnode hn;
	struct match_flow_key key;
	int64_t last_ns;
	int64_t min_ns;
	bool rev;           /* the reverse direction has been seen */
	uint64_t rhash;     /* the reverse direction's flow hash */
	uint32_t last_tsval;
	bool have_last;
	/* Shortcuts for bulk traffic, both cleared at every sweep (which may
	 * free entries): the entry of last_tsval, and a TSecr whose entry is
	 * known spent (echoing it again cannot give a sample). */
	struct tsent *last_entry;
	uint32_t spent_tsecr;
	bool have_spent;
	/* This direction's entries in the order they were made (rtt.h:
	 * superseded entries); TSvals before the floor are not recorded again. */
	struct tsent *qhead, *qtail;
	uint32_t floor_tsval;
	bool have_floor;
	struct rflow *rev_flow; /* shortcut, cleared at every sweep */
};

/* A recorded TSval: (flow, tsval) -> first time seen; spent when echoed. */
struct tsent {
	struct hnode hn;
	struct tsent *qprev, *qnext; /* its flow's queue */
	struct rflow *owner;
	struct tskey {
		struct match_flow_key flow;
		uint32_t tsval, pad;
	} key;
	int64_t t_ns;
	uint32_t seq_end; /* the first carrier's sequence number after its payload */
	uint32_t epoch; /* the tracker's epoch when it was recorded */
	bool spent;
	bool shared; /* seen on more than one segment */
	bool data;   /* its first carrier had payload */
};

/* A handshake in progress, keyed by the SYN's direction. */
struct hshake {
	struct hnode hn;
	struct match_flow_key key;
	int64_t t_syn, t_synack;
	uint32_t isn;   /* the SYN's sequence number */
	uint32_t epoch;
};

struct rtt_tracker {
	struct rtt_cfg cfg;
	rtt_emit_fn emit;
	void *ctx;
	struct hashtab flows, ts, hs, nots;
	/* the last two flows: a bulk transfer alternates data one way and ACKs
	 * the other, so one would miss every packet; cleared at every sweep */
	struct rflow *last_flow[2];
	int64_t next_sweep;
	int64_t last_ns; /* the previous packet's stamp */
	uint32_t epoch;  /* steps back so far: entries of an earlier one are not echoed */
	struct rtt_counts c;
};

struct rtt_tracker *rtt_create(const struct rtt_cfg *cfg, rtt_emit_fn emit, void *ctx)
{
	struct rtt_tracker *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	t->emit = emit;
	t->ctx = ctx;
	t->next_sweep = INT64_MIN;
	t->last_ns = INT64_MIN;
	if (hashtab_init(&t->flows, 1 << 8) != 0 || hashtab_init(&t->ts, 1 << 10) != 0 ||
	    hashtab_init(&t->hs, 1 << 6) != 0 || hashtab_init(&t->nots, 1 << 6) != 0) {
		rtt_delete(t);
		return NULL;
	}
	return t;
}

void rtt_delete(struct rtt_tracker *t)
{
	if (t == NULL)
		return;
	hashtab_free_nodes(&t->flows);
	hashtab_free_nodes(&t->ts);
	hashtab_free_nodes(&t->hs);
	hashtab_free_nodes(&t->nots);
	free(t);
}

const struct rtt_counts *rtt_counts(const struct rtt_tracker *t) { return &t->c; }


static struct rflow *find_flow(struct rtt_tracker *t, const struct match_flow_key *k)
{
	return (struct rflow *)hashtab_find(&t->flows, hash_bytes(k, sizeof *k), k,
					    offsetof(struct rflow, key), sizeof *k);
}

/* A TSval's entry hash from its flow's hash (kept in the flow: bulk traffic
 * looks up two entries per packet, and hashing 48 octets each time cost a
 * twentieth of a default analyze). */
static uint64_t ts_hash(uint64_t flow_hash, uint32_t tsval)
{
	uint64_t h = flow_hash ^ ((uint64_t)tsval * 0x9e3779b97f4a7c15ULL);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static struct tsent *find_ts(struct rtt_tracker *t, const struct tskey *k, uint64_t flow_hash,
			     uint64_t *hash)
{
	*hash = ts_hash(flow_hash, k->tsval);
	return (struct tsent *)hashtab_find(&t->ts, *hash, k, offsetof(struct tsent, key), sizeof *k);
}

static struct hshake *find_hs(struct rtt_tracker *t, const struct match_flow_key *k, uint64_t *hash)
{
	*hash = hash_bytes(k, sizeof *k);
	return (struct hshake *)hashtab_find(&t->hs, *hash, k, offsetof(struct hshake, key),
					     sizeof *k);
}

/* The three-way handshake: SYN, SYN/ACK back, the first ACK with the SYN's
 * sequence + 1.  A repeated SYN restarts it (its first copy may be lost). */
static int handshake(struct rtt_tracker *t, const struct pkt *pk, int64_t now)
{
	uint8_t f = pk->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST);
	if (t->hs.count == 0 && f != TCP_SYN)
		return 0; /* no handshake under way: the common case */
	struct match_flow_key k;
	uint64_t h;
	if (f == TCP_SYN) {
		match_flow_key_of(pk, false, &k);
		struct hshake *x = find_hs(t, &k, &h);
		if (x == NULL) {
			if (t->hs.count >= t->cfg.max_flows || (x = calloc(1, sizeof *x)) == NULL)
				return x == NULL && t->hs.count < t->cfg.max_flows ? -1 : 0;
			x->key = k;
			if (hashtab_insert(&t->hs, &x->hn, h) != 0) {
				free(x);
				return -1;
			}
		}
		x->t_syn = now;
		x->t_synack = 0;
		x->isn = pk->seq;
		x->epoch = t->epoch;
		return 0;
	}
	if (f == (TCP_SYN | TCP_ACK)) {
		match_flow_key_of(pk, true, &k);
		struct hshake *x = find_hs(t, &k, &h);
		if (x && x->t_synack == 0 && pk->ack == x->isn + 1 &&
		    (now < x->t_syn || x->epoch != t->epoch)) {
			t->c.negative_rtt++; /* the clock stepped back: no sample */
			hashtab_remove(&t->hs, &x->hn);
			free(x);
		} else if (x && x->t_synack == 0 && pk->ack == x->isn + 1) {
			x->t_synack = now;
			struct rtt_sample s = {RTT_HANDSHAKE_RESP, now, now - x->t_syn, now - x->t_syn,
					       &x->key, false};
			t->emit(t->ctx, &s);
		}
		return 0;
	}
	if (f == TCP_ACK) {
		match_flow_key_of(pk, false, &k);
		struct hshake *x = find_hs(t, &k, &h);
		if (x && x->t_synack != 0 && pk->seq == x->isn + 1 &&
		    (now < x->t_synack || x->epoch != t->epoch)) {
			t->c.negative_rtt++;
			hashtab_remove(&t->hs, &x->hn);
			free(x);
		} else if (x && x->t_synack != 0 && pk->seq == x->isn + 1) {
			struct rtt_sample s = {RTT_HANDSHAKE_INIT, now, now - x->t_synack,
					       now - x->t_synack, &x->key, false};
			t->emit(t->ctx, &s);
			t->c.handshakes++;
			hashtab_remove(&t->hs, &x->hn);
			free(x);
		}
	}
	return 0;
}

struct nots {
	struct hnode hn;
	struct match_flow_key key;
};

/* A flow seen without timestamps (bounded like the flow table). */
static int note_no_ts(struct rtt_tracker *t, const struct pkt *pk)
{
	struct match_flow_key k;
	match_flow_key_of(pk, false, &k);
	uint64_t h = hash_bytes(&k, sizeof k);
	if (hashtab_find(&t->nots, h, &k, offsetof(struct nots, key), sizeof k))
		return 0;
	if (t->nots.count >= t->cfg.max_flows)
		return 0;
	struct nots *x = calloc(1, sizeof *x);
	if (x == NULL)
		return -1;
	x->key = k;
	if (hashtab_insert(&t->nots, &x->hn, h) != 0) {
		free(x);
		return -1;
	}
	return 0;
}

size_t rtt_flows_without_ts(const struct rtt_tracker *t, struct match_flow_key *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i <= t->nots.mask; i++)
		for (struct hnode *x = t->nots.b[i]; x; x = x->next) {
			const struct nots *e = (const struct nots *)x;
			/* a flow that carried timestamps too is not without them */
			if (find_flow((struct rtt_tracker *)t, &e->key) != NULL)
				continue;
			if (n < max)
				out[n] = e->key;
			n++;
		}
	return n;
}

struct sweep_ctx {
	struct rtt_tracker *t;
	int64_t now;
};

static void unqueue(struct tsent *e)
{
	struct rflow *f = e->owner;
	if (e->qprev)
		e->qprev->qnext = e->qnext;
	else
		f->qhead = e->qnext;
	if (e->qnext)
		e->qnext->qprev = e->qprev;
	else
		f->qtail = e->qprev;
	if (f->last_entry == e)
		f->last_entry = NULL;
}

static bool stale_ts(struct hnode *n, void *ctx)
{
	const struct sweep_ctx *s = ctx;
	struct tsent *e = (struct tsent *)n;
	bool stale = s->now - e->t_ns > s->t->cfg.tsval_max_age_ns;
	if (stale)
		unqueue(e);
	return stale;
}

static bool serial_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* Forgets flow r's entries of TSvals before tsecr, just echoed, that are
 * older than RTT_SUPERSEDE_NS. */
static inline void supersede(struct rtt_tracker *t, struct rflow *r, uint32_t tsecr, int64_t now)
{
	while (r->qhead && serial_lt(r->qhead->key.tsval, tsecr) &&
	       now - r->qhead->t_ns > RTT_SUPERSEDE_NS) {
		struct tsent *e = r->qhead;
		r->floor_tsval = e->key.tsval + 1;
		r->have_floor = true;
		unqueue(e);
		hashtab_remove(&t->ts, &e->hn);
		free(e);
	}
}

static bool stale_hs(struct hnode *n, void *ctx)
{
	const struct sweep_ctx *s = ctx;
	return s->now - ((struct hshake *)n)->t_syn > s->t->cfg.tsval_max_age_ns;
}

/* Idle flows go; the ones that stay lose their shortcuts into the TSval
 * table, whose entries this sweep may have freed. */
static bool stale_flow(struct hnode *n, void *ctx)
{
	const struct sweep_ctx *s = ctx;
	struct rflow *f = (struct rflow *)n;
	f->last_entry = NULL;
	f->have_spent = false;
	f->rev_flow = NULL;
	if (s->now - f->last_ns <= s->t->cfg.flow_max_idle_ns)
		return false;
	/* entries stamped after now (a step back) outlive the age sweep */
	struct hashtab *ts = &s->t->ts;
	for (struct tsent *e = f->qhead, *next; e; e = next) {
		next = e->qnext;
		hashtab_remove(ts, &e->hn);
		free(e);
	}
	return true;
}

/* pping's cleanUp: TSval entries older than the maximum age, idle flows; and
 * handshakes never finished. */
static void sweep(struct rtt_tracker *t, int64_t now)
{
	struct sweep_ctx s = {t, now};
	hashtab_free_if(&t->ts, stale_ts, &s);
	hashtab_free_if(&t->hs, stale_hs, &s);
	t->last_flow[0] = t->last_flow[1] = NULL;
	hashtab_free_if(&t->flows, stale_flow, &s);
}

static int process(struct rtt_tracker *t, const struct pkt *pk, int64_t now);

void rtt_skip(struct rtt_tracker *t, enum dis_result why)
{
	t->c.packets++;
	if (why == DIS_NOT_IP)
		t->c.not_ip++;
	else
		t->c.unreadable++;
}

int rtt_push(struct rtt_tracker *t, const struct pkt *pk, int64_t now)
{
	t->c.packets++;
	if (now < t->last_ns) {
		/* a step back, not the few us by which a capture's stamps reorder
		 * across CPUs: no sample may span it */
		if (t->last_ns - now > RTT_STEP_NS)
			t->epoch++;
		t->c.backwards++;
		if (t->last_ns - now > t->c.backwards_max_ns)
			t->c.backwards_max_ns = t->last_ns - now;
	}
	t->last_ns = now;
	int rc = process(t, pk, now);
	/* pping's schedule: its clock moves only with packets that pass the
	 * timestamp checks, and it cleans up after such a packet every
	 * tsval_max_age of capture time */
	if (rc == 1 && now >= t->next_sweep) {
		sweep(t, now);
		t->next_sweep = now + t->cfg.tsval_max_age_ns;
	}
	return rc < 0 ? -1 : 0;
}

/* 1 if the packet passed the timestamp checks, 0 if not, -1 on no memory. */
static int process(struct rtt_tracker *t, const struct pkt *pk, int64_t now)
{
	if (pk->pclass != PROTO_TCP) {
		t->c.not_tcp++;
		return 0;
	}
	if (!pk->has_l4) { /* a later fragment of a TCP packet: no header */
		t->c.unreadable++;
		return 0;
	}
	if (handshake(t, pk, now) != 0)
		return -1;
	if (!pk->has_ts) {
		/* options cut by the snaplen (tcpdump -s 64 keeps 10 of a data
		 * segment's 12 option octets) are not "no timestamps": unknown */
		if (!pk->opts_complete) {
			t->c.opts_cut++;
			return 0;
		}
		t->c.no_ts++;
		return note_no_ts(t, pk);
	}
	if (pk->tsval == 0 || (pk->tsecr == 0 && pk->tcp_flags != TCP_SYN)) {
		t->c.zero_ts++;
		return 0;
	}
	struct match_flow_key fk, rk;
	match_flow_key_of(pk, false, &fk);
	match_flow_key_of(pk, true, &rk);
	struct rflow *f = NULL;
	for (int i = 0; i < 2 && f == NULL; i++)
		if (t->last_flow[i] && memcmp(&t->last_flow[i]->key, &fk, sizeof fk) == 0)
			f = t->last_flow[i];
	if (f == NULL)
		f = find_flow(t, &fk);
	if (f == NULL) {
		if (t->flows.count >= t->cfg.max_flows) {
			t->c.flows_over_cap++;
			return 1;
		}
		if ((f = calloc(1, sizeof *f)) == NULL)
			return -1;
		f->key = fk;
		f->min_ns = INT64_MAX;
		f->rhash = hash_bytes(&rk, sizeof rk);
		if (hashtab_insert(&t->flows, &f->hn, hash_bytes(&fk, sizeof fk)) != 0) {
			free(f);
			return -1;
		}
		t->c.flows_seen++;
		struct rflow *r = (struct rflow *)hashtab_find(&t->flows, f->rhash, &rk,
							       offsetof(struct rflow, key), sizeof rk);
		if (r) {
			r->rev = true;
			f->rev = true;
		}
	}
	if (t->last_flow[0] != f) {
		t->last_flow[1] = t->last_flow[0];
		t->last_flow[0] = f;
	}
	f->last_ns = now;
	if (!f->rev) {
		t->c.unidirectional++;
		return 1;
	}
	/* record this direction's TSval at its first appearance */
	bool record = !t->cfg.data_only || pk->payload > 0 || (pk->tcp_flags & TCP_SYN);
	struct tskey k;
	memset(&k, 0, sizeof k);
	uint64_t h;
	if (record && f->have_last && f->last_tsval == pk->tsval && f->last_entry) {
		/* the TSval of the previous packet: its entry is known */
		if (!f->last_entry->spent && pk->payload > 0)
			f->last_entry->shared = true;
	} else if (record && f->have_floor && serial_lt(pk->tsval, f->floor_tsval)) {
		f->last_entry = NULL; /* before a TSval echoed already: superseded */
	} else if (record) {
		k.flow = fk;
		k.tsval = pk->tsval;
		struct tsent *e = find_ts(t, &k, f->hn.hash, &h);
		if (e == NULL) {
			if ((e = calloc(1, sizeof *e)) == NULL)
				return -1;
			e->key = k;
			e->t_ns = now;
			e->epoch = t->epoch;
			e->data = pk->payload > 0;
			e->seq_end = pk->seq + pk->payload;
			if (hashtab_insert(&t->ts, &e->hn, h) != 0) {
				free(e);
				return -1;
			}
			e->owner = f;
			e->qprev = f->qtail;
			if (f->qtail)
				f->qtail->qnext = e;
			else
				f->qhead = e;
			f->qtail = e;
		} else if (!e->spent && pk->payload > 0 && f->have_last && f->last_tsval == pk->tsval) {
			e->shared = true; /* several segments carry it: the echo may answer a later one */
		}
		f->last_entry = e;
	} else {
		f->last_entry = NULL;
	}
	f->last_tsval = pk->tsval;
	f->have_last = true;
	/* does this packet echo a TSval of the reverse direction? */
	if (f->have_spent && f->spent_tsecr == pk->tsecr)
		return 1; /* echoed before, and spent: nothing new */
	if (f->rev_flow == NULL)
		f->rev_flow = (struct rflow *)hashtab_find(&t->flows, f->rhash, &rk,
							   offsetof(struct rflow, key), sizeof rk);
	if (f->rev_flow)
		supersede(t, f->rev_flow, pk->tsecr, now);
	memset(&k, 0, sizeof k);
	k.flow = rk;
	k.tsval = pk->tsecr;
	struct tsent *e = find_ts(t, &k, f->rhash, &h);
	if (e && e->spent) {
		f->spent_tsecr = pk->tsecr;
		f->have_spent = true;
	}
	if (e && !e->spent && (now < e->t_ns || e->epoch != t->epoch)) {
		/* the clock stepped back between the TSval and its echo */
		e->spent = true;
		t->c.negative_rtt++;
	} else if (e && !e->spent) {
		int64_t rtt = now - e->t_ns;
		if (rtt < f->min_ns)
			f->min_ns = rtt;
		e->spent = true;
		f->spent_tsecr = pk->tsecr;
		f->have_spent = true;
		t->c.samples++;
		if (e->shared)
			t->c.shared_tsval++;
		/* A pure ACK acknowledging exactly the one segment whose TSval it
		 * echoes was not sent for a second segment: most likely the
		 * receiver's delayed-ACK timer (or its quick-ACK mode) sent it. */
		bool delayed = e->data && pk->payload == 0 &&
			       !(pk->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST)) &&
			       (pk->tcp_flags & TCP_ACK) && pk->ack == e->seq_end;
		if (delayed)
			t->c.delayed_ack++;
		struct rtt_sample s = {RTT_TSVAL, now,      rtt,      f->min_ns,
				       &e->key.flow, e->shared, delayed};
		t->emit(t->ctx, &s);
	}
	return 1;
}
