/* hashtab — see hashtab.h. */
#include "hashtab.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int hashtab_init(struct hashtab *t, size_t buckets_pow2)
{
	assert(buckets_pow2 && (buckets_pow2 & (buckets_pow2 - 1)) == 0);
	t->b = calloc(buckets_pow2, sizeof *t->b);
	t->mask = buckets_pow2 - 1;
	t->count = 0;
	return t->b ? 0 : -1;
}

void hashtab_free(struct hashtab *t)
{
	free(t->b);
	memset(t, 0, sizeof *t);
}

struct hnode *hashtab_find(const struct hashtab *t, uint64_t hash, const void *key, size_t key_off,
			   size_t len)
{
	for (struct hnode *n = hashtab_chain(t, hash); n; n = n->next)
		if (n->hash == hash && memcmp((const char *)n + key_off, key, len) == 0)
			return n;
	return NULL;
}

/* Both walks stop after the table's last node: a table grows with a burst
 * and never shrinks, and a sweep of a sparse one need not visit every
 * empty bucket after it. */
void hashtab_free_if(struct hashtab *t, bool (*drop)(struct hnode *n, void *ctx), void *ctx)
{
	size_t left = t->count;
	for (size_t i = 0; t->b && left > 0 && i <= t->mask; i++) {
		struct hnode **slot = &t->b[i];
		while (*slot) {
			struct hnode *n = *slot;
			left--;
			if (drop(n, ctx)) {
				*slot = n->next;
				t->count--;
				free(n);
			} else {
				slot = &n->next;
			}
		}
	}
}

void hashtab_free_nodes(struct hashtab *t)
{
	size_t left = t->count;
	for (size_t i = 0; t->b && left > 0 && i <= t->mask; i++) {
		struct hnode *n = t->b[i];
		while (n) {
			struct hnode *next = n->next;
			free(n);
			left--;
			n = next;
		}
	}
	hashtab_free(t);
}

static void chain_append(struct hnode **slot, struct hnode *n)
{
	while (*slot)
		slot = &(*slot)->next;
	n->next = NULL;
	*slot = n;
}

static int grow(struct hashtab *t)
{
	size_t nb = (t->mask + 1) * 2;
	struct hnode **b = calloc(nb, sizeof *b);
	if (b == NULL)
		return -1;
	/* Walk old chains in order so equal hashes keep their insertion order. */
	for (size_t i = 0; i <= t->mask; i++) {
		struct hnode *n = t->b[i];
		while (n) {
			struct hnode *next = n->next;
			chain_append(&b[n->hash & (nb - 1)], n);
			n = next;
		}
	}
	free(t->b);
	t->b = b;
	t->mask = nb - 1;
	return 0;
}

int hashtab_insert(struct hashtab *t, struct hnode *n, uint64_t hash)
{
	if (t->count >= t->mask + 1 && grow(t) != 0)
		return -1;
	n->hash = hash;
	chain_append(&t->b[hash & t->mask], n);
	t->count++;
	return 0;
}

void hashtab_remove(struct hashtab *t, struct hnode *n)
{
	struct hnode **slot = &t->b[n->hash & t->mask];
	while (*slot && *slot != n)
		slot = &(*slot)->next;
	assert(*slot == n);
	*slot = n->next;
	t->count--;
}

uint64_t hash_bytes(const void *key, size_t len)
{
	return hash_bytes_seeded(0, key, len);
}

uint64_t hash_bytes_seeded(uint64_t seed, const void *key, size_t len)
{
	/* Eight octets at a time (memcpy: no alignment assumed), a multiply-
	 * rotate mix per word, then a final avalanche (splitmix64). */
	const uint8_t *p = key;
	uint64_t h = (0xcbf29ce484222325ULL ^ len) + seed * 0x9e3779b97f4a7c15ULL;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h = (h << 29) | (h >> 35);
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}
