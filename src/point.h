/* point — the four capture points, in the order a to_guest packet crosses
 * them (CONTRACT.md "Capture points"): nic -> bridge -> vnet -> guest.
 * nic, bridge and vnet share the host clock; guest has its own. */
#ifndef VOCALC_POINT_H
#define VOCALC_POINT_H

enum point { POINT_NIC = 0, POINT_BRIDGE, POINT_VNET, POINT_GUEST, POINT_N };

enum direction { DIR_TO_GUEST = 0, DIR_FROM_GUEST, DIR_N, DIR_NONE = DIR_N };

/* Protocol classes reported per hop; PROTO_ALL is the union of the others. */
enum proto { PROTO_ALL = 0, PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_OTHER, PROTO_N };

const char *point_name(enum point p);
/* Returns the point for a name, or -1 if the name is not one of the four. */
int point_from_name(const char *name, unsigned len);
const char *direction_name(enum direction d);
const char *proto_name(enum proto p);

#endif
