/* JSON helpers: a yajl_val tree builder with line/column errors, typed getters that name
 * the JSON path in their errors, and yajl_gen output helpers. No I/O. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"
#include "spec/json.h"

/* Deeper documents are refused: config.json nests 6 levels, and freeing is recursive. */
#define MAX_DEPTH 128

struct frame {
	yajl_val v;
	size_t cap;
};

struct builder {
	yajl_val root;
	char *key;		/* member name waiting for its value */
	struct frame stack[MAX_DEPTH];
	size_t depth;
	const char *why;	/* set when a callback cancels the parse */
};

static yajl_val new_node(yajl_type t)
{
	yajl_val v = xzalloc(sizeof(*v));
	v->type = t;
	return v;
}

static void grow(struct frame *f, size_t len)
{
	if (len < f->cap)
		return;
	f->cap = f->cap ? f->cap * 2 : 4;
	if (f->v->type == yajl_t_object) {
		f->v->u.object.keys = xrealloc(f->v->u.object.keys, f->cap * sizeof(char *));
		f->v->u.object.values = xrealloc(f->v->u.object.values, f->cap * sizeof(yajl_val));
	} else {
		f->v->u.array.values = xrealloc(f->v->u.array.values, f->cap * sizeof(yajl_val));
	}
}

/* Attach v to the open container (or make it the root). Cannot fail. */
static int add(struct builder *b, yajl_val v)
{
	struct frame *f;

	if (b->depth == 0) {
		b->root = v;
		return 1;
	}
	f = &b->stack[b->depth - 1];
	if (f->v->type == yajl_t_object) {
		size_t n = f->v->u.object.len;
		grow(f, n);
		f->v->u.object.keys[n] = b->key;
		f->v->u.object.values[n] = v;
		f->v->u.object.len++;
		b->key = NULL;
	} else {
		size_t n = f->v->u.array.len;
		grow(f, n);
		f->v->u.array.values[n] = v;
		f->v->u.array.len++;
	}
	return 1;
}

static int open_container(struct builder *b, yajl_type t)
{
	yajl_val v;

	if (b->depth == MAX_DEPTH) {
		b->why = "nesting too deep";
		return 0;
	}
	v = new_node(t);
	add(b, v);
	b->stack[b->depth++] = (struct frame){ .v = v, .cap = 0 };
	return 1;
}

static int cb_close(void *ctx)
{
	((struct builder *)ctx)->depth--;
	return 1;
}

static int cb_map_open(void *ctx)
{
	return open_container(ctx, yajl_t_object);
}

static int cb_arr_open(void *ctx)
{
	return open_container(ctx, yajl_t_array);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	free(b->key);
	b->key = strndup((const char *)s, len);
	if (!b->key)
		abort();
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	yajl_val v = new_node(yajl_t_string);
	v->u.string = strndup((const char *)s, len);
	if (!v->u.string)
		abort();
	return add(ctx, v);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	yajl_val v = new_node(yajl_t_number);
	char *end;

	v->u.number.r = strndup(s, len);
	if (!v->u.number.r)
		abort();
	errno = 0;
	v->u.number.i = strtoll(v->u.number.r, &end, 10);
	if (errno == 0 && *end == '\0') {
		/* the common case: an integer, exact as a double too (strtod is costly) */
		v->u.number.flags = YAJL_NUMBER_INT_VALID | YAJL_NUMBER_DOUBLE_VALID;
		v->u.number.d = (double)v->u.number.i;
		return add(ctx, v);
	}
	errno = 0;
	v->u.number.d = strtod(v->u.number.r, &end);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	return add(ctx, v);
}

static int cb_bool(void *ctx, int b)
{
	return add(ctx, new_node(b ? yajl_t_true : yajl_t_false));
}

static int cb_null(void *ctx)
{
	return add(ctx, new_node(yajl_t_null));
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_map_open,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_close,
	.yajl_start_array = cb_arr_open,
	.yajl_end_array = cb_close,
};

static int parse_error(yajl_handle h, const char *buf, size_t off, const char *why,
		       const char *name, struct vsl_err *err)
{
	unsigned line = 1, col = 1;
	unsigned char *msg = NULL;
	const char *text = why;
	size_t n;

	for (size_t i = 0; i < off; i++) {
		col++;
		if (buf[i] == '\n') {
			line++;
			col = 1;
		}
	}
	if (!text) {
		msg = yajl_get_error(h, 0, NULL, 0);
		text = msg ? (const char *)msg : "parse error";
	}
	n = strcspn(text, "\n");
	vsl_fail(err, EINVAL, "%s: line %u, column %u: %.*s", name, line, col, (int)n, text);
	if (msg)
		yajl_free_error(h, msg);
	return -EINVAL;
}

yajl_val vsl_json_parse(const char *buf, size_t len, const char *name, struct vsl_err *err)
{
	struct builder b = { 0 };
	yajl_handle h;
	yajl_status st;
	size_t off;

	h = yajl_alloc(&callbacks, NULL, &b);
	if (!h)
		abort();
	st = yajl_parse(h, (const unsigned char *)buf, len);
	/* bytes consumed include the offending one: point at it */
	off = yajl_get_bytes_consumed(h);
	if (off > 0)
		off--;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		off = len;
	}
	if (st != yajl_status_ok) {
		if (off > len)
			off = len;
		parse_error(h, buf, off, b.why, name, err);
		vsl_json_free(b.root);
		b.root = NULL;
	}
	free(b.key);
	yajl_free(h);
	return b.root;
}

void vsl_json_free(yajl_val v)
{
	if (!v)
		return;
	switch (v->type) {
	case yajl_t_string:
		free(v->u.string);
		break;
	case yajl_t_number:
		free(v->u.number.r);
		break;
	case yajl_t_object:
		for (size_t i = 0; i < v->u.object.len; i++) {
			free((char *)v->u.object.keys[i]);
			vsl_json_free(v->u.object.values[i]);
		}
		free(v->u.object.keys);
		free(v->u.object.values);
		break;
	case yajl_t_array:
		for (size_t i = 0; i < v->u.array.len; i++)
			vsl_json_free(v->u.array.values[i]);
		free(v->u.array.values);
		break;
	default:
		break;
	}
	free(v);
}

/* --- paths and errors --- */

static bool is_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

void vsl_jpath_format(const struct vsl_jpath *p, char *buf, size_t len)
{
	const struct vsl_jpath *chain[64];
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (; p && p->up && n < 64; p = p->up)
		chain[n++] = p;
	while (n-- > 0 && used < len) {
		const struct vsl_jpath *c = chain[n];
		int w;
		if (!c->key)
			w = snprintf(buf + used, len - used, "[%zu]", c->idx);
		else if (is_ident(c->key))
			w = snprintf(buf + used, len - used, "%s%s", used ? "." : "", c->key);
		else
			w = snprintf(buf + used, len - used, "[\"%s\"]", c->key);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int vsl_json_fail(struct vsl_err *err, const struct vsl_jpath *p, const char *fmt, ...)
{
	const struct vsl_jpath *root = p;
	char path[512], msg[VSL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	while (root && root->up)
		root = root->up;
	vsl_jpath_format(p, path, sizeof(path));
	if (root && root->key && path[0])
		return vsl_fail(err, EINVAL, "%s: %s: %s", root->key, path, msg);
	if (root && root->key)
		return vsl_fail(err, EINVAL, "%s: %s", root->key, msg);
	if (path[0])
		return vsl_fail(err, EINVAL, "%s: %s", path, msg);
	return vsl_fail(err, EINVAL, "%s", msg);
}

/* --- typed access --- */

yajl_val vsl_json_get(yajl_val obj, const char *key)
{
	if (!obj || obj->type != yajl_t_object)
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_val v = obj->u.object.values[i];
			return v && v->type == yajl_t_null ? NULL : v;
		}
	return NULL;
}

static const char *type_name(yajl_type t)
{
	switch (t) {
	case yajl_t_string:
		return "string";
	case yajl_t_number:
		return "number";
	case yajl_t_object:
		return "object";
	case yajl_t_array:
		return "array";
	case yajl_t_true:
	case yajl_t_false:
		return "boolean";
	default:
		return "null";
	}
}

int vsl_json_want(yajl_val v, yajl_type type, const struct vsl_jpath *p, struct vsl_err *err)
{
	bool ok = v && (v->type == type || (type == yajl_t_true && v->type == yajl_t_false));
	if (ok)
		return 0;
	return vsl_json_fail(err, p, "expected %s, got %s", type_name(type),
			     v ? type_name(v->type) : "null");
}

/* The integer in a JSON number literal: sign and magnitude. -EINVAL for a fraction or an
 * exponent (Go's encoding/json refuses those for integer fields too), -ERANGE past 2^64. */
static int int_literal(const char *r, bool *neg, uint64_t *mag)
{
	uint64_t m = 0;

	*neg = *r == '-';
	if (*neg)
		r++;
	if (!*r)
		return -EINVAL;
	for (; *r; r++) {
		unsigned d;
		if (*r < '0' || *r > '9')
			return -EINVAL;
		d = (unsigned)(*r - '0');
		if (m > (UINT64_MAX - d) / 10)
			return -ERANGE;
		m = m * 10 + d;
	}
	*mag = m;
	return 0;
}

static int number(yajl_val v, const struct vsl_jpath *p, bool *neg, uint64_t *mag,
		  struct vsl_err *err)
{
	int r;

	if (!v || v->type != yajl_t_number)
		return vsl_json_fail(err, p, "expected integer, got %s",
				     v ? type_name(v->type) : "null");
	r = int_literal(v->u.number.r, neg, mag);
	if (r == -EINVAL)
		return vsl_json_fail(err, p, "expected integer, got %s", v->u.number.r);
	return r;
}

int vsl_json_val_int(yajl_val v, const struct vsl_jpath *p, int64_t min, int64_t max,
		     int64_t *out, struct vsl_err *err)
{
	uint64_t mag = 0;
	bool neg = false;
	int r = number(v, p, &neg, &mag, err);

	if (r == -EINVAL)
		return r;
	if (r == 0 && !neg && mag <= (uint64_t)max)
		*out = (int64_t)mag;
	else if (r == 0 && neg && min < 0 && mag <= (uint64_t)(-(min + 1)) + 1)
		*out = (int64_t)(0 - mag);
	else
		return vsl_json_fail(err, p, "%s is out of range (%" PRId64 "..%" PRId64 ")",
				     v->u.number.r, min, max);
	if (*out < min)
		return vsl_json_fail(err, p, "%s is out of range (%" PRId64 "..%" PRId64 ")",
				     v->u.number.r, min, max);
	return 0;
}

int vsl_json_val_uint(yajl_val v, const struct vsl_jpath *p, uint64_t max, uint64_t *out,
		      struct vsl_err *err)
{
	uint64_t mag = 0;
	bool neg = false;
	int r = number(v, p, &neg, &mag, err);

	if (r == -EINVAL)
		return r;
	if (r < 0 || (neg && mag != 0) || mag > max)
		return vsl_json_fail(err, p, "%s is out of range (0..%" PRIu64 ")",
				     v->u.number.r, max);
	*out = mag;
	return 0;
}

char *vsl_json_take(yajl_val v)
{
	return vsl_steal_ptr(&v->u.string);
}

static int absent(const struct vsl_jpath *kp, unsigned flags, struct vsl_err *err)
{
	if (flags & VSL_JSON_REQUIRED)
		return vsl_json_fail(err, kp, "required");
	return 0;
}

/* Fetch obj[key] at path kp, checking the type; 1 found, 0 absent, -EINVAL. */
static int member(yajl_val obj, const struct vsl_jpath *kp, unsigned flags, yajl_type t,
		  yajl_val *out, struct vsl_err *err)
{
	yajl_val v = vsl_json_get(obj, kp->key);

	if (!v)
		return absent(kp, flags, err);
	if (vsl_json_want(v, t, kp, err) < 0)
		return -EINVAL;
	*out = v;
	return 1;
}

int vsl_json_obj(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 yajl_val *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	return member(obj, &kp, flags, yajl_t_object, out, err);
}

int vsl_json_arr(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 yajl_val *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	return member(obj, &kp, flags, yajl_t_array, out, err);
}

int vsl_json_str(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 const char **out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = NULL;
	int r = member(obj, &kp, flags, yajl_t_string, &v, err);

	if (r > 0)
		*out = v->u.string;
	return r;
}

int vsl_json_take_str(yajl_val obj, const struct vsl_jpath *p, const char *key,
		      unsigned flags, char **out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = NULL;
	int r = member(obj, &kp, flags, yajl_t_string, &v, err);

	if (r > 0) {
		free(*out);
		*out = vsl_json_take(v);
	}
	return r;
}

int vsl_json_take_strv(yajl_val obj, const struct vsl_jpath *p, const char *key,
		       unsigned flags, char ***out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = NULL;
	char **vec;
	size_t n;

	v = vsl_json_get(obj, key);
	if (!v)
		return absent(&kp, flags, err);
	if (v->type != yajl_t_array)
		return vsl_json_fail(err, &kp, "expected array of strings, got %s",
				     type_name(v->type));
	n = v->u.array.len;
	for (size_t i = 0; i < n; i++) {
		yajl_val e = v->u.array.values[i];
		if (!e || e->type != yajl_t_string)
			return vsl_json_fail(err, &kp, "expected array of strings");
	}
	vec = xmalloc((n + 1) * sizeof(*vec));
	for (size_t i = 0; i < n; i++)
		vec[i] = vsl_json_take(v->u.array.values[i]);
	vec[n] = NULL;
	vsl_strv_free(*out);
	*out = vec;
	return 1;
}

int vsl_json_bool(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		  bool *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = NULL;
	int r = member(obj, &kp, flags, yajl_t_true, &v, err);

	if (r > 0)
		*out = v->type == yajl_t_true;
	return r;
}

int vsl_json_int(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 int64_t min, int64_t max, int64_t *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = vsl_json_get(obj, key);

	if (!v)
		return absent(&kp, flags, err);
	return vsl_json_val_int(v, &kp, min, max, out, err) < 0 ? -EINVAL : 1;
}

int vsl_json_uint(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		  uint64_t max, uint64_t *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = vsl_json_get(obj, key);

	if (!v)
		return absent(&kp, flags, err);
	return vsl_json_val_uint(v, &kp, max, out, err) < 0 ? -EINVAL : 1;
}

int vsl_json_i32(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 int32_t *out, struct vsl_err *err)
{
	int64_t v = 0;
	int r = vsl_json_int(obj, p, key, flags, INT32_MIN, INT32_MAX, &v, err);

	if (r > 0)
		*out = (int32_t)v;
	return r;
}

int vsl_json_u32(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 uint32_t *out, struct vsl_err *err)
{
	uint64_t v = 0;
	int r = vsl_json_uint(obj, p, key, flags, UINT32_MAX, &v, err);

	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

int vsl_json_u16(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		 uint16_t *out, struct vsl_err *err)
{
	uint64_t v = 0;
	int r = vsl_json_uint(obj, p, key, flags, UINT16_MAX, &v, err);

	if (r > 0)
		*out = (uint16_t)v;
	return r;
}

int vsl_json_val_id(yajl_val v, const struct vsl_jpath *p, uint32_t *out, struct vsl_err *err)
{
	uint64_t mag = 0;
	bool neg = false;
	int r = number(v, p, &neg, &mag, err);

	if (r == -EINVAL)
		return r;
	if (r < 0 || (neg && mag != 0) || mag > VSL_ID_MAX)
		return vsl_json_fail(err, p, "%s is out of range 0-%u", v->u.number.r, VSL_ID_MAX);
	*out = (uint32_t)mag;
	return 0;
}

int vsl_json_id(yajl_val obj, const struct vsl_jpath *p, const char *key, unsigned flags,
		uint32_t *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val v = vsl_json_get(obj, key);

	if (!v)
		return absent(&kp, flags, err);
	return vsl_json_val_id(v, &kp, out, err) < 0 ? -EINVAL : 1;
}

int vsl_json_objects(yajl_val obj, const struct vsl_jpath *p, const char *key,
		     size_t elem_size, vsl_json_elem_fn fn, void **out, size_t *n,
		     struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val a = NULL;
	char *elems;
	int r = member(obj, &kp, 0, yajl_t_array, &a, err);

	if (r <= 0)
		return r;
	if (a->u.array.len == 0)
		return 1;
	elems = xzalloc(a->u.array.len * elem_size);
	*out = elems;
	*n = a->u.array.len;
	for (size_t i = 0; i < a->u.array.len; i++) {
		struct vsl_jpath ip = VSL_JPATH_IDX(&kp, i);
		yajl_val e = a->u.array.values[i];
		if (vsl_json_want(e, yajl_t_object, &ip, err) < 0)
			return -EINVAL;
		r = fn(e, &ip, elems + i * elem_size, err);
		if (r < 0)
			return r;
	}
	return 1;
}

static void gen_merged(yajl_gen g, const char *key, yajl_val base, yajl_val patch)
{
	if (!patch || !YAJL_IS_OBJECT(patch) || !base || !YAJL_IS_OBJECT(base)) {
		vsl_jgen_value(g, key, patch ? patch : base);
		return;
	}
	vsl_jgen_map_open(g, key);
	for (size_t i = 0; i < base->u.object.len; i++)
		gen_merged(g, base->u.object.keys[i], base->u.object.values[i],
			   vsl_json_get(patch, base->u.object.keys[i]));
	for (size_t i = 0; i < patch->u.object.len; i++)
		if (!vsl_json_get(base, patch->u.object.keys[i]))
			vsl_jgen_value(g, patch->u.object.keys[i], patch->u.object.values[i]);
	vsl_jgen_map_close(g);
}

char *vsl_json_merge(const char *base, const char *name, const char *patch,
		     struct vsl_err *err)
{
	cleanup_json yajl_val b = vsl_json_parse(base, strlen(base), name, err);
	cleanup_json yajl_val p = b ? vsl_json_parse(patch, strlen(patch), "patch", err) : NULL;
	yajl_gen g;

	if (!p)
		return NULL;
	g = vsl_jgen_new(true);
	gen_merged(g, NULL, b, p);
	return vsl_jgen_finish(g);
}
