/* ssh — see ssh.h. */
#include "ssh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libssh2.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ssh_conn {
	int sock;
	LIBSSH2_SESSION *s;
	char name[400];
	bool lost;
	time_t next_keepalive;
	double last_rx; /* monotonic s: the last octet read on any stream */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ssh_stream {
	struct ssh_conn *c;
	LIBSSH2_CHANNEL *ch;
	char err[8192];
	size_t nerr;
	bool eof;
	int exit;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static void lib_init(void) { init_rc = libssh2_init(0); }

const char *sh_quote(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap < 3)
		return NULL;
	buf[n++] = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			if (n + 4 >= cap)
				return NULL;
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			if (n + 1 >= cap)
				return NULL;
			buf[n++] = *s;
		}
	}
	if (n + 2 > cap)
		return NULL;
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

static const char *home(void)
{
	const char *h = getenv("HOME");
	return h && *h ? h : "/root";
}

static void expand_tilde(const char *in, char *out, size_t cap)
{
	if (in[0] == '~' && in[1] == '/')
		snprintf(out, cap, "%s%s", home(), in + 1);
	else
		snprintf(out, cap, "%s", in);
}

/* A user or host name vocalc can pass on: one word of printable octets.  It
 * goes into known_hosts lines, remote command lines and messages, where a
 * space or a newline would make another field or another line. */
static bool is_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* A host name or address: letters, digits, '.', '-', '_' (DNS), ':' and
 * '%' (IPv6 and its zone).  Nothing that means something in a known_hosts
 * line (',' separates names there, '[' ']' a port, '*' '?' '!' patterns,
 * '|' a hashed name, '#' a comment). */
static bool is_hostname(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_:%", *s))
			return false;
	return true;
}

/* ~/.ssh/config: the first value of each keyword among the Host blocks
 * whose patterns match the name given.  A value vocalc would use that is
 * not one (a port out of range, a name with spaces) is an error naming the
 * file and line, as OpenSSH's own reading of it is; a missing file is none. */
static int read_config(const char *path, struct ssh_target *t, bool have_user, bool have_port,
		       struct verr *err)
{
	char p[512];
	expand_tilde(path, p, sizeof p);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		return 0;
	char line[1024];
	bool match = true, got_name = false, rest_of_line = false;
	int rc = 0, lineno = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		/* a line longer than the buffer: its rest is not a line of its own */
		bool cont = rest_of_line;
		rest_of_line = strchr(line, '\n') == NULL && !feof(f);
		if (cont)
			continue;
		lineno++;
		char *k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (*k == '#' || *k == '\n' || *k == '\r' || *k == '\0')
			continue;
		char *v = k + strcspn(k, " \t=");
		if (*v == '\0')
			continue;
		*v++ = '\0';
		v += strspn(v, " \t=");
		v[strcspn(v, "\r\n")] = '\0';
		if (strcasecmp(k, "Host") == 0) {
			match = false;
			for (char *save = NULL, *pat = strtok_r(v, " \t", &save); pat;
			     pat = strtok_r(NULL, " \t", &save)) {
				bool neg = pat[0] == '!';
				if (fnmatch(pat + neg, t->host, 0) == 0) {
					if (neg) {
						match = false;
						break;
					}
					match = true;
				}
			}
			continue;
		}
		if (strcasecmp(k, "Match") == 0) {
			match = false; /* not supported: its block is skipped */
			continue;
		}
		if (!match)
			continue;
		if (strcasecmp(k, "HostName") == 0 && !got_name) {
			if (!is_hostname(v) || strlen(v) >= sizeof t->hostname)
				rc = verr_set(err, VERR_INPUT, "%s line %d: HostName '%.80s' is not a host name",
					      p, lineno, v);
			snprintf(t->hostname, sizeof t->hostname, "%s", v);
			got_name = true;
		} else if (strcasecmp(k, "User") == 0 && !have_user) {
			if (!is_word(v) || strlen(v) >= sizeof t->user)
				rc = verr_set(err, VERR_INPUT, "%s line %d: User '%.80s' is not a user name",
					      p, lineno, v);
			snprintf(t->user, sizeof t->user, "%s", v);
			have_user = true;
		} else if (strcasecmp(k, "Port") == 0 && !have_port) {
			char *end;
			long port = strtol(v, &end, 10);
			if (end == v || *end != '\0' || port < 1 || port > 65535)
				rc = verr_set(err, VERR_INPUT, "%s line %d: Port '%.80s' is not a port (1 to 65535)",
					      p, lineno, v);
			t->port = (int)port;
			have_port = true;
		} else if (strcasecmp(k, "IdentityFile") == 0 && t->nidentity < 4) {
			expand_tilde(v, t->identity[t->nidentity], sizeof t->identity[0]);
			t->nidentity++;
		}
	}
	fclose(f);
	return rc;
}

int ssh_target_parse(const char *spec, const struct ssh_opts *o, struct ssh_target *t,
		     struct verr *err)
{
	memset(t, 0, sizeof *t);
	const char *at = strrchr(spec, '@'), *h = at ? at + 1 : spec;
	bool have_user = false, have_port = false;
	if (at) {
		if ((size_t)(at - spec) >= sizeof t->user || at == spec)
			return verr_set(err, VERR_INPUT, "%s: bad user name", spec);
		memcpy(t->user, spec, (size_t)(at - spec));
		if (!is_word(t->user))
			return verr_set(err, VERR_INPUT, "%s: bad user name", spec);
		have_user = true;
	}
	const char *port = NULL;
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (close == NULL || close == h + 1 || (size_t)(close - h - 1) >= sizeof t->host ||
		    (close[1] != '\0' && close[1] != ':'))
			return verr_set(err, VERR_INPUT, "%s: bad host", spec);
		memcpy(t->host, h + 1, (size_t)(close - h - 1));
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(h, ':');
		size_t n = colon && !strchr(colon + 1, ':') ? (size_t)(colon - h) : strlen(h);
		if (n == 0 || n >= sizeof t->host)
			return verr_set(err, VERR_INPUT, "%s: bad host", spec);
		memcpy(t->host, h, n);
		if (n < strlen(h))
			port = h + n + 1;
	}
	if (!is_hostname(t->host))
		return verr_set(err, VERR_INPUT, "%s: bad host", spec);
	t->port = 22;
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (end == port || *end || p < 1 || p > 65535)
			return verr_set(err, VERR_INPUT, "%s: bad port '%s'", spec, port);
		t->port = (int)p;
		have_port = true;
	}
	if (read_config(o->config ? o->config : "~/.ssh/config", t, have_user, have_port, err) != 0)
		return -1;
	if (t->hostname[0] == '\0')
		snprintf(t->hostname, sizeof t->hostname, "%s", t->host);
	if (t->user[0] == '\0') {
		const char *u = getenv("USER");
		snprintf(t->user, sizeof t->user, "%s", u && is_word(u) ? u : "root");
	}
	return 0;
}

/* A TCP connection within the timeout, to any of the host's addresses. */
static int tcp_connect(const struct ssh_target *t, int timeout_s, char *why, size_t cap)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	char port[16];
	snprintf(port, sizeof port, "%d", t->port);
	int rc = getaddrinfo(t->hostname, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, cap, "cannot resolve %s: %s", t->hostname, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	snprintf(why, cap, "no address");
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			struct pollfd p = {fd, POLLOUT, 0};
			int n = poll(&p, 1, timeout_s * 1000);
			int e = 0;
			socklen_t l = sizeof e;
			if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
				break;
			snprintf(why, cap, "%s", n == 0 ? "connection timed out" : strerror(e ? e : errno));
		} else {
			snprintf(why, cap, "%s", strerror(errno));
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static const char *key_type_name(int t)
{
	switch (t) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
#ifdef LIBSSH2_HOSTKEY_TYPE_ECDSA_256
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
#endif
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
#endif
	default: return "unknown";
	}
}

static int key_type_mask(int t)
{
	switch (t) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
#ifdef LIBSSH2_KNOWNHOST_KEY_ECDSA_256
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
#endif
#ifdef LIBSSH2_KNOWNHOST_KEY_ED25519
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
#endif
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/* "SHA256:base64" as OpenSSH prints it. */
static void fingerprint(LIBSSH2_SESSION *s, char *out, size_t cap)
{
	const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (h == NULL) {
		snprintf(out, cap, "(no fingerprint)");
		return;
	}
	size_t n = (size_t)snprintf(out, cap, "SHA256:");
	for (int i = 0; i < 32 && n + 5 < cap; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (i + 1 < 32 ? (uint32_t)h[i + 1] << 8 : 0) |
			     (i + 2 < 32 ? h[i + 2] : 0);
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		if (i + 1 < 32)
			out[n++] = b64[v >> 6 & 63];
		if (i + 2 < 32)
			out[n++] = b64[v & 63];
	}
	out[n] = '\0';
}

/* Appends the one line of entry to the known_hosts file at path, as
 * OpenSSH does (a newline first if the file does not end in one), and
 * leaves every other line as it was: libssh2's writefile would rewrite the
 * whole file from what it parsed, dropping or changing lines it does not
 * understand, and then could not read some back (fuzz_config).  -1 on any
 * failure, the file unchanged or with at most a partial last line. */
static int append_known_host(LIBSSH2_KNOWNHOSTS *kh, struct libssh2_knownhost *entry,
			     const char *path)
{
	char line[4096];
	size_t n = 0;
	if (entry == NULL || libssh2_knownhost_writeline(kh, entry, line, sizeof line - 1, &n,
							 LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0 ||
	    n == 0)
		return -1;
	if (line[n - 1] != '\n')
		line[n++] = '\n';
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = 0;
	off_t end = lseek(fd, 0, SEEK_END);
	char last = '\n';
	if (end > 0 && (pread(fd, &last, 1, end - 1) != 1))
		rc = -1;
	if (rc == 0 && last != '\n' && write(fd, "\n", 1) != 1)
		rc = -1;
	for (size_t off = 0; rc == 0 && off < n;) {
		ssize_t w = write(fd, line + off, n - off);
		if (w <= 0)
			rc = -1;
		else
			off += (size_t)w;
	}
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

int ssh_hostkey_check(struct _LIBSSH2_SESSION *s, const char *name, const char *path,
		      const char *hostname, int port, const char *key, size_t len, int type,
		      const char *fp, bool accept_new, struct verr *err)
{
	/* libssh2 reads a key of length 0 as a C string (its base64 encoder
	 * takes 0 for "strlen"): no key is no key */
	if (key == NULL || len == 0) {
		verr_set(err, VERR_REMOTE, "%s: no host key offered", name);
		return SSH_HOSTKEY_ERROR;
	}
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	if (kh == NULL) {
		verr_set(err, VERR_NOMEM, "%s: out of memory", name);
		return SSH_HOSTKEY_ERROR;
	}
	int rc = SSH_HOSTKEY_ERROR;
	if (access(path, F_OK) == 0 &&
	    libssh2_knownhost_readfile(kh, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
		verr_set(err, VERR_REMOTE, "%s: cannot read known hosts file %s", name, path);
		goto out;
	}
	struct libssh2_knownhost *found = NULL;
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | key_type_mask(type);
	int chk = libssh2_knownhost_checkp(kh, hostname, port, key, len, mask, &found);
	if (chk == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		rc = SSH_HOSTKEY_KNOWN;
	} else if (chk == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
		rc = SSH_HOSTKEY_MISMATCH;
		verr_set(err, VERR_REMOTE,
			 "%s: HOST KEY MISMATCH: the server offers %s key %s, which is not the one "
			 "%s holds for it; refusing (someone may be intercepting the connection)",
			 name, key_type_name(type), fp, path);
	} else if (!accept_new) {
		rc = SSH_HOSTKEY_UNKNOWN;
		verr_set(err, VERR_REMOTE,
			 "%s: unknown host key (%s %s) not in %s; refusing. Check the fingerprint "
			 "and run again with --accept-new to add it",
			 name, key_type_name(type), fp, path);
	} else {
		char entry[300];
		if (port == 22)
			snprintf(entry, sizeof entry, "%s", hostname);
		else
			snprintf(entry, sizeof entry, "[%s]:%d", hostname, port);
		struct libssh2_knownhost *added = NULL;
		if (libssh2_knownhost_addc(kh, entry, NULL, key, len, NULL, 0,
					   LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
					       key_type_mask(type),
					   &added) != 0 ||
		    append_known_host(kh, added, path) != 0) {
			verr_set(err, VERR_REMOTE, "%s: cannot add the host key to %s", name, path);
		} else {
			fprintf(stderr, "vocalc: %s: added host key %s %s to %s\n", name,
				key_type_name(type), fp, path);
			rc = SSH_HOSTKEY_ADDED;
		}
	}
out:
	libssh2_knownhost_free(kh);
	return rc;
}

static int check_host_key(struct ssh_conn *c, const struct ssh_target *t, const struct ssh_opts *o,
			  struct verr *err)
{
	size_t len;
	int type;
	const char *key = libssh2_session_hostkey(c->s, &len, &type);
	char fp[80], path[512];
	fingerprint(c->s, fp, sizeof fp);
	expand_tilde(o->known_hosts ? o->known_hosts : "~/.ssh/known_hosts", path, sizeof path);
	int v = ssh_hostkey_check(c->s, c->name, path, t->hostname, t->port, key, len, type, fp,
				  o->accept_new, err);
	return v == SSH_HOSTKEY_KNOWN || v == SSH_HOSTKEY_ADDED ? 0 : -1;
}

static int authenticate(struct ssh_conn *c, const struct ssh_target *t, const struct ssh_opts *o,
			struct verr *err)
{
	/* keys given first, then the agent, then the config's and the defaults */
	char tried[1024] = "";
	for (int i = 0; i < o->nidentity; i++) {
		if (libssh2_userauth_publickey_fromfile(c->s, t->user, NULL, o->identity[i], NULL) == 0)
			return 0;
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), " %s", o->identity[i]);
	}
	LIBSSH2_AGENT *ag = getenv("SSH_AUTH_SOCK") ? libssh2_agent_init(c->s) : NULL;
	if (ag && libssh2_agent_connect(ag) == 0 && libssh2_agent_list_identities(ag) == 0) {
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;
		while (libssh2_agent_get_identity(ag, &id, prev) == 0) {
			if (libssh2_agent_userauth(ag, t->user, id) == 0) {
				libssh2_agent_disconnect(ag);
				libssh2_agent_free(ag);
				return 0;
			}
			prev = id;
		}
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), " ssh-agent");
	}
	if (ag) {
		libssh2_agent_disconnect(ag);
		libssh2_agent_free(ag);
	}
	char def[3][512];
	const char *files[8];
	int nf = 0;
	for (int i = 0; i < t->nidentity; i++)
		files[nf++] = t->identity[i];
	if (o->nidentity == 0 && t->nidentity == 0) {
		static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
		for (int i = 0; i < 3; i++) {
			snprintf(def[i], sizeof def[i], "%s/.ssh/%s", home(), names[i]);
			files[nf++] = def[i];
		}
	}
	for (int i = 0; i < nf; i++) {
		if (access(files[i], R_OK) != 0)
			continue;
		if (libssh2_userauth_publickey_fromfile(c->s, t->user, NULL, files[i], NULL) == 0)
			return 0;
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), " %s", files[i]);
	}
	return verr_set(err, VERR_REMOTE,
			"%s: public-key authentication as %s failed (tried:%s); keys with a "
			"passphrase must be in ssh-agent",
			c->name, t->user, tried[0] ? tried : " nothing: no agent, no key file");
}

struct ssh_conn *ssh_connect(const struct ssh_target *t, const struct ssh_opts *o,
			     struct verr *err)
{
	pthread_once(&init_once, lib_init);
	if (init_rc != 0) {
		verr_set(err, VERR_REMOTE, "libssh2 failed to initialize");
		return NULL;
	}
	struct ssh_conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(c->name, sizeof c->name, "%s@%s:%d", t->user, t->host, t->port);
	char why[512];
	int timeout = o->connect_timeout_s > 0 ? o->connect_timeout_s : 10;
	c->sock = tcp_connect(t, timeout, why, sizeof why);
	if (c->sock < 0) {
		verr_set(err, VERR_REMOTE, "%s: cannot connect: %s", c->name, why);
		free(c);
		return NULL;
	}
	c->s = libssh2_session_init();
	if (c->s == NULL) {
		verr_set(err, VERR_NOMEM, "%s: out of memory", c->name);
		goto fail;
	}
	libssh2_session_set_timeout(c->s, timeout * 1000L);
	if (libssh2_session_handshake(c->s, c->sock) != 0) {
		char *m = NULL;
		libssh2_session_last_error(c->s, &m, NULL, 0);
		verr_set(err, VERR_REMOTE, "%s: SSH handshake failed: %s", c->name, m ? m : "?");
		goto fail;
	}
	if (check_host_key(c, t, o, err) != 0 || authenticate(c, t, o, err) != 0)
		goto fail;
	libssh2_keepalive_config(c->s, 1, 5);
	c->next_keepalive = time(NULL) + 5;
	c->last_rx = mono_s();
	return c;
fail:
	ssh_close(c);
	return NULL;
}

void ssh_close(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	if (c->s) {
		libssh2_session_set_blocking(c->s, 1);
		libssh2_session_set_timeout(c->s, 2000);
		if (!c->lost)
			libssh2_session_disconnect(c->s, "vocalc done");
		libssh2_session_free(c->s);
	}
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}

const char *ssh_name(const struct ssh_conn *c) { return c->name; }
int ssh_socket(const struct ssh_conn *c) { return c->sock; }
bool ssh_lost(const struct ssh_conn *c) { return c->lost; }

static void mark_lost(struct ssh_conn *c, int rc)
{
	if (rc < 0 && rc != LIBSSH2_ERROR_EAGAIN)
		c->lost = true;
}

int ssh_run(struct ssh_conn *c, const char *cmd, char *out, size_t cap, int *status,
	    int timeout_s, struct verr *err)
{
	libssh2_session_set_blocking(c->s, 1);
	libssh2_session_set_timeout(c->s, timeout_s * 1000L);
	LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(c->s);
	if (ch == NULL) {
		c->lost = true;
		return verr_set(err, VERR_REMOTE, "%s: cannot open a channel (connection lost?)",
				c->name);
	}
	if (libssh2_channel_exec(ch, cmd) != 0) {
		libssh2_channel_free(ch);
		return verr_set(err, VERR_REMOTE, "%s: cannot run a command", c->name);
	}
	size_t n = 0;
	char buf[4096];
	for (;;) {
		ssize_t r = libssh2_channel_read(ch, buf, sizeof buf);
		if (r == 0)
			break;
		if (r < 0) {
			mark_lost(c, (int)r);
			libssh2_channel_free(ch);
			return verr_set(err, VERR_REMOTE, "%s: command did not finish within %d s",
					c->name, timeout_s);
		}
		size_t k = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
		memcpy(out + n, buf, k);
		n += k;
	}
	out[n] = '\0';
	while (libssh2_channel_read_stderr(ch, buf, sizeof buf) > 0)
		;
	libssh2_channel_close(ch);
	libssh2_channel_wait_closed(ch);
	if (status)
		*status = libssh2_channel_get_exit_status(ch);
	libssh2_channel_free(ch);
	return 0;
}

struct ssh_stream *ssh_start(struct ssh_conn *c, const char *cmd, struct verr *err)
{
	libssh2_session_set_blocking(c->s, 1);
	struct ssh_stream *s = calloc(1, sizeof *s);
	if (s == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	s->c = c;
	s->exit = -1;
	s->ch = libssh2_channel_open_session(c->s);
	if (s->ch == NULL || libssh2_channel_exec(s->ch, cmd) != 0) {
		verr_set(err, VERR_REMOTE, "%s: cannot start a remote command", c->name);
		ssh_stream_free(s);
		return NULL;
	}
	return s;
}

long ssh_stream_read(struct ssh_stream *s, char *out, size_t cap)
{
	if (s->eof)
		return -1;
	libssh2_session_set_blocking(s->c->s, 0);
	for (;;) { /* stderr: keep what fits, drain the rest */
		char tmp[1024];
		ssize_t r = libssh2_channel_read_stderr(s->ch, tmp, sizeof tmp);
		if (r <= 0) {
			mark_lost(s->c, (int)r);
			break;
		}
		s->c->last_rx = mono_s();
		for (ssize_t i = 0; i < r && s->nerr < sizeof s->err - 1; i++)
			if (tmp[i] != '\a') /* the remote watchdog's heartbeat */
				s->err[s->nerr++] = tmp[i];
		s->err[s->nerr] = '\0';
	}
	ssize_t r = libssh2_channel_read(s->ch, out, cap);
	if (r > 0) {
		s->c->last_rx = mono_s();
		return (long)r;
	}
	if (r == LIBSSH2_ERROR_EAGAIN && !s->c->lost)
		return 0;
	if (r == 0 && !libssh2_channel_eof(s->ch))
		return 0;
	mark_lost(s->c, (int)r);
	s->eof = true;
	if (!s->c->lost) {
		libssh2_session_set_blocking(s->c->s, 1);
		libssh2_channel_close(s->ch);
		libssh2_channel_wait_closed(s->ch);
		s->exit = libssh2_channel_get_exit_status(s->ch);
	}
	return -1;
}

const char *ssh_stream_stderr(const struct ssh_stream *s) { return s->err; }
void ssh_stream_clear_stderr(struct ssh_stream *s)
{
	s->nerr = 0;
	s->err[0] = '\0';
}
bool ssh_stream_eof(const struct ssh_stream *s) { return s->eof; }
int ssh_stream_exit(struct ssh_stream *s) { return s->exit; }

void ssh_stream_free(struct ssh_stream *s)
{
	if (s == NULL)
		return;
	if (s->ch) {
		if (!s->c->lost) {
			libssh2_session_set_blocking(s->c->s, 1);
			libssh2_channel_close(s->ch);
		}
		libssh2_channel_free(s->ch);
	}
	free(s);
}

double ssh_idle_s(const struct ssh_conn *c) { return mono_s() - c->last_rx; }

void ssh_give_up(struct ssh_conn *c) { c->lost = true; }

int ssh_keepalive(struct ssh_conn *c)
{
	if (c->lost)
		return -1;
	time_t now = time(NULL);
	if (now < c->next_keepalive)
		return 0;
	int next = 5;
	libssh2_session_set_blocking(c->s, 0);
	int rc = libssh2_keepalive_send(c->s, &next);
	mark_lost(c, rc);
	c->next_keepalive = now + (next > 0 ? next : 5);
	return c->lost ? -1 : 0;
}
