/* inputs — the captures the offline commands (analyze, drift, rtt, ack) are
 * given: POINT=FILE words, run directories (manifest.json, CONTRACT.md
 * "Saved runs"), directories of captures named by point, bare FILEs of one
 * point.  They fill analysis_opts' file[] and drops[]; nothing is opened but
 * the directories and manifests (the captures are read later). */
#ifndef VOCALC_INPUTS_H
#define VOCALC_INPUTS_H

#include <stddef.h>

#include "analysis.h"
#include "verr.h"

/* The paths built while reading inputs (manifest and capture paths), kept
 * until the command ends: analysis_opts points into them. */
struct strpool {
	char *s[64];
	int n;
};
void strpool_free(struct strpool *sp);

/* Point `name` (len octets, not NUL-terminated) captured in file, drops:
 * the kernel drops it reported, -1 if unknown.  Refused: an unknown point,
 * an empty name, a point given twice, standard input for two points. */
int inputs_add_point(struct analysis_opts *o, const char *name, unsigned len, const char *file,
		     int64_t drops, struct verr *err);

/* The words argv[first..argc): POINT=FILE, run directories, and (bare_point
 * not NULL) bare FILEs taken as captured at bare_point.  cmd names the
 * command in messages. */
int inputs_add(struct analysis_opts *o, int first, int argc, char **argv, const char *bare_point,
	       const char *cmd, struct strpool *sp, struct verr *err);

/* A run manifest's text (len octets) as read from path, in run directory
 * dir: its points (file names relative to dir unless absolute).  What
 * inputs_add does with RUN_DIR/manifest.json, on a buffer
 * (tests/fuzz/fuzz_config.c). */
int inputs_manifest_parse(struct analysis_opts *o, const char *dir, const char *path,
			  const char *text, size_t len, struct strpool *sp, struct verr *err);

#endif
