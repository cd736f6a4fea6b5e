/* ssh — the remote side of the one-shot run, over libssh2.
 *
 * A target is "[user@]host[:port]" (IPv6 in brackets), completed from
 * ~/.ssh/config (Host patterns with * and ?, HostName, User, Port,
 * IdentityFile; the first value found for each keyword wins, as in OpenSSH).
 * The host key is checked against known_hosts (~/.ssh/known_hosts unless
 * another is given): an unknown key is refused unless accept_new (then it is
 * added), a changed key is always refused; both with the key's SHA256
 * fingerprint.  Authentication: ssh-agent, then the identity files (-i, the
 * config's, ~/.ssh/id_ed25519, id_ecdsa, id_rsa) without passphrase.  No
 * secret is ever printed.  Keepalives every 5 s. */
#ifndef VOCALC_SSH_H
#define VOCALC_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "verr.h"

struct ssh_opts {
	const char *identity[8]; /* -i files, in order */
	int nidentity;
	const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
	const char *config;      /* NULL: ~/.ssh/config */
	bool accept_new;
	int connect_timeout_s;   /* 10 */
};

struct ssh_target {
	char user[64], host[256], hostname[256];
	int port;
	char identity[4][512]; /* from the config */
	int nidentity;
};

/* Parses spec and completes it from the ssh config. */
int ssh_target_parse(const char *spec, const struct ssh_opts *o, struct ssh_target *t,
		     struct verr *err);

struct ssh_conn;

/* Connects, checks the host key, authenticates.  NULL with err set
 * (VERR_REMOTE), the host named. */
struct ssh_conn *ssh_connect(const struct ssh_target *t, const struct ssh_opts *o,
			     struct verr *err);
void ssh_close(struct ssh_conn *c);
const char *ssh_name(const struct ssh_conn *c); /* user@host:port */
int ssh_socket(const struct ssh_conn *c);

/* Runs cmd (a shell command line) and collects its stdout (up to cap-1
 * octets, NUL-terminated) and exit status; blocking, with a timeout. */
int ssh_run(struct ssh_conn *c, const char *cmd, char *out, size_t cap, int *status,
	    int timeout_s, struct verr *err);

/* A command left running: its output read as it comes (non-blocking). */
struct ssh_stream;
struct ssh_stream *ssh_start(struct ssh_conn *c, const char *cmd, struct verr *err);
/* Reads what is there: stdout into out (returns octets, 0 if none now,
 * -1 at end of stream or on a lost connection), stderr appended to the
 * stream's own buffer. */
long ssh_stream_read(struct ssh_stream *s, char *out, size_t cap);
const char *ssh_stream_stderr(const struct ssh_stream *s);
/* Empties the stream's stderr buffer (it keeps what fits: a command that
 * runs for days says its later words only into an emptied one). */
void ssh_stream_clear_stderr(struct ssh_stream *s);
bool ssh_stream_eof(const struct ssh_stream *s);
int ssh_stream_exit(struct ssh_stream *s); /* exit status once at end, else -1 */
void ssh_stream_free(struct ssh_stream *s);
/* Sends a keepalive if due; -1 if the connection is gone. */
int ssh_keepalive(struct ssh_conn *c);
bool ssh_lost(const struct ssh_conn *c);
/* Seconds since anything arrived on any of c's streams (the remote
 * watchdogs write a heartbeat every second, so a live side is never idle
 * for long); since the connection, if nothing yet. */
double ssh_idle_s(const struct ssh_conn *c);
/* Gives c up as lost (a remote that stopped answering): no more commands
 * are sent to it, and its streams end. */
void ssh_give_up(struct ssh_conn *c);

/* The host key check of ssh_connect, on its own (no network: the tests and
 * tests/fuzz/fuzz_config.c call it): key (len octets, type a
 * LIBSSH2_HOSTKEY_TYPE_*) offered by hostname:port, against the known_hosts
 * file path (a missing file holds no key); with accept_new an unknown key is
 * added to the file.  s: any libssh2 session (the known-hosts store needs
 * one; no handshake is made); name and fp (the key's fingerprint) are for the
 * messages.  Returns enum ssh_hostkey_verdict, err set (VERR_REMOTE) unless
 * KNOWN or ADDED. */
enum ssh_hostkey_verdict {
	SSH_HOSTKEY_KNOWN = 0,
	SSH_HOSTKEY_ADDED,
	SSH_HOSTKEY_UNKNOWN,
	SSH_HOSTKEY_MISMATCH,
	SSH_HOSTKEY_ERROR,
};
struct _LIBSSH2_SESSION;
int ssh_hostkey_check(struct _LIBSSH2_SESSION *s, const char *name, const char *path,
		      const char *hostname, int port, const char *key, size_t len, int type,
		      const char *fp, bool accept_new, struct verr *err);

/* Quotes s for a POSIX shell into buf (single quotes); NULL if it does not fit. */
const char *sh_quote(const char *s, char *buf, size_t cap);

#endif
