/* inputs — see inputs.h. */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest.h"
#include "reader.h"

/* Keeps s (NULL: nothing) until strpool_free. */
static const char *pool_add(struct strpool *sp, char *s)
{
	if (s && sp->n < STRPOOL_MAX)
		sp->s[sp->n++] = s;
	return s;
}

/* dir/file (file absolute: itself), kept in sp; NULL when out of memory. */
static const char *run_path(const char *dir, const char *file, struct strpool *sp)
{
	char *full;
	if (asprintf(&full, file[0] == '/' ? "%.0s%s" : "%s/%s", dir, file) < 0)
		return NULL;
	return pool_add(sp, full);
}

int inputs_add_point(struct analysis_opts *o, const char *name, unsigned len, const char *file,
		     int64_t drops, struct verr *err)
{
	int p = point_from_name(name, len);
	if (p < 0)
		return verr_set(err, VERR_INPUT,
				"%s: unknown point '%.*s' (points are nic, bridge, vnet, guest)",
				file, (int)len, name);
	if (*file == '\0')
		return verr_set(err, VERR_INPUT, "%.*s=: no file named (FILE - is standard input)",
				(int)len, name);
	/* standard input is one stream: one point can have it */
	for (int q = 0; q < POINT_N; q++)
		if (strcmp(file, "-") == 0 && o->file[q] && strcmp(o->file[q], "-") == 0 && q != p)
			return verr_set(err, VERR_INPUT,
					"-: standard input given for both %s and %s; it holds one "
					"capture",
					point_name((enum point)q), point_name((enum point)p));
	if (o->file[p])
		return verr_set(err, VERR_INPUT, "%s: two files for point %s (%s and %s)", file,
				point_name((enum point)p), o->file[p], file);
	o->file[p] = file;
	o->drops[p] = drops;
	return 0;
}

bool inputs_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Two names of one capture: the same string, or the same file. */
static bool same_capture(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || inputs_same_file(a, b);
}

/* Guest g of the run manifest at path (directory dir) into *ig: its name,
 * addresses and own points, checked (inputs.h). */
static int manifest_guest(const char *path, const char *dir, const struct manifest_guest *g,
			  struct inputs_guest *ig, struct strpool *sp, struct verr *err)
{
	memset(ig, 0, sizeof *ig);
	for (int p = 0; p < POINT_N; p++)
		ig->drops[p] = -1;
	if ((ig->name = pool_add(sp, strdup(g->name))) == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	ig->login = g->login;
	for (size_t k = 0; k < g->naddresses; k++)
		if (addrset_add_str(&ig->ips, g->address[k]) != 0)
			return verr_set(err, VERR_INPUT, "%s: guest %s: '%s' is not an IP address", path,
					g->name, g->address[k]);
	for (size_t i = 0; i < g->npoints; i++) {
		const struct manifest_point *pt = &g->point[i];
		int p = point_from_name(pt->name, (unsigned)strlen(pt->name));
		if (p < 0)
			return verr_set(err, VERR_INPUT,
					"%s: guest %s: unknown point '%s' (a guest's points are vnet "
					"and guest)",
					path, g->name, pt->name);
		if (p != POINT_VNET && p != POINT_GUEST)
			return verr_set(err, VERR_INPUT,
					"%s: guest %s: point %s is the host's: it goes in the run's "
					"\"points\", shared by the guests",
					path, g->name, pt->name);
		const char *full = run_path(dir, pt->file, sp);
		if (full == NULL)
			return verr_set(err, VERR_NOMEM, "out of memory");
		if (ig->file[p])
			return verr_set(err, VERR_INPUT, "%s: guest %s: two files for point %s (%s and %s)",
					path, g->name, pt->name, ig->file[p], full);
		ig->file[p] = full;
		ig->drops[p] = pt->drops;
	}
	if (!ig->file[POINT_VNET])
		return verr_set(err, VERR_INPUT,
				"%s: guest %s has no vnet point (the capture of its tap on the host)",
				path, g->name);
	if (ig->file[POINT_GUEST] && !g->login)
		return verr_set(err, VERR_INPUT, "%s: guest %s has a guest point, but \"login\" is false",
				path, g->name);
	if (!ig->file[POINT_GUEST] && g->login)
		return verr_set(err, VERR_INPUT, "%s: guest %s: \"login\" is true, but it has no guest point",
				path, g->name);
	return 0;
}

/* The guests of the run manifest at path into guests, checked (inputs.h);
 * cmd names the command in messages. */
static int manifest_guests(const char *path, const char *dir, const struct manifest *m,
			   const char *cmd, struct inputs_guests *guests, struct strpool *sp,
			   struct verr *err)
{
	if (guests == NULL)
		return verr_set(err, VERR_INPUT,
				"%s: a run of %zu guests: vocalc %s reads one guest's captures "
				"(vocalc analyze reads the run; or give one guest's as POINT=FILE)",
				path, m->nguests, cmd);
	if (guests->n > 0)
		return verr_set(err, VERR_INPUT,
				"%s: a second run of several guests (the first: %s): give one", path,
				guests->manifest);
	for (size_t i = 0; i < m->npoints; i++)
		if (point_from_name(m->point[i].name, (unsigned)strlen(m->point[i].name)) >= POINT_VNET)
			return verr_set(err, VERR_INPUT,
					"%s: point %s in \"points\" of a run of several guests: "
					"each guest's vnet and guest are its own (\"guests\")",
					path, m->point[i].name);
	guests->manifest = path;
	for (size_t i = 0; i < m->nguests; i++) {
		struct inputs_guest *ig = &guests->g[i];
		if (manifest_guest(path, dir, &m->guests[i], ig, sp, err) != 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			for (int p = POINT_VNET; p < POINT_N; p++)
				for (int q = POINT_VNET; q < POINT_N; q++)
					if (ig->file[p] && guests->g[k].file[q] &&
					    same_capture(ig->file[p], guests->g[k].file[q]))
						return verr_set(
						    err, VERR_INPUT,
						    "%s: guests %s and %s both name %s as a capture",
						    path, guests->g[k].name, ig->name, ig->file[p]);
		guests->n = (int)i + 1;
	}
	return 0;
}

/* The points of the run manifest read from path in directory dir (rc:
 * manifest_read's result, err_m its error), then its guests, in order: a
 * point refused before the manifest's own objection to a later one is what
 * is said. */
static int manifest_points(struct analysis_opts *o, const char *dir, const char *path,
			   struct manifest *m, int rc, const struct verr *err_m, const char *cmd,
			   struct inputs_guests *guests, struct strpool *sp, struct verr *err)
{
	for (size_t i = 0; i < m->npoints; i++) {
		const struct manifest_point *pt = &m->point[i];
		const char *full = run_path(dir, pt->file, sp);
		if (full == NULL) {
			rc = verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
		if (inputs_add_point(o, pt->name, (unsigned)strlen(pt->name), full, pt->drops,
				     err) != 0) {
			rc = -1;
			goto out;
		}
	}
	if (m->nguests > 0 && manifest_guests(path, dir, m, cmd, guests, sp, err) != 0) {
		rc = -1;
		goto out;
	}
	if (rc != 0)
		verr_set(err, err_m->status, "%s", err_m->msg);
out:
	manifest_free(m);
	return rc;
}

/* Capture names a directory without a manifest is read by: POINT + one of
 * these (gzip'd ones are decompressed as they are read). */
static const char *const CAPTURE_EXT[] = {".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"};
enum { N_CAPTURE_EXT = sizeof CAPTURE_EXT / sizeof CAPTURE_EXT[0] };

static bool has_capture_ext(const char *name)
{
	size_t n = strlen(name);
	for (int k = 0; k < N_CAPTURE_EXT; k++) {
		size_t e = strlen(CAPTURE_EXT[k]);
		if (n > e && strcmp(name + n - e, CAPTURE_EXT[k]) == 0)
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory without manifest.json: its captures named by point (nic.pcap,
 * vnet.pcapng, guest.pcap.gz ...) are taken, and stderr says so.  When the
 * names do not decide (two files for a point, or none named by point), the
 * error gives the POINT=FILE command to use instead. */
static int load_dir_by_name(struct analysis_opts *o, const char *dir_given, const char *cmd,
			    struct strpool *sp, struct verr *err)
{
	char dir[1024]; /* without trailing slashes: the paths printed read plainly */
	snprintf(dir, sizeof dir, "%s", dir_given);
	for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--)
		dir[l - 1] = '\0';
	DIR *d = opendir(dir);
	if (d == NULL)
		return verr_set(err, verr_status_of(errno), "%s: %s", dir, strerror(errno));
	char *names[256];
	int n = 0;
	bool nomem = false;
	for (struct dirent *e; (e = readdir(d)) != NULL && n < 256 && !nomem;)
		if (e->d_name[0] != '.' && has_capture_ext(e->d_name)) {
			if ((names[n] = strdup(e->d_name)) != NULL)
				n++;
			else
				nomem = true;
		}
	closedir(d);
	if (nomem) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		return verr_set(err, VERR_NOMEM, "%s: out of memory", dir);
	}
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	const char *by_point[POINT_N][N_CAPTURE_EXT] = {{NULL}};
	int count[POINT_N] = {0}, npoints = 0, rc = -1;
	for (int i = 0; i < n; i++)
		for (int p = 0; p < POINT_N; p++) {
			const char *pn = point_name((enum point)p);
			size_t l = strlen(pn);
			for (int k = 0; k < N_CAPTURE_EXT; k++)
				if (strncmp(names[i], pn, l) == 0 &&
				    strcmp(names[i] + l, CAPTURE_EXT[k]) == 0)
					by_point[p][count[p]++] = names[i];
		}
	char cmdline[512], ambiguous[256] = "";
	int len = snprintf(cmdline, sizeof cmdline, "vocalc %s", cmd);
	for (int p = 0; p < POINT_N; p++) {
		if (count[p] == 0)
			continue;
		npoints++;
		if (count[p] > 1 && ambiguous[0] == '\0')
			snprintf(ambiguous, sizeof ambiguous, "%s and %s could both be point %s",
				 by_point[p][0], by_point[p][1], point_name((enum point)p));
		if (len < (int)sizeof cmdline)
			len += snprintf(cmdline + len, sizeof cmdline - (size_t)len, " %s=%s/%s",
					point_name((enum point)p), dir, by_point[p][0]);
	}
	if (n == 0) {
		verr_set(err, VERR_INPUT,
			 "%s: no manifest.json and no captures (*.pcap, *.pcapng, with or without .gz)",
			 dir);
	} else if (ambiguous[0]) {
		verr_set(err, VERR_INPUT, "%s: no manifest.json, and %s: say which, e.g. %s", dir,
			 ambiguous, cmdline);
	} else if (npoints == 0) {
		len = snprintf(cmdline, sizeof cmdline, "vocalc %s", cmd);
		for (int i = 0; i < n && i < 4 && len < (int)sizeof cmdline; i++)
			len += snprintf(cmdline + len, sizeof cmdline - (size_t)len, " POINT=%s/%s", dir,
					names[i]);
		verr_set(err, VERR_INPUT,
			 "%s: no manifest.json, and no capture is named by its point (nic, bridge, "
			 "vnet, guest + .pcap or .pcapng, .gz or not): give them as %s (POINT: nic, "
			 "bridge, vnet or guest)",
			 dir, cmdline);
	} else {
		rc = 0;
		for (int p = 0; p < POINT_N && rc == 0; p++) {
			if (count[p] == 0)
				continue;
			char *full;
			if (asprintf(&full, "%s/%s", dir, by_point[p][0]) < 0) {
				rc = verr_set(err, VERR_NOMEM, "out of memory");
				break;
			}
			pool_add(sp, full);
			rc = inputs_add_point(o, point_name((enum point)p), (unsigned)strlen(point_name((enum point)p)),
				       full, -1, err);
		}
		if (rc == 0)
			fprintf(stderr, "vocalc: %s has no manifest.json: reading the captures named by "
					"point:%s\n",
				dir, cmdline + strlen("vocalc ") + strlen(cmd));
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* RUN_DIR/manifest.json (manifest.h); a directory without one: its
 * captures named by point. */
static int load_manifest(struct analysis_opts *o, const char *dir, const char *cmd,
			 struct inputs_guests *guests, struct strpool *sp, struct verr *err)
{
	char *path;
	if (asprintf(&path, "%s/manifest.json", dir) < 0)
		return verr_set(err, VERR_NOMEM, "out of memory");
	pool_add(sp, path);
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return load_dir_by_name(o, dir, cmd, sp, err);
	struct manifest m;
	struct verr err_m = {0};
	int rc = manifest_read(path, &m, &err_m);
	return manifest_points(o, dir, path, &m, rc, &err_m, cmd, guests, sp, err);
}

int inputs_manifest_parse(struct analysis_opts *o, const char *dir, const char *path,
			  const char *text, size_t len, struct inputs_guests *guests,
			  struct strpool *sp, struct verr *err)
{
	struct manifest m;
	struct verr err_m = {0};
	if (guests)
		guests->n = 0;
	int rc = manifest_parse(path, text, len, &m, &err_m);
	return manifest_points(o, dir, path, &m, rc, &err_m, "analyze", guests, sp, err);
}

/* The inputs after the options: POINT=FILE, run directories, and (when
 * bare_point is not NULL) bare FILEs taken as captured at bare_point. */
int inputs_add(struct analysis_opts *o, int first, int argc, char **argv,
	       const char *bare_point, const char *cmd, struct inputs_guests *guests,
	       struct strpool *sp, struct verr *err)
{
	if (guests)
		guests->n = 0;
	for (int i = first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		struct stat st;
		if (eq == NULL && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (load_manifest(o, argv[i], cmd, guests, sp, err) != 0)
				return -1;
		} else if (eq == NULL && bare_point) {
			if (inputs_add_point(o, bare_point, (unsigned)strlen(bare_point), argv[i], -1, err) != 0)
				return -1;
		} else if (eq == NULL) {
			return verr_set(err, VERR_INPUT,
					"%s: expected POINT=FILE (e.g. guest=%s) or a run directory",
					reader_display_name(argv[i]), argv[i]);
		} else if (inputs_add_point(o, argv[i], (unsigned)(eq - argv[i]), eq + 1, -1, err) != 0) {
			return -1;
		}
	}
	for (int p = POINT_VNET; guests && guests->n > 0 && p < POINT_N; p++)
		if (o->file[p])
			return verr_set(err, VERR_INPUT,
					"%s=%s: %s is a run of several guests, each with its own vnet "
					"and guest: give no %s= beside it",
					point_name((enum point)p), o->file[p], guests->manifest,
					point_name((enum point)p));
	return 0;
}

void strpool_free(struct strpool *sp)
{
	for (int i = 0; i < sp->n; i++)
		free(sp->s[i]);
	sp->n = 0;
}

void inputs_guest_opts(const struct analysis_opts *base, const struct inputs_guest *g,
		       struct analysis_opts *o)
{
	*o = *base;
	for (int p = POINT_VNET; p < POINT_N; p++) {
		o->file[p] = g->file[p];
		o->drops[p] = g->drops[p];
	}
	o->guest_ips = g->ips;
	o->guest_only = true;
}
