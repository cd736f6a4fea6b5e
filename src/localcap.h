/* localcap — a capture on this machine with libpcap, for the one-shot run
 * when HOST is this machine (`localhost` or `-`): nanosecond stamps,
 * immediate mode, a snaplen and a filter, written to a pcap file by a thread
 * of its own until stopped.  Also the local counterparts of the remote
 * helpers: a shell script's output, a command left running. */
#ifndef VOCALC_LOCALCAP_H
#define VOCALC_LOCALCAP_H

#include <stdint.h>
#include <sys/types.h>

#include "verr.h"

struct localcap;

/* Opens ifname, writes to path (which must not exist).  NULL with err set. */
struct localcap *localcap_start(const char *ifname, int snaplen, const char *filter,
				const char *path, struct verr *err);
/* The same capture as a pcap byte stream (vocalc watch: cut into windows,
 * pcapsplit.h): a file header, then the records, read with localcap_read
 * as they come.  NULL with err set. */
struct localcap *localcap_start_stream(const char *ifname, int snaplen, const char *filter,
				       struct verr *err);
/* What the stream holds now into out: octets, 0 if none now, -1 once the
 * capture failed and everything was read. */
long localcap_read(struct localcap *c, char *out, size_t cap);
/* Packets lost so far: the kernel's count, plus (a stream) those the
 * reader fell too far behind for; -1 unknown. */
long localcap_drops(struct localcap *c);
/* Stops and closes; drops: the kernel's count (-1 unknown); octets written. */
void localcap_stop(struct localcap *c, long *drops, uint64_t *octets);
/* The capture failed while running (the interface went away, say). */
int localcap_failed(const struct localcap *c);

/* Runs `sh -c script vocalc arg` here; its stdout into out. */
int local_script(const char *script, const char *arg, char *out, size_t cap, struct verr *err);

/* Starts `sh -c cmd` here in its own process group; its PID, or -1. */
pid_t local_start(const char *cmd);
/* SIGTERM to the group, then waits (SIGKILL after 3 s). */
void local_stop(pid_t pid);

#endif
