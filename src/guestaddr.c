/* guestaddr — see guestaddr.h. */
#include "guestaddr.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "scan.h"

enum { LEARN_PACKETS = 5000, TALLY_MAX = 256 };

bool addrset_has(const struct addrset *s, int family, const uint8_t a[16])
{
	uint64_t w0, w1; /* called twice per packet: compare words, not octets */
	memcpy(&w0, a, 8);
	memcpy(&w1, a + 8, 8);
	for (int i = 0; i < s->n; i++) {
		uint64_t v0, v1;
		memcpy(&v0, s->v[i].a, 8);
		memcpy(&v1, s->v[i].a + 8, 8);
		if (v0 == w0 && v1 == w1 && s->v[i].family == family)
			return true;
	}
	return false;
}

int addrset_add(struct addrset *s, int family, const uint8_t a[16])
{
	if (addrset_has(s, family, a))
		return 0;
	if (s->n >= ADDRSET_MAX)
		return -1;
	s->v[s->n].family = (uint8_t)family;
	memcpy(s->v[s->n].a, a, 16);
	s->n++;
	return 0;
}

int addrset_add_str(struct addrset *s, const char *text)
{
	uint8_t a[16] = {0};
	if (inet_pton(AF_INET, text, a) == 1)
		return addrset_add(s, 4, a);
	if (inet_pton(AF_INET6, text, a) == 1)
		return addrset_add(s, 6, a);
	return -1;
}

/* Counting small sets of keys (MACs, addresses) by linear search: the
 * number of distinct keys near a guest is small, and the table is capped. */
struct tally {
	int n;
	struct {
		uint8_t key[24];
		uint64_t count;
	} v[TALLY_MAX];
};

static void tally_add(struct tally *t, const void *key, size_t len)
{
	uint8_t k[24] = {0};
	memcpy(k, key, len);
	for (int i = 0; i < t->n; i++)
		if (memcmp(t->v[i].key, k, sizeof k) == 0) {
			t->v[i].count++;
			return;
		}
	if (t->n < TALLY_MAX) {
		memcpy(t->v[t->n].key, k, sizeof k);
		t->v[t->n++].count = 1;
	}
}

static bool usable_unicast(int family, const uint8_t a[16])
{
	static const uint8_t zero[16];
	if (memcmp(a, zero, family == 4 ? 4 : 16) == 0)
		return false;
	if (family == 4)
		return a[0] < 224 && !(a[0] == 255);
	return a[0] != 0xff;
}

/* key = family octet + 16 address octets */
static void addr_key(uint8_t *k, int family, const uint8_t a[16])
{
	k[0] = (uint8_t)family;
	memcpy(k + 1, a, 16);
}

/* MAC prefixes hypervisors give guests (QEMU/KVM, OpenStack, Xen, VirtualBox,
 * VMware, Hyper-V): where two MACs are in every frame (a guest talking to one
 * router), the one with such a prefix is the guest's. */
static bool vm_oui(const uint8_t *m)
{
	static const uint8_t ouis[][3] = {
	    {0x52, 0x54, 0x00}, {0xfa, 0x16, 0x3e}, {0x00, 0x16, 0x3e}, {0x08, 0x00, 0x27},
	    {0x00, 0x0c, 0x29}, {0x00, 0x50, 0x56}, {0x00, 0x15, 0x5d},
	};
	for (size_t i = 0; i < sizeof ouis / sizeof ouis[0]; i++)
		if (memcmp(m, ouis[i], 3) == 0)
			return true;
	return false;
}

static int distinct_sources(const struct tally *src_by_mac, const uint8_t *mac)
{
	int n = 0;
	for (int i = 0; i < src_by_mac->n; i++)
		if (memcmp(src_by_mac->v[i].key, mac, 6) == 0)
			n++;
	return n;
}

/* The guest's MAC: the one in most frames; among MACs in nearly as many
 * (within 10 %), a hypervisor prefix wins, then fewer source addresses (a
 * router fronts many hosts).  -1 if still undecided; then, if exactly two
 * MACs were left, their indexes in tie[]. */
static int pick_guest_mac(const struct tally *macs, const struct tally *src_by_mac, int tie2[2])
{
	tie2[0] = tie2[1] = -1;
	int best = 0;
	for (int i = 1; i < macs->n; i++)
		if (macs->v[i].count > macs->v[best].count)
			best = i;
	int cand[TALLY_MAX], nc = 0, nvm = 0, vm = -1;
	for (int i = 0; i < macs->n; i++)
		if (macs->v[i].count * 10 >= macs->v[best].count * 9) {
			cand[nc++] = i;
			if (vm_oui(macs->v[i].key)) {
				nvm++;
				vm = i;
			}
		}
	if (nc == 1)
		return best;
	if (nvm == 1)
		return vm;
	if (nc == 2) {
		tie2[0] = cand[0];
		tie2[1] = cand[1];
	}
	int fewest = -1, fewest_n = 1 << 30, tie = 0;
	for (int k = 0; k < nc; k++) {
		int d = distinct_sources(src_by_mac, macs->v[cand[k]].key);
		if (d == 0)
			continue;
		if (d < fewest_n) {
			fewest_n = d;
			fewest = cand[k];
			tie = 0;
		} else if (d == fewest_n) {
			tie = 1;
		}
	}
	return tie ? -1 : fewest;
}

/* Sets err (the capture could be read but does not tell) and returns
 * GUESTADDR_UNDECIDED. */
__attribute__((format(printf, 2, 3))) static int undecided(struct verr *err, const char *fmt, ...)
{
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	verr_set(err, VERR_INPUT, "%s", msg);
	return GUESTADDR_UNDECIDED;
}

/* The source addresses seen with MAC m. */
static void addrs_of_mac(const struct tally *src_by_mac, const uint8_t *m, struct addrset *out)
{
	for (int i = 0; i < src_by_mac->n; i++)
		if (memcmp(src_by_mac->v[i].key, m, 6) == 0)
			addrset_add(out, src_by_mac->v[i].key[6], src_by_mac->v[i].key + 7);
}

/* What the first packets of a capture say about its addresses. */
struct learn {
	struct tally macs;       /* MACs of the frames (destinations unicast only) */
	struct tally src_by_mac; /* MAC + source address (family, 16 octets) */
	struct tally sll;        /* addresses on this side of outgoing cooked packets */
	struct tally part;       /* every unicast address, either end */
	uint64_t fam_count[2];   /* packets of IPv4, IPv6 */
	uint64_t with_mac, with_sll, n;
};

/* Tallies the first LEARN_PACKETS usable packets of path into *l.  0, or -1
 * with err set if the file cannot be read. */
static int learn_scan(const char *path, enum point p, bool allow_truncated, struct learn *l,
		      struct verr *err)
{
	struct scan sc;
	if (scan_open(&sc, path, allow_truncated, err) != 0)
		return -1;
	struct pkt pk;
	int rc = 0;
	while (l->n < LEARN_PACKETS && (rc = scan_next(&sc, &pk, err)) == 1) {
		l->n++;
		uint8_t k[24];
		l->fam_count[pk.family == 6]++;
		if (pk.has_mac) {
			l->with_mac++;
			tally_add(&l->macs, pk.src_mac, 6);
			if (!(pk.dst_mac[0] & 1))
				tally_add(&l->macs, pk.dst_mac, 6);
			if (usable_unicast(pk.family, pk.src)) {
				memcpy(k, pk.src_mac, 6);
				addr_key(k + 6, pk.family, pk.src);
				tally_add(&l->src_by_mac, k, 23);
			}
		}
		if (pk.pkttype == PKTTYPE_OUTGOING) {
			l->with_sll++;
			const uint8_t *a = p == POINT_GUEST ? pk.src : pk.dst;
			if (usable_unicast(pk.family, a)) {
				addr_key(k, pk.family, a);
				tally_add(&l->sll, k, 17);
			}
		}
		for (int side = 0; side < 2; side++) {
			const uint8_t *a = side ? pk.dst : pk.src;
			if (usable_unicast(pk.family, a)) {
				addr_key(k, pk.family, a);
				tally_add(&l->part, k, 17);
			}
		}
	}
	scan_close(&sc);
	return rc < 0 ? -1 : 0;
}

/* No MACs or cooked directions to go by: per family, the address in over
 * half the packets; two such (a guest and its one peer) tie, and then each
 * is one end.  0 with out filled (maybe empty), or GUESTADDR_UNDECIDED. */
static int by_majority(const struct learn *l, const char *path, struct addrset *out,
		       struct guest_ends *ends, struct verr *err)
{
	const struct tally *part = &l->part;
	uint8_t end[2][2][17];
	int nends = 0;
	bool many = false; /* a family with three or more such: no ends */
	for (int fam = 4; fam <= 6; fam += 2) {
		int top = -1, ties = 0, other = -1;
		for (int i = 0; i < part->n; i++)
			if (part->v[i].key[0] == fam &&
			    (top < 0 || part->v[i].count > part->v[top].count))
				top = i;
		if (top < 0 || part->v[top].count * 2 <= l->fam_count[fam == 6])
			continue;
		for (int i = 0; i < part->n; i++)
			if (i != top && part->v[i].key[0] == fam &&
			    part->v[i].count * 10 >= part->v[top].count * 9) {
				ties++;
				other = i;
			}
		if (ties == 1) {
			memcpy(end[nends][0], part->v[top].key, 17);
			memcpy(end[nends][1], part->v[other].key, 17);
			nends++;
		}
		if (ties) {
			many = many || ties > 1;
			continue;
		}
		addrset_add(out, fam, part->v[top].key + 1);
	}
	if (nends == 0 && !many)
		return 0;
	if (!many && ends->n == 0) {
		/* a decided family stays; the same side of every tied family
		 * first, then mixed */
		static const int pick[4][2] = {{0, 0}, {1, 1}, {0, 1}, {1, 0}};
		ends->n = nends == 1 ? 2 : 4;
		for (int c = 0; c < ends->n; c++) {
			ends->cand[c] = *out;
			for (int k = 0; k < nends; k++)
				addrset_add(&ends->cand[c], end[k][pick[c][k]][0],
					    end[k][pick[c][k]] + 1);
		}
	}
	memset(out, 0, sizeof *out);
	return undecided(err,
			 "%s: several addresses are in nearly every packet and nothing tells "
			 "which is the guest's; give --guest-ip",
			 path);
}

/* The rules in order (guestaddr.h), on what learn_scan found. */
static int decide(const struct learn *l, const char *path, enum point p, struct addrset *out,
		  struct guest_ends *ends, struct verr *err)
{
	if (l->n == 0)
		return undecided(err,
				 "%s: no IP packets to learn the guest's address from; give "
				 "--guest-ip",
				 path);
	/* Two MACs in every frame: each MAC's addresses are one end, for
	 * causality to decide if no rule below does (a hypervisor's MAC prefix
	 * first). */
	bool two_macs = l->with_mac * 2 > l->n;
	int tie2[2] = {-1, -1};
	int best = two_macs ? pick_guest_mac(&l->macs, &l->src_by_mac, tie2) : -1;
	if (tie2[0] >= 0) {
		int first = best == tie2[1] ? 1 : 0;
		addrs_of_mac(&l->src_by_mac, l->macs.v[tie2[first]].key, &ends->cand[0]);
		addrs_of_mac(&l->src_by_mac, l->macs.v[tie2[1 - first]].key, &ends->cand[1]);
		ends->n = ends->cand[0].n && ends->cand[1].n ? 2 : 0;
	}
	if (l->with_sll > 0 && p == POINT_GUEST) {
		/* Cooked capture on the guest: outgoing packets are the guest's own. */
		for (int i = 0; i < l->sll.n; i++)
			addrset_add(out, l->sll.v[i].key[0], l->sll.v[i].key + 1);
	} else if (two_macs && (p == POINT_GUEST || p == POINT_VNET)) {
		if (best < 0)
			return undecided(err,
					 "%s: two MACs are in every frame and nothing tells "
					 "which is the guest's; give --guest-ip",
					 path);
		addrs_of_mac(&l->src_by_mac, l->macs.v[best].key, out);
	} else if (l->with_sll > 0 && p == POINT_VNET) {
		/* On the tap, the host's outgoing packets go to the guest. */
		for (int i = 0; i < l->sll.n; i++)
			addrset_add(out, l->sll.v[i].key[0], l->sll.v[i].key + 1);
	} else if (by_majority(l, path, out, ends, err) != 0) {
		return GUESTADDR_UNDECIDED;
	}
	if (out->n == 0)
		return undecided(err,
				 "%s: cannot tell which addresses are the guest's from this "
				 "%s capture; give --guest-ip",
				 path, point_name(p));
	/* decided: the two ends a tie of MACs offered are not needed (ends are
	 * for GUESTADDR_UNDECIDED only) */
	memset(ends, 0, sizeof *ends);
	return 0;
}

int guestaddr_learn(const char *path, enum point p, bool allow_truncated, struct addrset *out,
		    struct guest_ends *ends, struct verr *err)
{
	struct guest_ends scratch;
	if (ends == NULL)
		ends = &scratch;
	memset(ends, 0, sizeof *ends);
	memset(out, 0, sizeof *out);
	struct learn *l = calloc(1, sizeof *l); /* large: not on the stack */
	if (l == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = learn_scan(path, p, allow_truncated, l, err);
	if (rc == 0)
		rc = decide(l, path, p, out, ends, err);
	free(l);
	return rc;
}
