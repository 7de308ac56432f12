/* Small JSON helpers over yajl: a parser that builds a yajl_val tree with line/column
 * errors, typed getters whose errors name the JSON path ("config.json: process.args:
 * expected array of strings"), and yajl_gen helpers for output. Shared by spec/config*.c
 * and spec/state.c. Pure: no I/O. Output helpers are in common/json_gen.h. */
#ifndef VSL_SPEC_JSON_H
#define VSL_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/err.h"
#include "common/json_gen.h"

/* Parse len bytes (no NUL needed) into a tree. On failure returns NULL, err = EINVAL with
 * "name: line L, column C: <yajl's reason>". Free the tree with vsl_json_free only. */
yajl_val vsl_json_parse(const char *buf, size_t len, const char *name, struct vsl_err *err);
void vsl_json_free(yajl_val v);
static inline void vsl_json_freep(yajl_val *v)
{
	vsl_json_free(*v);
}
#define cleanup_json __attribute__((cleanup(vsl_json_freep)))
/* base (called name in errors) with patch laid over it (RFC 7386 merge patch without null
 * removals): objects merge key by key, recursively; any other patch value replaces the
 * base's. Pretty JSON (malloc'd), or NULL with err saying which text did not parse. */
char *vsl_json_merge(const char *base, const char *name, const char *patch,
		     struct vsl_err *err);

/* Where a value sits in the document, as a chain of stack nodes: rendered only when an
 * error is reported, so walking a document costs nothing. The root node's key is the
 * document name used as the message prefix ("config.json"), or NULL for none. */
struct vsl_jpath {
	const struct vsl_jpath *up;
	const char *key;	/* member name; NULL for an array element */
	size_t idx;
};
#define VSL_JPATH_ROOT(name) { .up = NULL, .key = (name), .idx = 0 }
#define VSL_JPATH_KEY(parent, k) { .up = (parent), .key = (k), .idx = 0 }
#define VSL_JPATH_IDX(parent, i) { .up = (parent), .key = NULL, .idx = (i) }

/* "process.rlimits[2].type", keys that are not identifiers as ["net.ipv4.ip_forward"]. */
void vsl_jpath_format(const struct vsl_jpath *p, char *buf, size_t len);
/* err = EINVAL, "name: path: message" (or "name: message" at the root); returns -EINVAL. */
int vsl_json_fail(struct vsl_err *err, const struct vsl_jpath *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Member of an object; NULL when absent, when obj is not an object, or when the member is
 * JSON null (null means "not set", as Go's encoding/json reads it). */
yajl_val vsl_json_get(yajl_val obj, const char *key);

/* Checks on a value at path p; 0 or -EINVAL with err filled. */
int vsl_json_want(yajl_val v, yajl_type type, const struct vsl_jpath *p, struct vsl_err *err);
int vsl_json_val_int(yajl_val v, const struct vsl_jpath *p, int64_t min, int64_t max,
		     int64_t *out, struct vsl_err *err);
int vsl_json_val_uint(yajl_val v, const struct vsl_jpath *p, uint64_t max, uint64_t *out,
		      struct vsl_err *err);
/* Take ownership of a string value's text out of the tree (the node keeps NULL). */
char *vsl_json_take(yajl_val v);

/* Getters for member key of object obj (at path p). Each returns 1 when the member was
 * set, 0 when absent and flags lacks VSL_JSON_REQUIRED ("key: required" otherwise), or
 * -EINVAL with err filled for a wrong type or a value out of range. */
#define VSL_JSON_REQUIRED 1u
int vsl_json_obj(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 yajl_val *out, struct vsl_err *err);
int vsl_json_arr(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 yajl_val *out, struct vsl_err *err);
int vsl_json_str(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 const char **out, struct vsl_err *err);
/* Like vsl_json_str, but moves the string out of the tree into *out (caller frees). */
int vsl_json_take_str(yajl_val obj, const struct vsl_jpath *p, const char *key,
		      unsigned flags, char **out, struct vsl_err *err);
/* Array of strings -> NULL-terminated vector moved out of the tree ([] gives a vector
 * holding just NULL, so "empty" and "absent" stay distinct). */
int vsl_json_take_strv(yajl_val obj, const struct vsl_jpath *p, const char *key,
		       unsigned flags, char ***out, struct vsl_err *err);
int vsl_json_bool(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		  bool *out, struct vsl_err *err);
int vsl_json_int(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 int64_t min, int64_t max, int64_t *out, struct vsl_err *err);
int vsl_json_uint(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		  uint64_t max, uint64_t *out, struct vsl_err *err);
int vsl_json_i32(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 int32_t *out, struct vsl_err *err);
int vsl_json_u32(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 uint32_t *out, struct vsl_err *err);
int vsl_json_u16(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 uint16_t *out, struct vsl_err *err);
/* A uid or gid: an integer in 0..2147483647 (VSL_ID_MAX), else "N is out of range
 * 0-2147483647". */
int vsl_json_val_id(yajl_val v, const struct vsl_jpath *p, uint32_t *out, struct vsl_err *err);
int vsl_json_id(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		uint32_t *out, struct vsl_err *err);

/* Parse obj[key], an array of objects, into a new array of n elements of elem_size bytes,
 * zeroed, calling fn on each. *out and *n are set before the elements are parsed, so on
 * failure the caller's usual clear function frees what was filled. */
typedef int (*vsl_json_elem_fn)(yajl_val v, const struct vsl_jpath *p, void *elem,
				struct vsl_err *err);
int vsl_json_objects(yajl_val obj, const struct vsl_jpath *p, const char *key,
		     size_t elem_size, vsl_json_elem_fn fn, void **out, size_t *n,
		     struct vsl_err *err);

/* Output: common/json_gen.h. */

#endif
