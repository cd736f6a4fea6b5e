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
 * tools (captures/sample-netns) hold no more. */
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

struct manifest {
	int schema;
	const char *tool, *version;
	struct manifest_point point[MANIFEST_MAX_POINTS];
	size_t npoints;
	const char *host, *guest;     /* "hosts": the two machines' names */
	double start, stop;           /* the capture's wall-clock span, s since the epoch; 0: not yet */
	const char *command_line;
	int snaplen;
	const char *filter;           /* the user's pcap filter; NULL: none (null) */
	/* manifest_read: the document the strings point into; NULL in a
	 * manifest filled by hand */
	struct json_t *doc;
};

/* Writes m (at most MANIFEST_MAX_POINTS points) as DIR/manifest.json (2-space indent, the keys in the order
 * above) through DIR/manifest.json.tmp renamed over it: a failed write
 * keeps the manifest that was there.  Every string must be set but filter
 * (NULL: null).  0, or -1
 * with err set (VERR_REMOTE: "PATH: cannot write the manifest: REASON"). */
int manifest_write(const char *dir, const struct manifest *m, struct verr *err);

/* Reads the manifest at path into *m (strings and points owned by m until
 * manifest_free; fields the file lacks are NULL, 0, or -1 for drops).
 * 0, or -1 with err set: the file unreadable or not JSON (VERR_NOMEM when
 * memory ran out), no "points" array, a point without "name" or "file" or
 * with "drops" neither a count nor null, more than MANIFEST_MAX_POINTS
 * points (m holds the first ones).  On a malformed point i, m holds
 * the points before it (npoints == i): a reader that takes the points in
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
