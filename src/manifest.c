/* manifest — see manifest.h. */
#include "manifest.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int manifest_write(const char *dir, const struct manifest *m, struct verr *err)
{
	/* jansson's packers fail (NULL) on a NULL string or when memory runs
	 * out; a point that failed is left out, a document that failed is not
	 * written (main says when jansson ran out of memory) */
	assert(m->npoints <= MANIFEST_MAX_POINTS);
	json_t *pts = json_array();
	for (size_t i = 0; i < m->npoints; i++) {
		const struct manifest_point *p = &m->point[i];
		json_array_append_new(
		    pts, json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:b}", "name", p->name, "file",
				   p->file, "interface", p->interface, "host", p->host, "drops",
				   p->drops >= 0 ? json_integer(p->drops) : json_null(), "octets",
				   (json_int_t)p->octets, "complete", p->complete));
	}
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:{s:s, s:s}, s:f, s:f, s:s, s:i, s:s?}",
				"schema", m->schema, "tool", m->tool, "version", m->version,
				"points", pts, "hosts", "host", m->host, "guest", m->guest, "start",
				m->start, "stop", m->stop, "command_line", m->command_line,
				"snaplen", m->snaplen, "filter", m->filter);
	char path[1100], tmp[1110];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int rc = doc ? json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
	int e = errno;
	json_decref(doc);
	if (rc == 0 && rename(tmp, path) != 0) {
		e = errno;
		rc = -1;
	}
	if (rc != 0) {
		unlink(tmp);
		return verr_set(err, VERR_REMOTE, "%s: cannot write the manifest: %s", path,
				strerror(e));
	}
	return 0;
}

/* jansson's reason a manifest could not be read: its text, or that memory
 * ran out.  jansson 2.14 says so by its error code only sometimes: its
 * lexer reports a string it could not allocate as a syntax error ("invalid
 * token"), so a syntax error is checked against a small allocation of our
 * own (tests/cases/nomem.sh). */
static int manifest_error(const char *path, const json_error_t *je, struct verr *err)
{
	void *probe = malloc(4096);
	bool nomem = json_error_code(je) == json_error_out_of_memory || probe == NULL;
	free(probe);
	if (nomem)
		return verr_set(err, VERR_NOMEM, "%s: out of memory reading the run manifest", path);
	return verr_set(err, VERR_INPUT, "%s: cannot read run manifest: %s (line %d)", path,
			je->text, je->line);
}

static const char *string_at(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A count of the document, or 0 if absent or no count. */
static json_int_t count_at(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : 0;
}

/* The contents of the document root, which m takes over. */
static int manifest_from_json(const char *path, json_t *root, struct manifest *m,
			      struct verr *err)
{
	memset(m, 0, sizeof *m);
	m->doc = root;
	m->schema = (int)count_at(root, "schema");
	m->tool = string_at(root, "tool");
	m->version = string_at(root, "version");
	json_t *hosts = json_object_get(root, "hosts");
	m->host = string_at(hosts, "host");
	m->guest = string_at(hosts, "guest");
	m->start = json_number_value(json_object_get(root, "start"));
	m->stop = json_number_value(json_object_get(root, "stop"));
	m->command_line = string_at(root, "command_line");
	m->snaplen = (int)count_at(root, "snaplen");
	m->filter = string_at(root, "filter");
	json_t *points = json_object_get(root, "points");
	if (!json_is_array(points) || json_array_size(points) == 0)
		return verr_set(err, VERR_INPUT, "%s: no \"points\" array", path);
	size_t i;
	json_t *pt;
	json_array_foreach(points, i, pt)
	{
		if (i == MANIFEST_MAX_POINTS)
			return verr_set(err, VERR_INPUT, "%s: more than %d points", path,
					MANIFEST_MAX_POINTS);
		struct manifest_point *p = &m->point[i];
		p->name = string_at(pt, "name");
		p->file = string_at(pt, "file");
		if (!p->name || !p->file)
			return verr_set(err, VERR_INPUT, "%s: point %zu lacks \"name\" or \"file\"",
					path, i);
		/* the kernel's drop count, or null (unknown): a negative figure
		 * would pass as "unknown" unseen */
		json_t *dr = json_object_get(pt, "drops");
		if (dr && !json_is_null(dr) && !(json_is_integer(dr) && json_integer_value(dr) >= 0))
			return verr_set(err, VERR_INPUT,
					"%s: point %zu: \"drops\" is not a count of packets or null",
					path, i);
		p->drops = json_is_integer(dr) ? json_integer_value(dr) : -1;
		p->interface = string_at(pt, "interface");
		p->host = string_at(pt, "host");
		p->octets = (uint64_t)count_at(pt, "octets");
		p->complete = json_is_true(json_object_get(pt, "complete"));
		m->npoints = i + 1;
	}
	return 0;
}

int manifest_read(const char *path, struct manifest *m, struct verr *err)
{
	memset(m, 0, sizeof *m);
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (root == NULL && je.line < 1)
		return verr_set(err, verr_status_of(errno), "%s: cannot read run manifest: %s", path,
				strerror(errno));
	if (root == NULL)
		return manifest_error(path, &je, err);
	return manifest_from_json(path, root, m, err);
}

int manifest_parse(const char *path, const char *text, size_t len, struct manifest *m,
		   struct verr *err)
{
	memset(m, 0, sizeof *m);
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	if (root == NULL)
		return manifest_error(path, &je, err);
	return manifest_from_json(path, root, m, err);
}

void manifest_free(struct manifest *m)
{
	json_decref(m->doc);
	memset(m, 0, sizeof *m);
}
