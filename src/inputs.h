/* inputs — the captures the offline commands (analyze, drift, rtt, ack) are
 * given: POINT=FILE words, run directories (manifest.json, CONTRACT.md
 * "Saved runs"), directories of captures named by point, bare FILEs of one
 * point.  They fill analysis_opts' file[] and drops[]; nothing is opened but
 * the directories and manifests (the captures are read later). */
#ifndef VOCALC_INPUTS_H
#define VOCALC_INPUTS_H

#include <stddef.h>

#include "analysis.h"
#include "manifest.h"
#include "verr.h"

/* The paths built while reading inputs (manifest and capture paths, guest
 * names), kept until the command ends: analysis_opts points into them. */
enum { STRPOOL_MAX = 256 };
struct strpool {
	char *s[STRPOOL_MAX];
	int n;
};
void strpool_free(struct strpool *sp);

/* A run of several guests (manifest.h "guests"): per guest what is its
 * own; the host points all share (nic, bridge) go to analysis_opts as
 * a run of one guest's do.  Checked here: each guest has a vnet point, a
 * guest point exactly when "login" is true, no host point, addresses that
 * are addresses, files no other guest names; the shared "points" no vnet
 * or guest. */
struct inputs_guest {
	const char *name;
	bool login;
	struct addrset ips;	   /* the manifest's addresses; n == 0: learn them */
	const char *file[POINT_N]; /* vnet, and guest when login; NULL elsewhere */
	int64_t drops[POINT_N];	   /* -1: unknown */
};
struct inputs_guests {
	int n;			/* 0: no run of several guests was given */
	const char *manifest;	/* its path, for messages */
	struct inputs_guest g[MANIFEST_MAX_GUESTS];
};

/* Guest g's analysis options (a run of several guests): the shared host
 * points of base, its own points and addresses, its packets only. */
void inputs_guest_opts(const struct analysis_opts *base, const struct inputs_guest *g,
		       struct analysis_opts *o);

/* a and b name one file (both exist, same device and inode). */
bool inputs_same_file(const char *a, const char *b);

/* Point `name` (len octets, not NUL-terminated) captured in file, drops:
 * the kernel drops it reported, -1 if unknown.  Refused: an unknown point,
 * an empty name, a point given twice, standard input for two points. */
int inputs_add_point(struct analysis_opts *o, const char *name, unsigned len, const char *file,
		     int64_t drops, struct verr *err);

/* The words argv[first..argc): POINT=FILE, run directories, and (bare_point
 * not NULL) bare FILEs taken as captured at bare_point.  cmd names the
 * command in messages.  guests: where a run of several guests goes (its
 * n set to 0 first); NULL: such a run is refused (the command reads one
 * guest).  With a run of several guests, no vnet or guest point beside it. */
int inputs_add(struct analysis_opts *o, int first, int argc, char **argv, const char *bare_point,
	       const char *cmd, struct inputs_guests *guests, struct strpool *sp,
	       struct verr *err);

/* A run manifest's text (len octets) as read from path, in run directory
 * dir: its points (file names relative to dir unless absolute), and its
 * guests into guests (as inputs_add).  What
 * inputs_add does with RUN_DIR/manifest.json, on a buffer
 * (tests/fuzz/fuzz_config.c). */
int inputs_manifest_parse(struct analysis_opts *o, const char *dir, const char *path,
			  const char *text, size_t len, struct inputs_guests *guests,
			  struct strpool *sp, struct verr *err);

#endif
