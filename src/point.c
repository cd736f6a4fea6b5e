/* point — names of points, directions and protocol classes (CONTRACT.md). */
#include "point.h"

#include <string.h>

static const char *const point_names[POINT_N] = {"nic", "bridge", "vnet", "guest"};
static const char *const dir_names[DIR_N] = {"to_guest", "from_guest"};
static const char *const proto_names[PROTO_N] = {"all", "tcp", "udp", "icmp", "other"};

const char *point_name(enum point p)
{
	return (unsigned)p < POINT_N ? point_names[p] : "?";
}

int point_from_name(const char *name, unsigned len)
{
	for (int i = 0; i < POINT_N; i++)
		if (strlen(point_names[i]) == len && memcmp(point_names[i], name, len) == 0)
			return i;
	return -1;
}

const char *direction_name(enum direction d)
{
	return (unsigned)d < DIR_N ? dir_names[d] : "none";
}

const char *proto_name(enum proto p)
{
	return (unsigned)p < PROTO_N ? proto_names[p] : "?";
}
