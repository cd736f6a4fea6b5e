/* manifest — see manifest.h. */
#include "manifest.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Points as the manifest's "points" array (a point that failed left out). */
static json_t *points_json(const struct manifest_point *pt, size_t n)
{
	json_t *pts = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct manifest_point *p = &pt[i];
		json_array_append_new(
		    pts, json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:b}", "name", p->name, "file",
				   p->file, "interface", p->interface, "host", p->host, "drops",
				   p->drops >= 0 ? json_integer(p->drops) : json_null(), "octets",
				   (json_int_t)p->octets, "complete", p->complete));
	}
	return pts;
}

/* The "guests" array (a guest that failed left out). */
static json_t *guests_json(const struct manifest *m)
{
	json_t *gs = json_array();
	for (size_t i = 0; i < m->nguests; i++) {
		const struct manifest_guest *g = &m->guests[i];
		assert(g->npoints <= MANIFEST_GUEST_POINTS && g->naddresses <= MANIFEST_MAX_ADDRS);
		json_t *addr = json_array();
		for (size_t k = 0; k < g->naddresses; k++)
			json_array_append_new(addr, json_string(g->address[k]));
		json_array_append_new(gs, json_pack("{s:s, s:b, s:o, s:o}", "name", g->name, "login",
						    g->login, "addresses", addr, "points",
						    points_json(g->point, g->npoints)));
	}
	return gs;
}

int manifest_write(const char *dir, const struct manifest *m, struct verr *err)
{
	/* jansson's packers fail (NULL) on a NULL string or when memory runs
	 * out; a point that failed is left out, a document that failed is not
	 * written (main says when jansson ran out of memory) */
	assert(m->npoints <= MANIFEST_MAX_POINTS && m->nguests <= MANIFEST_MAX_GUESTS);
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o}", "schema", m->schema, "tool", m->tool,
				"version", m->version, "points", points_json(m->point, m->npoints));
	if (doc && m->nguests > 0 && json_object_set_new(doc, "guests", guests_json(m)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	json_t *rest = json_pack("{s:{s:s, s:s?}, s:f, s:f, s:s, s:i, s:s?}", "hosts", "host",
				 m->host, "guest", m->guest, "start", m->start, "stop", m->stop,
				 "command_line", m->command_line, "snaplen", m->snaplen, "filter",
				 m->filter);
	/* the keys in the order above: jansson's packer keeps its own */
	static const char *const REST[] = {"hosts", "start", "stop", "command_line", "snaplen",
					   "filter"};
	for (size_t k = 0; doc && k < sizeof REST / sizeof REST[0]; k++)
		if (rest == NULL || json_object_set(doc, REST[k], json_object_get(rest, REST[k])) != 0) {
			json_decref(doc);
			doc = NULL;
		}
	json_decref(rest);
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

/* Point i of a "points" array into *p; where: "" or "guest NAME: ",
 * before the point in messages. */
static int point_from_json(const char *path, const char *where, size_t i, json_t *pt,
			   struct manifest_point *p, struct verr *err)
{
	p->name = string_at(pt, "name");
	p->file = string_at(pt, "file");
	if (!p->name || !p->file)
		return verr_set(err, VERR_INPUT, "%s: %spoint %zu lacks \"name\" or \"file\"", path,
				where, i);
	/* the kernel's drop count, or null (unknown): a negative figure
	 * would pass as "unknown" unseen */
	json_t *dr = json_object_get(pt, "drops");
	if (dr && !json_is_null(dr) && !(json_is_integer(dr) && json_integer_value(dr) >= 0))
		return verr_set(err, VERR_INPUT,
				"%s: %spoint %zu: \"drops\" is not a count of packets or null", path,
				where, i);
	p->drops = json_is_integer(dr) ? json_integer_value(dr) : -1;
	p->interface = string_at(pt, "interface");
	p->host = string_at(pt, "host");
	p->octets = (uint64_t)count_at(pt, "octets");
	p->complete = json_is_true(json_object_get(pt, "complete"));
	return 0;
}

/* A "points" array (not empty unless may_be_empty) into pt[max], *n the
 * points read well. */
static int points_from_json(const char *path, const char *where, json_t *points,
			    bool may_be_empty, struct manifest_point *pt, size_t max, size_t *n,
			    struct verr *err)
{
	*n = 0;
	if (!json_is_array(points) || (json_array_size(points) == 0 && !may_be_empty))
		return verr_set(err, VERR_INPUT, "%s: %sno \"points\" array", path, where);
	size_t i;
	json_t *x;
	json_array_foreach(points, i, x)
	{
		if (i == max)
			return verr_set(err, VERR_INPUT, "%s: %smore than %zu points", path, where, max);
		if (point_from_json(path, where, i, x, &pt[i], err) != 0)
			return -1;
		*n = i + 1;
	}
	return 0;
}

/* Guest i of "guests" into *g (the guests before it in m, for their names). */
static int guest_from_json(const char *path, size_t i, json_t *x, const struct manifest *m,
			   struct manifest_guest *g, struct verr *err)
{
	g->name = string_at(x, "name");
	if (g->name == NULL || g->name[0] == '\0')
		return verr_set(err, VERR_INPUT, "%s: guest %zu lacks \"name\"", path, i);
	for (size_t k = 0; k < i; k++)
		if (strcmp(m->guests[k].name, g->name) == 0)
			return verr_set(err, VERR_INPUT, "%s: guests %zu and %zu are both named '%s'",
					path, k, i, g->name);
	char where[128];
	snprintf(where, sizeof where, "guest %.100s: ", g->name);
	json_t *login = json_object_get(x, "login");
	if (login && !json_is_boolean(login))
		return verr_set(err, VERR_INPUT, "%s: %s\"login\" is not true or false", path, where);
	json_t *addr = json_object_get(x, "addresses");
	if (addr && (!json_is_array(addr) || json_array_size(addr) > MANIFEST_MAX_ADDRS))
		return verr_set(err, VERR_INPUT,
				"%s: %s\"addresses\" is not an array of at most %d addresses", path,
				where, MANIFEST_MAX_ADDRS);
	size_t k;
	json_t *a;
	json_array_foreach(addr, k, a)
	{
		if (!json_is_string(a))
			return verr_set(err, VERR_INPUT, "%s: %saddress %zu is not a string", path,
					where, k);
		g->address[g->naddresses++] = json_string_value(a);
	}
	if (points_from_json(path, where, json_object_get(x, "points"), false, g->point,
			     MANIFEST_GUEST_POINTS, &g->npoints, err) != 0)
		return -1;
	g->login = login ? json_is_true(login) : false;
	for (size_t p = 0; !login && p < g->npoints; p++)
		g->login = g->login || strcmp(g->point[p].name, "guest") == 0;
	return 0;
}

/* "guests", when the document has it: into m->guests. */
static int guests_from_json(const char *path, json_t *root, struct manifest *m,
			    struct verr *err)
{
	json_t *guests = json_object_get(root, "guests");
	if (guests == NULL)
		return 0;
	if (!json_is_array(guests) || json_array_size(guests) == 0)
		return verr_set(err, VERR_INPUT, "%s: \"guests\" is not an array of guests", path);
	size_t i;
	json_t *x;
	json_array_foreach(guests, i, x)
	{
		if (i == MANIFEST_MAX_GUESTS)
			return verr_set(err, VERR_INPUT, "%s: more than %d guests", path,
					MANIFEST_MAX_GUESTS);
		if (guest_from_json(path, i, x, m, &m->guests[i], err) != 0)
			return -1;
		m->nguests = i + 1;
	}
	return 0;
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
	bool guests = json_object_get(root, "guests") != NULL;
	if (points_from_json(path, "", json_object_get(root, "points"), guests, m->point,
			     MANIFEST_MAX_POINTS, &m->npoints, err) != 0)
		return -1;
	return guests_from_json(path, root, m, err);
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
