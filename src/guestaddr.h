/* guestaddr — which IP addresses are the guest's.  Decides direction:
 * a packet from a guest address travels from_guest, one to it to_guest.
 *
 * Learned from the capture closest to the guest (guest, else vnet) when the
 * user gives none (--guest-ip):
 *   Ethernet  the MAC present in most frames is the guest's (every frame on
 *             the guest's eth0 or its tap carries it); its frames' source
 *             addresses are the guest's addresses (v4 and v6, several allowed);
 *   cooked    at guest, sources of outgoing packets; at vnet (the host sends
 *             toward the guest), destinations of outgoing packets;
 *   other     per family, the address in most packets, if in over half. */
#ifndef VOCALC_GUESTADDR_H
#define VOCALC_GUESTADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "point.h"
#include "verr.h"

enum { ADDRSET_MAX = 16 };

struct addrset {
	int n;
	struct {
		uint8_t family;
		uint8_t a[16];
	} v[ADDRSET_MAX];
};

bool addrset_has(const struct addrset *s, int family, const uint8_t a[16]);
/* Parses "192.0.2.7" or "2001:db8::7" and adds it; -1 if not an address or full. */
int addrset_add_str(struct addrset *s, const char *text);
int addrset_add(struct addrset *s, int family, const uint8_t a[16]);

/* When a capture shows a guest and one peer only (both MACs, or both
 * addresses of a family, in every frame), it cannot say which end is the
 * guest; causality can: the wrong choice makes every round trip negative.
 * The labellings worth trying, likeliest first: two (by MAC, or one
 * family's two addresses), or four (two families, each either way). */
struct guest_ends {
	int n;
	struct addrset cand[4];
};

/* Learns from the first packets of path (captured at point p).  Returns 0
 * with out filled (n >= 1); GUESTADDR_UNDECIDED when this capture cannot
 * tell (err says why: another point's capture may); -1 when the file cannot
 * be read (err names it and why).  ends (may be NULL): on GUESTADDR_UNDECIDED
 * the labellings causality may choose from (n 0 if none); else n 0. */
enum { GUESTADDR_UNDECIDED = 1 };
int guestaddr_learn(const char *path, enum point p, bool allow_truncated, struct addrset *out,
		    struct guest_ends *ends, struct verr *err);

#endif
