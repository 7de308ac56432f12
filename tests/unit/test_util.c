/* common/util.c: number and size parsing, string vectors, bounded reads of regular files
 * only (a FIFO, /dev/zero, a directory or a huge file as config.json). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Reading odd files: refused at once, naming the file and why; never blocking on a FIFO
 * (an alarm would end the test), never reading /dev/zero to the end of memory. */
static void check_bounded_reads(void)
{
	char dir[] = "/tmp/vsltest-util-XXXXXX";
	cleanup_free char *reg = NULL, *fifo = NULL, *big = NULL, *edge = NULL, *lnk = NULL;
	cleanup_free char *dlnk = NULL, *zlnk = NULL;
	const struct {
		const char **path;
		const char *want;
	} refused[] = {
		{ (const char **)&fifo, ": not a regular file" },
		{ (const char **)&dlnk, ": not a regular file" },
		{ (const char **)&zlnk, ": not a regular file" },
		{ (const char **)&big, ": larger than 16 MiB" },
	};
	struct vsl_err err;
	char *buf = NULL;
	size_t len = 0;
	int fd;

	if (!mkdtemp(dir))
		abort();
	reg = xasprintf("%s/config.json", dir);
	fifo = xasprintf("%s/fifo", dir);
	big = xasprintf("%s/big", dir);
	edge = xasprintf("%s/edge", dir);
	lnk = xasprintf("%s/link", dir);
	dlnk = xasprintf("%s/dirlink", dir);
	zlnk = xasprintf("%s/zero", dir);
	if (vsl_write_file_replace(reg, "{}", 2, 0644, &err) < 0 || mkfifo(fifo, 0600) < 0 ||
	    symlink(reg, lnk) < 0 || symlink(dir, dlnk) < 0 || symlink("/dev/zero", zlnk) < 0)
		abort();
	fd = open(big, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)VSL_READ_MAX + 1) < 0)
		abort();
	close(fd);
	fd = open(edge, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)VSL_READ_MAX) < 0)
		abort();
	alarm(20);
	ok(vsl_read_file(lnk, &buf, &len, &err) == 0 && len == 2 && !strcmp(buf, "{}"),
	   "a symlink to a regular file is read");
	free(buf);
	buf = NULL;
	ok(vsl_read_file(edge, &buf, &len, &err) == 0 && len == VSL_READ_MAX,
	   "a file of exactly 16 MiB is read");
	free(buf);
	buf = NULL;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cleanup_free char *want = xasprintf("%s%s", *refused[i].path, refused[i].want);
		ok(vsl_read_file(*refused[i].path, &buf, &len, &err) < 0 && err.complete &&
			   strcmp(err.msg, want) == 0 && !buf,
		   "refused: %s", err.msg);
	}
	ok(vsl_read_file(dir, &buf, &len, &err) == -EINVAL && strstr(err.msg, "not a regular file"),
	   "a directory is refused: %s", err.msg);
	close(fd);
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], "abc", 3) != 3)
			abort();
		close(p[1]);
		ok(vsl_read_fd(p[0], "stdin", &buf, &len, &err) == 0 && len == 3 &&
			   !strcmp(buf, "abc"),
		   "a pipe is read to its end");
		close(p[0]);
		free(buf);
		buf = NULL;
	}
	fd = open(big, O_RDONLY | O_CLOEXEC);
	ok(vsl_read_fd(fd, "stdin", &buf, &len, &err) == -EFBIG &&
		   strcmp(err.msg, "stdin: larger than 16 MiB") == 0,
	   "a stream is bounded too: %s", err.msg);
	close(fd);
	alarm(0);
	vsl_rm_rf(dir, &err);
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
	check_bounded_reads();
	return tap_done();
}
