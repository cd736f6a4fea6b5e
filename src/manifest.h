/* manifest — a saved run's manifest.json (CONTRACT.md "Saved runs"): which
 * capture file holds which point, where it was taken, the kernel's drops, and
 * how the run was made.  One plain struct for its contents; the one-shot
 * writes it (oneshot.c), the offline commands read its points (inputs.c).
 *
 * The document, keys in this order:
 *   {"schema": 1, "tool": "vocalc", "version": ..., "points": [
 *      {"name", "file", "interface", "host", "drops": n|null, "octets", "complete"} ...],
 *    "hosts": {"host", "guest"}, "start", "stop", "command_line", "snaplen",
 *    "filter": the user's, or null}
 * A manifest read needs only "points" with each point's "name" and "file"
 * ("drops" a count, null or absent): manifests written by hand or by older
 * tools (captures/sample-netns) hold no more.
 *
 * A run of several guests (CONTRACT.md "Several guests in one run") adds,
 * after "points" (then the host points all guests share: nic, bridge),
 *   "guests": [{"name", "login": true|false, "addresses": [...],
 *               "points": [{"name": "vnet", ...}, {"name": "guest", ...}]} ...]
 * each guest's own points written as the shared ones; "addresses" may be
 * empty (learned from the guest's captures), "login" absent reads as
 * whether a guest point is there, and "hosts" "guest" is null.  A manifest
 * without "guests" is a run of one guest, read as it always was.  Which
 * points a guest may hold is the reader's to say (inputs.c); here: each
 * guest is an object with a "name" no other guest has and a "points"
 * array of points as above. */
#ifndef VOCALC_MANIFEST_H
#define VOCALC_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verr.h"

struct json_t;

/* The schema manifest_write's callers put in: what CONTRACT.md describes. */
#define MANIFEST_SCHEMA 1

/* Points a manifest holds at most: a run has POINT_N; twice that leaves
 * room for a reader to find a fifth itself (a point twice, or unknown)
 * before this limit is met. */
enum { MANIFEST_MAX_POINTS = 8 };

struct manifest_point {
	const char *name;      /* point_name(): nic, bridge, vnet, guest */
	const char *file;      /* the capture, relative to the run directory unless absolute */
	const char *interface; /* where it was captured; NULL: not recorded */
	const char *host;      /* the machine it was captured on; NULL: not recorded */
	int64_t drops;         /* the kernel's drops; -1: unknown (null) */
	uint64_t octets;       /* octets of the capture file */
	bool complete;         /* the capture ran to its end */
};

/* Guests a manifest holds at most, and what one guest holds: its points
 * (a vnet and a guest; room for a reader to find a third itself) and its
 * addresses. */
enum { MANIFEST_MAX_GUESTS = 32, MANIFEST_GUEST_POINTS = 4, MANIFEST_MAX_ADDRS = 16 };

struct manifest_guest {
	const char *name;  /* as the run named it: unique in the run */
	bool login;        /* logged into: its own capture (a guest point) was taken */
	const char *address[MANIFEST_MAX_ADDRS]; /* "192.0.2.7", "2001:db8::7" */
	size_t naddresses; /* 0: learned from its captures */
	struct manifest_point point[MANIFEST_GUEST_POINTS];
	size_t npoints;
};

struct manifest {
	int schema;
	const char *tool, *version;
	struct manifest_point point[MANIFEST_MAX_POINTS]; /* with guests: the shared host points */
	size_t npoints;
	struct manifest_guest guests[MANIFEST_MAX_GUESTS]; /* a run of several guests */
	size_t nguests;               /* 0: a run of one guest (no "guests" key) */
	const char *host, *guest;     /* "hosts": the two machines' names (guest NULL: null) */
	double start, stop;           /* the capture's wall-clock span, s since the epoch; 0: not yet */
	const char *command_line;
	int snaplen;
	const char *filter;           /* the user's pcap filter; NULL: none (null) */
	/* manifest_read: the document the strings point into; NULL in a
	 * manifest filled by hand */
	struct json_t *doc;
};

/* Writes m (at most MANIFEST_MAX_POINTS points) as DIR/manifest.json (2-space indent, the keys in the order
 * above; "guests" when nguests > 0) through DIR/manifest.json.tmp renamed over it: a failed write
 * keeps the manifest that was there.  Every string must be set but filter
 * and guest (NULL: null).  0, or -1
 * with err set (VERR_REMOTE: "PATH: cannot write the manifest: REASON"). */
int manifest_write(const char *dir, const struct manifest *m, struct verr *err);

/* Reads the manifest at path into *m (strings and points owned by m until
 * manifest_free; fields the file lacks are NULL, 0, or -1 for drops).
 * 0, or -1 with err set: the file unreadable or not JSON (VERR_NOMEM when
 * memory ran out), no "points" array, a point without "name" or "file" or
 * with "drops" neither a count nor null, more than MANIFEST_MAX_POINTS
 * points (m holds the first ones); "guests" not an array of at most
 * MANIFEST_MAX_GUESTS, a guest without "name" or with one another guest
 * has, "login" not true or false, "addresses" not an array of at most
 * MANIFEST_MAX_ADDRS strings, no "points" array, a point malformed as
 * above ("guest NAME: point I ...").  "points" may be empty when there are
 * guests.  On a malformed point i, m holds
 * the points before it (npoints == i), on a malformed guest the guests
 * before it: a reader that takes the points in
 * order meets its own objections to those first, as it would reading the
 * document itself.  Call manifest_free after either result. */
int manifest_read(const char *path, struct manifest *m, struct verr *err);

/* The same on a manifest's text (len octets) read from path (named in
 * messages only). */
int manifest_parse(const char *path, const char *text, size_t len, struct manifest *m,
		   struct verr *err);

/* Releases what manifest_read or manifest_parse kept, and empties m. */
void manifest_free(struct manifest *m);

#endif
