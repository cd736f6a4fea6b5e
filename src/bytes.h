/* bytes — bounds-checked, endian- and alignment-safe reads from a packet.
 * Input is any arbitrary sequence of octets: every read checks the length
 * and reports failure instead of reading past the end. */
#ifndef VOCALC_BYTES_H
#define VOCALC_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytes {
	const uint8_t *p; /* next unread octet */
	size_t len;	  /* octets left */
};

static inline bool bytes_has(const struct bytes *b, size_t n)
{
	return b->len >= n;
}

static inline bool bytes_skip(struct bytes *b, size_t n)
{
	if (b->len < n)
		return false;
	b->p += n;
	b->len -= n;
	return true;
}

/* Big-endian (network order) reads at offset off, without consuming. */
static inline bool bytes_u8_at(const struct bytes *b, size_t off, uint8_t *v)
{
	if (b->len < off + 1)
		return false;
	*v = b->p[off];
	return true;
}

static inline bool bytes_u16_at(const struct bytes *b, size_t off, uint16_t *v)
{
	if (b->len < off + 2)
		return false;
	*v = (uint16_t)((unsigned)b->p[off] << 8 | b->p[off + 1]);
	return true;
}

static inline bool bytes_u32_at(const struct bytes *b, size_t off, uint32_t *v)
{
	if (b->len < off + 4)
		return false;
	*v = (uint32_t)b->p[off] << 24 | (uint32_t)b->p[off + 1] << 16 |
	     (uint32_t)b->p[off + 2] << 8 | b->p[off + 3];
	return true;
}

#endif
