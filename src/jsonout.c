/* jsonout — the JSON pieces the printers share. */
#include "jsonout.h"

#include <math.h>

#include "version.h"

json_t *jsonout_document(void)
{
	return json_pack("{s:i, s:s, s:s}", "schema", 1, "tool", "vocalc", "version",
			 vocalc_version);
}

json_t *jsonout_num_or_null(bool ok, double v) { return ok ? json_real(v) : json_null(); }

json_t *jsonout_real_or_null(double x) { return jsonout_num_or_null(!isnan(x), x); }

json_t *jsonout_count_or_null(int64_t n) { return n >= 0 ? json_integer(n) : json_null(); }

json_t *jsonout_dist(const struct dist *d)
{
	bool ok = d->n > 0;
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "n", (json_int_t)d->n,
			      "min", jsonout_num_or_null(ok, d->min), "p50",
			      jsonout_num_or_null(ok, d->p50), "p90", jsonout_num_or_null(ok, d->p90),
			      "p99", jsonout_num_or_null(ok, d->p99), "max",
			      jsonout_num_or_null(ok, d->max), "mean", jsonout_num_or_null(ok, d->mean),
			      "sd", jsonout_num_or_null(ok, d->sd));
	if (o && ok && d->sketch_rel > 0) {
		/* p50, p90, p99 from a sketch (stats.h): their bound, relative
		 * and absolute; the other figures are exact */
		json_object_set_new(o, "sketch_rel_error", json_real(d->sketch_rel));
		json_object_set_new(o, "sketch_abs_error", json_real(d->sketch_abs));
	}
	return o;
}

int jsonout_dump(const json_t *root, FILE *out)
{
	/* the newline even after a failed dump: a full disk is seen (and its
	 * errno left) by the caller's flush, which still has octets to write */
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	fputc('\n', out);
	return rc == 0 ? 0 : -1;
}
