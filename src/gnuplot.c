/* gnuplot — see gnuplot.h. */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool gnuplot_has_data(const struct figure *f)
{
	for (int i = 0; i < f->nseries; i++)
		if (!fig_series_empty(&f->s[i]))
			return true;
	return false;
}

/* s as a gnuplot single-quoted string (no escapes inside; '' is one '). */
static void put_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', out);
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
	}
	fputc('\'', out);
}

/* A comment's text: control characters (a line break would end the
 * comment and make the rest a command) as spaces. */
static void put_comment(FILE *out, const char *s)
{
	for (; *s; s++) /* a backslash at the end would continue the comment */
		fputc((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\' ? ' ' : *s, out);
}

static int write_data(FILE *out, const struct figure *f)
{
	const char *const head[][2] = {{"# vocalc: ", f->title}, {"# figure: ", f->name},
				       {"# x: ", f->xlabel}, {"# y: ", f->ylabel}};
	for (int i = 0; i < 4; i++) {
		fputs(head[i][0], out);
		put_comment(out, head[i][1]);
		fputc('\n', out);
	}
	int block = 0;
	for (int i = 0; i < f->nseries; i++) {
		const struct fig_series *s = &f->s[i];
		if (fig_series_empty(s))
			continue;
		fprintf(out, "%s# index %d: ", block ? "\n\n" : "", block);
		put_comment(out, s->label);
		fputc('\n', out);
		for (size_t k = 0; k < s->n; k++) {
			if (isnan(s->x[k])) { /* a break: gnuplot's blank line */
				fputc('\n', out);
				continue;
			}
			if (s->y2)
				fprintf(out, "%.9g %.9g %.9g\n", s->x[k], s->y[k], s->y2[k]);
			else
				fprintf(out, "%.9g %.9g\n", s->x[k], s->y[k]);
		}
		block++;
	}
	return ferror(out) ? -1 : 0;
}

static const char *STYLE[] = {
    [FIG_LINES] = "with lines lw 2",
    [FIG_POINTS] = "with points pt 7 ps 0.35",
    [FIG_STEPS] = "with steps lw 1.5",
    [FIG_BAND] = "with filledcurves fs transparent solid 0.18 noborder",
    [FIG_DASHED] = "with linespoints lw 1.5 dt 2 pt 6 ps 0.6",
    [FIG_LINESPOINTS] = "with linespoints lw 2 pt 7 ps 0.6",
};

static int write_script(FILE *out, const struct figure *f, const char *dat, const char *svg,
			const char *name)
{
	fprintf(out, "# vocalc figure %s: ", f->name);
	put_comment(out, f->title);
	fprintf(out, "\n# Draw it with: gnuplot %s.gp (any directory); the data: ", f->name);
	put_comment(out, dat);
	fputc('\n', out);
	fputs("set terminal svg size 800,460 dynamic noenhanced font 'DejaVu Sans,12' name ", out);
	put_quoted(out, name);
	fputs("\nset output ", out);
	put_quoted(out, svg);
	fputs("\nset encoding utf8\nset title ", out);
	put_quoted(out, f->title);
	fputs("\nset xlabel ", out);
	put_quoted(out, f->xlabel);
	fputs("\nset ylabel ", out);
	put_quoted(out, f->ylabel);
	fputs("\nset grid\nset key outside below\n", out);
	if (f->logx)
		fputs("set logscale x\nset format x '%g'\n", out);
	if (f->symlogx) {
		/* a symmetric logarithm: negative values as far left as positive
		 * ones of the same magnitude right, 0 in the middle */
		fputs("set nonlinear x via sgn(x)*log10(1+abs(x)) inverse sgn(x)*(10**abs(x)-1)\n"
		      "set xtics (", out);
		int lo = f->xlo < -1 ? (int)ceil(log10(-f->xlo)) : 0;
		int hi = f->xhi > 1 ? (int)ceil(log10(f->xhi)) : 0;
		bool first = true;
		for (int k = lo; k >= 1; k--, first = false)
			fprintf(out, "%s'-%g' %g", first ? "" : ", ", pow(10, k), -pow(10, k));
		fprintf(out, "%s'0' 0", first ? "" : ", ");
		for (int k = 1; k <= hi; k++)
			fprintf(out, ", '%g' %g", pow(10, k), pow(10, k));
		fputs(")\n", out);
	}
	if (f->yfix)
		fprintf(out, "set yrange [%.9g:%.9g]\n", f->ylo, f->yhi);
	fputs("plot ", out);
	int block = 0;
	for (int i = 0; i < f->nseries; i++) {
		const struct fig_series *s = &f->s[i];
		if (fig_series_empty(s))
			continue;
		if (block)
			fputs(", \\\n     ", out);
		put_quoted(out, block ? "" : dat);
		fprintf(out, " index %d using 1:2%s %s", block, s->y2 ? ":3" : "", STYLE[s->style]);
		if (s->color)
			fprintf(out, " lc rgb '%s'", s->color);
		if (s->dash > 1 && s->style != FIG_DASHED)
			fprintf(out, " dt %d", s->dash);
		if (s->notitle) {
			fputs(" notitle", out);
		} else {
			fputs(" title ", out);
			put_quoted(out, s->label);
		}
		block++;
	}
	fputs("\n", out);
	return ferror(out) ? -1 : 0;
}

static int write_file(const char *path, const struct figure *f, const char *dat, const char *svg,
		      const char *name, bool script, struct verr *err)
{
	FILE *out = fopen(path, "w");
	if (out == NULL)
		return verr_set(err, verr_status_of(errno), "%s: %s", path, strerror(errno));
	errno = 0;
	int rc = script ? write_script(out, f, dat, svg, name) : write_data(out, f);
	int e = errno;
	if (fclose(out) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0)
		return verr_set(err, VERR_INPUT, "writing %s failed: %s", path, strerror(e ? e : EIO));
	return 0;
}

int gnuplot_write(const struct figure *f, const char *dir, struct verr *err)
{
	if (!gnuplot_has_data(f))
		return 0;
	char abs[PATH_MAX];
	if (realpath(dir, abs) == NULL)
		return verr_set(err, verr_status_of(errno), "%s: %s", dir, strerror(errno));
	char dat[PATH_MAX + 64], gp[PATH_MAX + 64], svg[PATH_MAX + 64];
	snprintf(dat, sizeof dat, "%s/%s.dat", abs, f->name);
	snprintf(gp, sizeof gp, "%s/%s.gp", abs, f->name);
	snprintf(svg, sizeof svg, "%s/%s.svg", abs, f->name);
	if (write_file(dat, f, dat, svg, f->name, false, err) != 0)
		return -1;
	if (write_file(gp, f, dat, svg, f->name, true, err) != 0) {
		unlink(dat); /* no data without its script */
		return -1;
	}
	return 0;
}

const char *gnuplot_program(const char **why)
{
	static char found[PATH_MAX];
	const char *env = getenv("VOCALC_GNUPLOT");
	if (env && *env) {
		if (access(env, X_OK) == 0)
			return env;
		*why = "VOCALC_GNUPLOT names no program that can run";
		return NULL;
	}
	const char *path = getenv("PATH");
	if (path == NULL || *path == 0)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && n + sizeof "/gnuplot" < sizeof found) {
			memcpy(found, path, n);
			strcpy(found + n, "/gnuplot");
			struct stat st;
			if (stat(found, &st) == 0 && S_ISREG(st.st_mode) && access(found, X_OK) == 0)
				return found;
		}
		path += n + (path[n] == ':');
	}
	*why = "gnuplot is not installed (apt-get install gnuplot-nox, or make deps)";
	return NULL;
}

/* The whole of a file (NUL-terminated); NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (cap - n < 4097) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* in with every id='X' / id="X" and reference #X (href, url()) of the defs
 * and the canvas prefixed by prefix; the plot groups' ids are the
 * terminal's name already.  From the <svg element on; NULL on no memory. */
static char *prefix_ids(const char *in, const char *prefix, size_t *len)
{
	const char *start = strstr(in, "<svg");
	if (start == NULL)
		return NULL;
	size_t plen = strlen(prefix), n = strlen(start), extra = 0;
	static const char *const pat[] = {"id='", "href='#", "url(#", "id=\"gnuplot_canvas"};
	for (const char *p = start; *p; p++)
		for (int k = 0; k < 4; k++)
			if (strncmp(p, pat[k], strlen(pat[k])) == 0)
				extra += plen + 1;
	char *out = malloc(n + extra + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (const char *p = start; *p;) {
		int hit = -1;
		for (int k = 0; k < 4 && hit < 0; k++)
			if (strncmp(p, pat[k], strlen(pat[k])) == 0)
				hit = k;
		if (hit < 0) {
			*o++ = *p++;
			continue;
		}
		size_t l = hit == 3 ? strlen("id=\"") : strlen(pat[hit]);
		memcpy(o, p, l);
		o += l;
		p += l;
		memcpy(o, prefix, plen);
		o += plen;
		*o++ = '_';
	}
	*o = 0;
	*len = (size_t)(o - out);
	return out;
}

/* The timeout, s: VOCALC_GNUPLOT_TIMEOUT when it is a number in (0, 1e6],
 * else GNUPLOT_TIMEOUT_S. */
static double timeout_s(void)
{
	const char *tv = getenv("VOCALC_GNUPLOT_TIMEOUT");
	char *end;
	double t = tv ? strtod(tv, &end) : 0;
	return tv && end != tv && *end == 0 && t > 0 && t <= 1e6 ? t : GNUPLOT_TIMEOUT_S;
}

int gnuplot_svg(const struct figure *f, const char *id_prefix, char **svg, size_t *len,
		bool *hung, struct verr *err)
{
	if (*hung)
		return verr_set(err, VERR_INPUT,
				"not drawn: gnuplot did not finish an earlier figure in time");
	const char *why = NULL, *prog = gnuplot_program(&why);
	if (prog == NULL)
		return verr_set(err, VERR_INPUT, "%s", why);
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/vocalc-plot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return verr_set(err, verr_status_of(errno), "%s: %s", dir, strerror(errno));
	char name[96];
	snprintf(name, sizeof name, "%s%s", id_prefix, f->name);
	char dat[PATH_MAX + 32], gp[PATH_MAX + 32], out[PATH_MAX + 32], log[PATH_MAX + 32];
	snprintf(dat, sizeof dat, "%s/%s.dat", dir, f->name);
	snprintf(gp, sizeof gp, "%s/%s.gp", dir, f->name);
	snprintf(out, sizeof out, "%s/%s.svg", dir, f->name);
	snprintf(log, sizeof log, "%s/gnuplot.log", dir);
	int rc = -1;
	if (write_file(dat, f, dat, out, name, false, err) != 0 ||
	    write_file(gp, f, dat, out, name, true, err) != 0)
		goto done;
	pid_t pid = fork();
	if (pid < 0) {
		verr_set(err, verr_status_of(errno), "cannot run gnuplot: %s", strerror(errno));
		goto done;
	}
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a timeout kills whatever it started too */
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* and vocalc's death, gnuplot */
		int in = open("/dev/null", O_RDONLY), lg = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || lg < 0 || dup2(in, 0) < 0 || dup2(lg, 1) < 0 || dup2(lg, 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0); /* none of vocalc's files (the page) */
		execl(prog, "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	/* gnuplot draws a figure in well under a second: one that has not
	 * finished by the timeout never will (a wrong VOCALC_GNUPLOT, a
	 * program waiting on something) and is killed */
	int status = 0;
	bool killed = false;
	double timeout_ms = timeout_s() * 1000;
	for (double waited_ms = 0;; waited_ms += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (!killed && waited_ms >= timeout_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = *hung = true;
		}
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
	size_t raw_len = 0;
	char *raw = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? slurp(out, &raw_len) : NULL;
	if (raw == NULL || strstr(raw, "<svg") == NULL) {
		size_t ll = 0;
		char *msg = slurp(log, &ll);
		char *first = msg;
		while (first && (*first == '\n' || *first == ' '))
			first++;
		if (first)
			first[strcspn(first, "\n")] = 0;
		verr_set(err, VERR_INPUT, "gnuplot (%s) failed to draw %s: %s", prog, f->name,
			 killed ? "it had not finished after the timeout (VOCALC_GNUPLOT_TIMEOUT s), "
				  "killed"
			 : first && *first   ? first
			 : WIFEXITED(status) ? "no SVG came out"
					     : "it was killed");
		free(msg);
		free(raw);
		goto done;
	}
	*svg = prefix_ids(raw, name, len);
	free(raw);
	if (*svg == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto done;
	}
	rc = 0;
done:
	unlink(dat);
	unlink(gp);
	unlink(out);
	unlink(log);
	rmdir(dir);
	return rc;
}
