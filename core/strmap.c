/*
** strmap.c -- an open-addressing hash map from byte strings to int64.
**
** Built for the import: a million ids must be checked for duplicates
** without a million small mallocs and without thrashing the cache. Entries
** (value, length, key bytes) are appended to one arena; the table holds
** only 8-byte slots (a 32-bit hash tag and the arena offset), so a million
** keys need a 16 MiB table that stays mostly in cache.
*/
#define _DEFAULT_SOURCE 1 /* MADV_HUGEPAGE is a Linux extension */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "isms_internal.h"

typedef struct slot {
  uint32_t tag;   /* high bits of the hash, never 0; 0 marks an empty slot */
  uint32_t off;   /* entry at arena + off */
} slot;

/* An entry in the arena: int64 value, uint32 length, key bytes. */
#define ENTRY_HEAD (sizeof(int64_t) + sizeof(uint32_t))

struct isms__strmap {
  slot *slots;
  size_t mask;     /* capacity - 1; capacity is a power of two */
  size_t count;
  char *arena;
  size_t used, cap;
};

/* FNV-1a, finished with a multiply-xorshift so sequential ids such as
** AST-0000001, AST-0000002 spread over the whole table. */
static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t k = 0; k < n; k++) {
    h ^= (unsigned char)s[k];
    h *= 0x100000001b3ull;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

static uint32_t tag_of(uint64_t h) {
  uint32_t t = (uint32_t)(h >> 32);
  return t ? t : 1;
}

isms__strmap *isms__strmap_new(void) {
  isms__strmap *map = calloc(1, sizeof *map);
  if (!map) return NULL;
  map->mask = 1023;
  map->slots = calloc(map->mask + 1, sizeof *map->slots);
  if (!map->slots) {
    free(map);
    return NULL;
  }
  return map;
}

void isms__strmap_free(isms__strmap *map) {
  if (!map) return;
  free(map->slots);
  free(map->arena);
  free(map);
}

static const char *entry_key(const isms__strmap *map, uint32_t off, uint32_t *len) {
  memcpy(len, map->arena + off + sizeof(int64_t), sizeof *len);
  return map->arena + off + ENTRY_HEAD;
}

static slot *find(const isms__strmap *map, uint64_t h, const char *key, size_t len) {
  uint32_t tag = tag_of(h);
  for (size_t k = h & map->mask;; k = (k + 1) & map->mask) {
    slot *sl = &map->slots[k];
    if (!sl->tag) return sl;
    if (sl->tag != tag) continue;
    uint32_t klen;
    const char *stored = entry_key(map, sl->off, &klen);
    if (klen == len && memcmp(stored, key, len) == 0) return sl;
  }
}

/* A table of a million keys spans thousands of 4 KiB pages and each probe
** lands on a random one, so most probes miss the TLB as well as the cache.
** Large tables are aligned to 2 MiB and offered to the kernel as huge pages. */
#define HUGE_PAGE ((size_t)2 << 20)

static slot *slots_alloc(size_t cap) {
  size_t bytes = cap * sizeof(slot);
  if (bytes < 2 * HUGE_PAGE) return calloc(cap, sizeof(slot));
  slot *s = aligned_alloc(HUGE_PAGE, bytes);  /* bytes is a multiple of 2 MiB here */
  if (!s) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(s, bytes, MADV_HUGEPAGE);
#endif
  memset(s, 0, bytes);
  return s;
}

/* Resizes the table to cap slots, re-inserting entries in arena
** (insertion) order so the arena is read sequentially. */
static int resize(isms__strmap *map, size_t cap) {
  slot *fresh = slots_alloc(cap);
  if (!fresh) return ISMS_NOMEM;
  for (size_t off = 0; off < map->used;) {
    uint32_t len;
    const char *key = entry_key(map, (uint32_t)off, &len);
    uint64_t h = hash_bytes(key, len);
    size_t j = h & (cap - 1);
    while (fresh[j].tag) j = (j + 1) & (cap - 1);
    fresh[j] = (slot){tag_of(h), (uint32_t)off};
    off += ENTRY_HEAD + len;
  }
  free(map->slots);
  map->slots = fresh;
  map->mask = cap - 1;
  return ISMS_OK;
}

int isms__strmap_reserve(isms__strmap *map, size_t n) {
  size_t cap = map->mask + 1;
  while (cap < 2 * n && cap < ((size_t)1 << 40)) cap *= 2;
  return cap > map->mask + 1 ? resize(map, cap) : ISMS_OK;
}

int isms__strmap_get(const isms__strmap *map, const char *key, size_t len,
                     int64_t *value) {
  slot *sl = find(map, hash_bytes(key, len), key, len);
  if (!sl->tag) return 0;
  if (value) memcpy(value, map->arena + sl->off, sizeof *value);
  return 1;
}

uint64_t isms__strmap_hash(const char *key, size_t len) { return hash_bytes(key, len); }

void isms__strmap_prefetch(const isms__strmap *map, uint64_t h) {
  __builtin_prefetch(&map->slots[h & map->mask]);
}

int isms__strmap_add(isms__strmap *map, const char *key, size_t len, int64_t value,
                     int64_t *existing) {
  return isms__strmap_add_hashed(map, hash_bytes(key, len), key, len, value, existing);
}

int isms__strmap_add_hashed(isms__strmap *map, uint64_t h, const char *key, size_t len,
                            int64_t value, int64_t *existing) {
  size_t need = ENTRY_HEAD + len;
  /* Offsets are 32-bit: a map holds at most 4 GiB of keys. */
  if (len > UINT32_MAX || map->used + need > UINT32_MAX) return -1;
  /* Keep the load factor under 1/2 so probes stay short. */
  if ((map->count + 1) * 2 > map->mask + 1 && resize(map, (map->mask + 1) * 2)) return -1;
  slot *sl = find(map, h, key, len);
  if (sl->tag) {
    if (existing) memcpy(existing, map->arena + sl->off, sizeof *existing);
    return 1;
  }
  if (map->used + need > map->cap) {
    size_t cap = map->cap ? map->cap : 4096;
    while (map->used + need > cap) cap *= 2;
    char *arena = realloc(map->arena, cap);
    if (!arena) return -1;
    map->arena = arena;
    map->cap = cap;
  }
  char *e = map->arena + map->used;
  uint32_t len32 = (uint32_t)len;
  memcpy(e, &value, sizeof value);
  memcpy(e + sizeof value, &len32, sizeof len32);
  memcpy(e + ENTRY_HEAD, key, len);
  *sl = (slot){tag_of(h), (uint32_t)map->used};
  map->used += need;
  map->count++;
  return 0;
}

int isms__strmap_put(isms__strmap *map, const char *key, size_t len, int64_t value) {
  int rc = isms__strmap_add(map, key, len, value, NULL);
  return rc < 0 ? ISMS_NOMEM : ISMS_OK;
}
