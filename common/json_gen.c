/* yajl_gen helpers (common/json_gen.h): NULL keys for array elements, NULL values
 * skipped, integers written from their exact decimal text so uint64 survives. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/json_gen.h"

yajl_gen vsl_jgen_new(bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g)
		abort();
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "\t");
	}
	return g;
}

char *vsl_jgen_finish(yajl_gen g)
{
	const unsigned char *buf = NULL;
	size_t len = 0;
	char *out;

	yajl_gen_get_buf(g, &buf, &len);
	out = xmalloc(len + 1);
	memcpy(out, buf, len);
	out[len] = '\0';
	yajl_gen_free(g);
	return out;
}

void vsl_jgen_key(yajl_gen g, const char *key)
{
	if (key)
		yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void vsl_jgen_str(yajl_gen g, const char *key, const char *s)
{
	if (!s)
		return;
	vsl_jgen_key(g, key);
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void vsl_jgen_strv(yajl_gen g, const char *key, char *const *v)
{
	if (!v)
		return;
	vsl_jgen_arr_open(g, key);
	for (; *v; v++)
		vsl_jgen_str(g, NULL, *v);
	yajl_gen_array_close(g);
}

void vsl_jgen_bool(yajl_gen g, const char *key, bool b)
{
	vsl_jgen_key(g, key);
	yajl_gen_bool(g, b);
}

void vsl_jgen_int(yajl_gen g, const char *key, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	vsl_jgen_key(g, key);
	yajl_gen_number(g, buf, (size_t)n);
}

void vsl_jgen_uint(yajl_gen g, const char *key, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	vsl_jgen_key(g, key);
	yajl_gen_number(g, buf, (size_t)n);
}

void vsl_jgen_map_open(yajl_gen g, const char *key)
{
	vsl_jgen_key(g, key);
	yajl_gen_map_open(g);
}

void vsl_jgen_map_close(yajl_gen g)
{
	yajl_gen_map_close(g);
}

void vsl_jgen_arr_open(yajl_gen g, const char *key)
{
	vsl_jgen_key(g, key);
	yajl_gen_array_open(g);
}

void vsl_jgen_arr_close(yajl_gen g)
{
	yajl_gen_array_close(g);
}

void vsl_jgen_value(yajl_gen g, const char *key, yajl_val v)
{
	if (key)
		vsl_jgen_key(g, key);
	if (!v || YAJL_IS_NULL(v)) {
		yajl_gen_null(g);
	} else if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++)
			vsl_jgen_value(g, v->u.object.keys[i], v->u.object.values[i]);
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			vsl_jgen_value(g, NULL, v->u.array.values[i]);
		yajl_gen_array_close(g);
	}
}
