/* hashtab — an intrusive chained hash table.  Entries embed a struct hnode;
 * the table never owns or frees them.  Callers walk a bucket's chain and
 * compare their own keys, so one table type serves every record kind. */
#ifndef VOCALC_HASHTAB_H
#define VOCALC_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct hashtab {
	struct hnode **b;
	size_t mask; /* buckets - 1 (power of two) */
	size_t count;
};

int hashtab_init(struct hashtab *t, size_t buckets_pow2);
void hashtab_free(struct hashtab *t);
/* Removes and free()s every node (each malloc'd, its struct hnode first)
 * for which drop(node, ctx) is true; drop may update the nodes it keeps. */
void hashtab_free_if(struct hashtab *t, bool (*drop)(struct hnode *n, void *ctx), void *ctx);

/* free()s every node (each malloc'd, its struct hnode first), then the table. */
void hashtab_free_nodes(struct hashtab *t);
/* First node of the chain hash falls in; walk with ->next, compare ->hash first. */
static inline struct hnode *hashtab_chain(const struct hashtab *t, uint64_t hash)
{
	return t->b[hash & t->mask];
}
/* The first node with this hash whose key, key_off octets into the node,
 * equals the len octets at key; NULL if none. */
struct hnode *hashtab_find(const struct hashtab *t, uint64_t hash, const void *key, size_t key_off,
			   size_t len);

/* Inserts at the chain's tail (chains keep insertion order).  Grows the
 * table when full; returns -1 only when memory is exhausted. */
int hashtab_insert(struct hashtab *t, struct hnode *n, uint64_t hash);
void hashtab_remove(struct hashtab *t, struct hnode *n);

/* A 64-bit hash of a fixed-size key (keys are zero-padded structs). */
uint64_t hash_bytes(const void *key, size_t len);
/* The same, continuing from an earlier hash (e.g. of a key's prefix). */
uint64_t hash_bytes_seeded(uint64_t seed, const void *key, size_t len);

#endif
