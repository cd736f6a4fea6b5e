/* hostfind — finds guests on a KVM host from the host alone: by MAC, by IP
 * address, by libvirt domain, or every running libvirt domain.  One POSIX sh
 * script (HOSTFIND_SCRIPT) runs on the host; hostfind_parse reads what it
 * printed and checks every field, so nothing the host printed reaches a shell
 * or a file name unchecked.
 *
 * Run as `sh -c SCRIPT vocalc ARG...` (hostfind_args builds the ARGs, shell
 * quoted).  Each ARG is one of
 *   mac=MAC     a guest by its MAC
 *   ip=ADDR     a guest by an IPv4 or IPv6 address: its MAC from the
 *               neighbour table (`ip neigh show to ADDR`; when absent, one
 *               `ping -c 1 -W 1 ADDR` first to fill it), then as by MAC
 *   dom=NAME    a libvirt domain: `virsh -q domiflist NAME` gives each
 *               interface's tap and MAC, `virsh -q domifaddr NAME` (else
 *               with --source arp) its addresses
 *   libvirt     every running domain (`virsh -q list --name`), each as dom=
 * (virsh as non-root talks to qemu:///system, as root does by default,
 * unless LIBVIRT_DEFAULT_URI says otherwise.)
 *
 * Output: lines "WORD VALUE", one block per guest found, then two lines once:
 *   guest KEY        opens a block; KEY is the ARG (dom=NAME for each domain
 *                    of `libvirt`; a domain with several interfaces gives one
 *                    block per interface, all with the same KEY)
 *   name DOMAIN      libvirt domain name (dom= and libvirt only)
 *   mac M            the guest's MAC, lower case
 *   tap T            the guest's port on the bridge: the tap whose MAC is the
 *                    guest's but for the first octet (QEMU: fe:.. for 52:..),
 *                    else the bridge FDB port that learned the MAC
 *   bridge B         the tap's bridge: its master when a Linux bridge; for
 *                    Open vSwitch (master ovs-system with the kernel
 *                    datapath, none with the userspace one) `ovs-vsctl
 *                    port-to-br T`
 *   bridge_kind K    linux or ovs
 *   nic N            among the bridge's other ports (brif/, or `ovs-vsctl
 *                    list-ports B`) a physical device first, never a tap,
 *                    else any other non-tap port, else the default route's
 *                    device
 *   addrs A...       the guest's addresses, space separated (domifaddr for a
 *                    domain, else the neighbour entries with lladdr M)
 *   why TEXT         what could not be found (a block without tap or bridge
 *                    has one)
 *   end              closes the block
 *   conn C           $SSH_CONNECTION (empty when not over SSH)
 *   uid N            id -u
 * Every line is one line of [A-Za-z0-9._:=@%/+(), -]; anything else the host
 * printed is replaced by '?' on the host.  Lines of other words are ignored
 * (a later script may add some). */
#ifndef VOCALC_HOSTFIND_H
#define VOCALC_HOSTFIND_H

#include <stdbool.h>
#include <stddef.h>

#include "guestaddr.h"
#include "verr.h"

extern const char HOSTFIND_SCRIPT[];

enum bridge_kind { BRIDGE_NONE = 0, BRIDGE_LINUX, BRIDGE_OVS };

struct hostfind_guest {
	char key[80];	 /* the ARG it answers: "mac=..", "ip=..", "dom=.." */
	char name[64];	 /* libvirt domain, else "" */
	char mac[18];	 /* "52:54:00:12:34:56", else "" */
	char tap[16];	 /* each of tap, bridge, nic: a safe interface name, else "" */
	char bridge[16];
	enum bridge_kind kind;
	char nic[16];
	struct addrset addrs;
	char why[160];	 /* "" when tap and bridge were found */
};

/* The rule for an interface name that may go into a shell command or a file
 * name: 1..15 characters of [A-Za-z0-9._@-] (oneshot.c's safe_ifname is the
 * same rule). */
bool hostfind_safe_ifname(const char *s);
/* A domain name that may be printed and passed back as an argument: 1..63
 * characters of [A-Za-z0-9._+:@-]. */
bool hostfind_safe_name(const char *s);
/* "52:54:00:12:34:56" in either case; writes it lower case into out[18]. */
bool hostfind_mac(const char *s, char out[18]);

/* Reads the script's output text into out[0..max-1].  Returns the number of
 * guests (blocks), or -1 with err set (VERR_REMOTE) when the text is not the
 * script's: a field fails its check (an unsafe interface or domain name, a bad
 * MAC or address), a block is not closed, more than max blocks, or no uid
 * line.  conn and uid (may be NULL) get the last two lines' values. */
int hostfind_parse(const char *text, struct hostfind_guest *out, int max, char *conn,
		   size_t conncap, char *uid, size_t uidcap, struct verr *err);

/* Builds the script's argument words, each shell quoted and separated by a
 * space, into buf: "mac=M" for each of macs[0..nmac-1], "ip=A" for ips,
 * "dom=N" for doms, then "libvirt" when all_libvirt.  Each is checked first
 * (MAC, address, domain name).  -1 with err set when one fails its check or
 * buf is too small. */
int hostfind_args(const char *const *macs, int nmac, const char *const *ips, int nip,
		  const char *const *doms, int ndom, bool all_libvirt, char *buf, size_t cap,
		  struct verr *err);

#endif
