/* common/util.c: number and size parsing, string vectors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"
#include "tests/unit/tap.h"

/* An error is one line whatever it quotes (found by make fuzz: a config value with a
 * newline split the message). */
static void check_err_one_line(void)
{
	struct vsl_err err;

	vsl_fail(&err, EINVAL, "ociVersion: bad \"%s\"", "1.0\nrd\t\x01");
	ok(strcmp(err.msg, "ociVersion: bad \"1.0\\nrd\\t\\x01\"") == 0, "control characters escaped: %s",
	   err.msg);
	vsl_wrap(&err, "path %s", "a\rb");
	ok(strncmp(err.msg, "path a\\x0db: ociVersion", strlen("path a\\x0db: ociVersion")) == 0, "also in a wrap's prefix: %s", err.msg);
	vsl_fail(&err, EIO, "plain %d", 1);
	ok(strcmp(err.msg, "plain 1") == 0, "plain messages untouched");
}

int main(void)
{
	uint64_t u = 0;
	int64_t i = 0;
	static const struct {
		const char *in;
		int ret;
		uint64_t want;
	} sizes[] = {
		{ "4096", 0, 4096 },      { "512M", 0, 512ULL << 20 }, { "10G", 0, 10ULL << 30 },
		{ "1.5G", 0, 3ULL << 29 }, { "64k", 0, 65536 },          { "2MiB", 0, 2ULL << 20 },
		{ "1GB", 0, 1ULL << 30 },  { "", -EINVAL, 0 },           { "-1M", -EINVAL, 0 },
		{ "12Q", -EINVAL, 0 },     { "M", -EINVAL, 0 },
		/* what strtod alone would take (found by make fuzz: "nan" was undefined) */
		{ "nan", -EINVAL, 0 },    { "inf", -EINVAL, 0 },      { "0x10", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },    { " 5M", -EINVAL, 0 },      { "1.", -EINVAL, 0 },
		{ ".5G", -EINVAL, 0 },    { "5iB", -EINVAL, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },             { "16777216T", -ERANGE, 0 },
		{ "9223372036854775807", 0, 9223372036854775807ULL },  { "0.5k", 0, 512 },
	};

	ok(vsl_parse_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX, "u64 max");
	ok(vsl_parse_u64("18446744073709551616", &u) == -ERANGE, "u64 overflow is ERANGE");
	ok(vsl_parse_u64("-1", &u) == -EINVAL, "u64 rejects negative");
	ok(vsl_parse_u64("12x", &u) == -EINVAL, "u64 rejects trailing junk");
	ok(vsl_parse_i64("-42", &i) == 0 && i == -42, "i64 negative");
	ok(vsl_parse_i64("", &i) == -EINVAL, "i64 rejects empty");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		u = 0;
		int r = vsl_parse_size(sizes[k].in, &u);
		ok(r == sizes[k].ret && (r < 0 || u == sizes[k].want), "size \"%s\"", sizes[k].in);
	}
	{
		cleanup_strv char **v = NULL;
		vsl_strv_push(&v, "a");
		vsl_strv_push(&v, "b");
		cleanup_strv char **d = vsl_strv_dup(v);
		ok(vsl_strv_len(d) == 2 && strcmp(d[1], "b") == 0, "strv push and dup");
	}
	ok(vsl_proc_start_time(getpid()) > 0, "start time of self");
	check_err_one_line();
	return tap_done();
}
