/* Writing JSON with yajl_gen: the one set of output helpers every module uses (state,
 * config, template and network records, events, features). Depends on libc and yajl. */
#ifndef VSL_COMMON_JSON_GEN_H
#define VSL_COMMON_JSON_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Output. vsl_jgen_new never fails (aborts on OOM); vsl_jgen_finish returns the text
 * (malloc'd, NUL-terminated) and frees g. A NULL key writes a bare value (in an array);
 * str and strv skip NULL values entirely. Pretty output is indented with tabs, like
 * runc spec. */
yajl_gen vsl_jgen_new(bool pretty);
char *vsl_jgen_finish(yajl_gen g);
void vsl_jgen_key(yajl_gen g, const char *key);
void vsl_jgen_str(yajl_gen g, const char *key, const char *s);
void vsl_jgen_strv(yajl_gen g, const char *key, char *const *v);
void vsl_jgen_bool(yajl_gen g, const char *key, bool b);
void vsl_jgen_int(yajl_gen g, const char *key, int64_t v);
void vsl_jgen_uint(yajl_gen g, const char *key, uint64_t v);
void vsl_jgen_map_open(yajl_gen g, const char *key);
void vsl_jgen_map_close(yajl_gen g);
void vsl_jgen_arr_open(yajl_gen g, const char *key);
void vsl_jgen_arr_close(yajl_gen g);
/* A parsed value (yajl tree) as it is; numbers keep their original text. */
void vsl_jgen_value(yajl_gen g, const char *key, yajl_val v);

#endif
