/* hostfind — the host-side guest discovery script and the reader of its
 * output (hostfind.h says what each line means). */
#include "hostfind.h"

#include <stdio.h>
#include <string.h>

#include "ssh.h"

/* Variables are quoted everywhere; helpers' locals start with '_' where a
 * caller's loop could share the name (sh has no local variables). */
const char HOSTFIND_SCRIPT[] =
    "PATH=$PATH:/usr/sbin:/sbin\n"
    "# clean: one line of printable text (what virsh or ip printed may hold anything)\n"
    "clean() { printf '%s' \"$1\" | tr -d '\\n\\r' | tr -c 'A-Za-z0-9._:=@%/+(), -' '?'; }\n"
    "say() { printf '%s %s\\n' \"$1\" \"$(clean \"$2\")\"; }\n"
    "lc() { printf '%s' \"$1\" | tr A-F a-f; }\n"
    "istap() { [ -e \"/sys/class/net/$1/tun_flags\" ]; }\n"
    "# the tap of MAC $1 (QEMU gives the tap the guest's MAC but the first octet), else the FDB port\n"
    "tapof() {\n"
    "  for _d in /sys/class/net/*; do _n=${_d##*/}; istap \"$_n\" || continue\n"
    "    _a=$(cat \"$_d/address\" 2>/dev/null); [ \"${_a#??}\" = \"${1#??}\" ] && { echo \"$_n\"; return; }; done\n"
    "  bridge fdb show 2>/dev/null | awk -v m=\"$1\" 'tolower($1) == m && $2 == \"dev\" && $3 != \"\" {print $3; exit}'\n"
    "}\n"
    "# the addresses of MAC $1 in the neighbour table, space separated\n"
    "addrsof() {\n"
    "  ip neigh show 2>/dev/null | awk -v m=\"$1\" '{for (i = 2; i < NF; i++) if ($i == \"lladdr\" && tolower($(i + 1)) == m && !s[$1]++) printf \"%s%s\", (n++ ? \" \" : \"\"), $1}'\n"
    "}\n"
    "macofip() { ip neigh show to \"$1\" 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == \"lladdr\") {print tolower($(i + 1)); exit}}'; }\n"
    "# guest KEY MAC [TAP] [DOMAIN] [ADDRS]: the block of one guest\n"
    "guest() {\n"
    "  k=$1 m=$2 t=$3 dn=$4 ad=$5 br= kind= nic= why= ports=\n"
    "  say guest \"$k\"; [ -n \"$dn\" ] && say name \"$dn\"; say mac \"$m\"\n"
    "  [ -n \"$t\" ] && [ -e \"/sys/class/net/$t\" ] || t=$(tapof \"$m\")\n"
    "  if [ -z \"$t\" ]; then why=\"no tap has MAC $m and no bridge learned it\"\n"
    "  else\n"
    "    say tap \"$t\"\n"
    "    [ -e \"/sys/class/net/$t/master\" ] && br=$(basename \"$(readlink \"/sys/class/net/$t/master\")\")\n"
    "    # Open vSwitch: the kernel datapath makes ovs-system the master, the userspace one none\n"
    "    if [ -e \"/sys/class/net/$br/bridge\" ]; then kind=linux; ports=$(ls \"/sys/class/net/$br/brif\" 2>/dev/null)\n"
    "    elif [ -z \"$br\" ] && ! command -v ovs-vsctl >/dev/null 2>&1; then why=\"$t has no master bridge\"\n"
    "    elif [ -z \"$br\" ] || [ \"$br\" = ovs-system ]; then\n"
    "      if ! command -v ovs-vsctl >/dev/null 2>&1; then br= why=\"$t is on Open vSwitch but ovs-vsctl is not found\"\n"
    "      else br=$(ovs-vsctl port-to-br \"$t\" 2>/dev/null); kind=ovs; ports=$(ovs-vsctl list-ports \"$br\" 2>/dev/null)\n"
    "        [ -n \"$br\" ] || why=\"$t has no master bridge and no Open vSwitch bridge holds it\"; fi\n"
    "    else why=\"master $br of $t is neither a Linux bridge nor Open vSwitch\"; br=; fi\n"
    "  fi\n"
    "  if [ -n \"$br\" ]; then say bridge \"$br\"; say bridge_kind \"$kind\"\n"
    "    set -f # port names may hold glob characters (never white space)\n"
    "    for n in $ports; do [ \"$n\" = \"$t\" ] && continue; istap \"$n\" && continue\n"
    "      [ -e \"/sys/class/net/$n/device\" ] && { nic=$n; break; }; done\n"
    "    [ -n \"$nic\" ] || for n in $ports; do [ \"$n\" = \"$t\" ] && continue; istap \"$n\" && continue\n"
    "      [ -e \"/sys/class/net/$n\" ] && { nic=$n; break; }; done\n"
    "    set +f\n"
    "  fi\n"
    "  [ -n \"$nic\" ] || nic=$(ip -o route show default 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)\n"
    "  [ -n \"$nic\" ] && say nic \"$nic\"\n"
    "  [ -n \"$ad\" ] || ad=$(addrsof \"$m\")\n"
    "  [ -n \"$ad\" ] && say addrs \"$ad\"\n"
    "  [ -n \"$why\" ] && say why \"$why\"\n"
    "  echo end\n"
    "}\n"
    "vsh() { if [ -n \"$vuri\" ]; then virsh -c \"$vuri\" \"$@\"; else virsh \"$@\"; fi; }\n"
    "vuri=; [ \"$(id -u)\" = 0 ] || [ -n \"${LIBVIRT_DEFAULT_URI:-}\" ] || vuri=qemu:///system\n"
    "# dom NAME: one block per interface of the domain\n"
    "dom() {\n"
    "  l=$(vsh -q domiflist \"$1\" 2>/dev/null | awk '$1 != \"Interface\" && $1 !~ /^--/ && NF >= 5 {print $1, tolower($5)}')\n"
    "  if [ -z \"$l\" ]; then say guest \"dom=$1\"; say name \"$1\"; say why \"virsh domiflist $1 gave no interface (domain unknown or not running?)\"; echo end; return; fi\n"
    "  a=$(vsh -q domifaddr \"$1\" 2>/dev/null)\n"
    "  [ -n \"$(printf '%s' \"$a\" | awk '$3 ~ /^ipv/')\" ] || a=$(vsh -q domifaddr \"$1\" --source arp 2>/dev/null)\n"
    "  printf '%s\\n' \"$l\" | while read -r t m; do\n"
    "    [ \"$t\" = - ] && t=\n"
    "    ad=$(printf '%s\\n' \"$a\" | awk -v m=\"$m\" '$2 != \"-\" {c = tolower($2)} $3 ~ /^ipv/ && c == m {sub(/\\/.*/, \"\", $4); printf \"%s%s\", (n++ ? \" \" : \"\"), $4}')\n"
    "    guest \"dom=$1\" \"$m\" \"$t\" \"$1\" \"$ad\"\n"
    "  done\n"
    "}\n"
    "for g in \"$@\"; do\n"
    "  case $g in\n"
    "  mac=*) guest \"$g\" \"$(lc \"${g#mac=}\")\" ;;\n"
    "  ip=*) a=${g#ip=}; m=$(macofip \"$a\")\n"
    "    [ -n \"$m\" ] || { ping -c 1 -W 1 \"$a\" >/dev/null 2>&1; m=$(macofip \"$a\"); }\n"
    "    if [ -n \"$m\" ]; then guest \"$g\" \"$m\"\n"
    "    else say guest \"$g\"; say why \"no neighbour entry for $a (pinged once)\"; echo end; fi ;;\n"
    "  dom=*) if command -v virsh >/dev/null 2>&1; then dom \"${g#dom=}\"\n"
    "    else say guest \"$g\"; say why \"virsh is not found\"; echo end; fi ;;\n"
    "  libvirt) if ! command -v virsh >/dev/null 2>&1; then say guest libvirt; say why \"virsh is not found\"; echo end\n"
    "    else ds=$(vsh -q list --name 2>/dev/null | sed '/^$/d')\n"
    "      if [ -z \"$ds\" ]; then say guest libvirt; say why \"virsh lists no running domain\"; echo end\n"
    "      else printf '%s\\n' \"$ds\" | while IFS= read -r d; do dom \"$d\"; done; fi; fi ;;\n"
    "  *) say guest \"$g\"; say why \"unknown argument\"; echo end ;;\n"
    "  esac\n"
    "done\n"
    "say conn \"${SSH_CONNECTION:-}\"\n"
    "say uid \"$(id -u)\"\n";

bool hostfind_safe_ifname(const char *s)
{
	if (!*s || strlen(s) > 15)
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || *s == '@' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

bool hostfind_safe_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!(strchr("-_.+:@", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hostfind_mac(const char *s, char out[18])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : hexval(s[i]) < 0)
			return false;
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	}
	out[17] = '\0';
	return true;
}

/* A key as the script prints it: one argument hostfind_args could have built. */
static bool valid_key(const char *k)
{
	char m[18];
	struct addrset a = {0};
	if (strncmp(k, "mac=", 4) == 0)
		return hostfind_mac(k + 4, m);
	if (strncmp(k, "ip=", 3) == 0)
		return addrset_add_str(&a, k + 3) == 0;
	if (strncmp(k, "dom=", 4) == 0)
		return hostfind_safe_name(k + 4);
	return strcmp(k, "libvirt") == 0;
}

/* Copies value v into dst[cap] when it fits; false when not. */
static bool put(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);
	if (n >= cap)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

static int parse_addrs(struct addrset *s, char *v)
{
	for (char *save = NULL, *w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (addrset_add_str(s, w) != 0)
			return -1;
	return 0;
}

int hostfind_parse(const char *text, struct hostfind_guest *out, int max, char *conn,
		   size_t conncap, char *uid, size_t uidcap, struct verr *err)
{
	int n = 0, lineno = 0;
	bool open = false, seen_uid = false;
	struct hostfind_guest *g = NULL;
	if (conn && conncap)
		conn[0] = '\0';
	if (uid && uidcap)
		uid[0] = '\0';
	for (const char *p = text; *p;) {
		char line[512];
		size_t len = strcspn(p, "\n");
		lineno++;
		if (len >= sizeof line)
			return verr_set(err, VERR_REMOTE, "host discovery: line %d is too long", lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		char *v = strchr(line, ' ');
		if (v)
			*v++ = '\0';
		else
			v = line + len;
		const char *w = line;
		bool ok = true;
		if (strcmp(w, "guest") == 0) {
			if (open)
				return verr_set(err, VERR_REMOTE, "host discovery: line %d: a guest "
						"block is not closed", lineno);
			if (n == max)
				return verr_set(err, VERR_REMOTE,
						"host discovery: more than %d guests", max);
			g = &out[n++];
			memset(g, 0, sizeof *g);
			open = true;
			ok = valid_key(v) && put(g->key, sizeof g->key, v);
		} else if (strcmp(w, "end") == 0) {
			ok = open;
			open = false;
		} else if (strcmp(w, "conn") == 0 || strcmp(w, "uid") == 0) {
			bool isuid = w[0] == 'u';
			ok = !open && (!isuid || (*v && strspn(v, "0123456789") == strlen(v)));
			if (ok && isuid)
				seen_uid = true;
			if (ok && isuid && uid)
				ok = put(uid, uidcap, v);
			if (ok && !isuid && conn)
				ok = put(conn, conncap, v);
		} else if (!open) {
			continue; /* a line of a word a later script may add */
		} else if (strcmp(w, "name") == 0) {
			ok = hostfind_safe_name(v) && put(g->name, sizeof g->name, v);
		} else if (strcmp(w, "mac") == 0) {
			ok = hostfind_mac(v, g->mac);
		} else if (strcmp(w, "tap") == 0 || strcmp(w, "bridge") == 0 || strcmp(w, "nic") == 0) {
			char *dst = w[0] == 't' ? g->tap : w[0] == 'b' ? g->bridge : g->nic;
			ok = hostfind_safe_ifname(v) && put(dst, 16, v);
		} else if (strcmp(w, "bridge_kind") == 0) {
			g->kind = strcmp(v, "linux") == 0 ? BRIDGE_LINUX
				  : strcmp(v, "ovs") == 0 ? BRIDGE_OVS
							 : BRIDGE_NONE;
			ok = g->kind != BRIDGE_NONE;
		} else if (strcmp(w, "addrs") == 0) {
			ok = parse_addrs(&g->addrs, v) == 0;
		} else if (strcmp(w, "why") == 0) {
			/* Text for the user only: printable, cut at the buffer's size. */
			snprintf(g->why, sizeof g->why, "%s", v);
			for (char *c = g->why; *c; c++)
				if (*c < ' ' || *c > '~')
					*c = '?';
		}
		if (!ok)
			return verr_set(err, VERR_REMOTE, "host discovery: line %d (%.20s): not a "
					"valid value", lineno, w);
	}
	if (open)
		return verr_set(err, VERR_REMOTE, "host discovery: the last guest block is not closed");
	if (!seen_uid)
		return verr_set(err, VERR_REMOTE, "host discovery: no uid line (the script did not "
				"finish)");
	for (int i = 0; i < n; i++)
		if (!out[i].why[0] && (!out[i].tap[0] || !out[i].bridge[0]))
			snprintf(out[i].why, sizeof out[i].why, "no tap or bridge found");
	return n;
}

/* Appends word w, shell quoted, to buf (a space first unless empty). */
static int add_word(char *buf, size_t cap, const char *w, struct verr *err)
{
	char q[256];
	size_t len = strlen(buf);
	if (!sh_quote(w, q, sizeof q) || len + 1 + strlen(q) + 1 > cap)
		return verr_set(err, VERR_INPUT, "too many guests for one discovery command");
	snprintf(buf + len, cap - len, "%s%s", len ? " " : "", q);
	return 0;
}

int hostfind_args(const char *const *macs, int nmac, const char *const *ips, int nip,
		  const char *const *doms, int ndom, bool all_libvirt, char *buf, size_t cap,
		  struct verr *err)
{
	char w[96], m[18];
	if (cap == 0)
		return verr_set(err, VERR_INPUT, "internal: no room for the discovery arguments");
	buf[0] = '\0';
	for (int i = 0; i < nmac; i++) {
		if (!hostfind_mac(macs[i], m))
			return verr_set(err, VERR_INPUT, "--guest-mac %.40s: not a MAC "
					"(like 52:54:00:12:34:56)", macs[i]);
		snprintf(w, sizeof w, "mac=%s", m);
		if (add_word(buf, cap, w, err) != 0)
			return -1;
	}
	for (int i = 0; i < nip; i++) {
		struct addrset a = {0};
		if (strlen(ips[i]) > 45 || addrset_add_str(&a, ips[i]) != 0)
			return verr_set(err, VERR_INPUT, "--guest-ip %.50s: not an IPv4 or IPv6 "
					"address", ips[i]);
		snprintf(w, sizeof w, "ip=%s", ips[i]);
		if (add_word(buf, cap, w, err) != 0)
			return -1;
	}
	for (int i = 0; i < ndom; i++) {
		if (!hostfind_safe_name(doms[i]))
			return verr_set(err, VERR_INPUT, "domain %.64s: not a name vocalc takes "
					"(1..63 of A-Z a-z 0-9 . _ + : @ -)", doms[i]);
		snprintf(w, sizeof w, "dom=%s", doms[i]);
		if (add_word(buf, cap, w, err) != 0)
			return -1;
	}
	if (all_libvirt && add_word(buf, cap, "libvirt", err) != 0)
		return -1;
	return 0;
}
