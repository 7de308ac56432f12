/* libFuzzer target for reading config.json from whatever a bundle holds under that name,
 * the way create reads it (vsl_config_load). The first input byte picks what config.json
 * is: a regular file holding the rest of the input, a symlink to one, a FIFO, a directory
 * or a symlink to one, /dev/zero, /dev/urandom, /dev/null, a dangling or a looping symlink,
 * or a sparse file the rest of the input is written into past the 16 MiB cap. Every case
 * must end at once (a FIFO never blocks: `make fuzz` runs this with -timeout), within the
 * bounded read (an unbounded one trips -rss_limit_mb), with a config or one error line,
 * and the odd files with the error saying why. `make fuzz` runs it; not part of the test
 * command. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "spec/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind {
	REGULAR, SYMLINK, FIFO, DIRECTORY, DIR_LINK, DEV_ZERO, DEV_URANDOM, DEV_NULL, DANGLING,
	LOOP, HUGE, KINDS
};

static char dir[] = "/tmp/vsl-fuzz-file-XXXXXX";
static char path[64], real[64], loop_a[64];

static void remove_dir(void)
{
	struct vsl_err err;

	vsl_rm_rf(dir, &err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(real, sizeof(real), "%s/real.json", dir);
	snprintf(loop_a, sizeof(loop_a), "%s/loop", dir);
	if (symlink(loop_a, loop_a) < 0) /* loop -> loop */
		abort();
	return 0;
}

static void write_file(const char *p, const uint8_t *data, size_t size, off_t at)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (at && ftruncate(fd, at) < 0) || pwrite(fd, data, size, at) != (ssize_t)size)
		abort();
	close(fd);
}

/* config.json as kind k; the rest of the input as its content where it has one. */
static void make(enum kind k, const uint8_t *data, size_t size)
{
	int r = 0;

	unlink(path);
	rmdir(path);
	switch (k) {
	case REGULAR: write_file(path, data, size, 0); break;
	case SYMLINK: write_file(real, data, size, 0); r = symlink(real, path); break;
	case FIFO: r = mkfifo(path, 0600); break;
	case DIRECTORY: r = mkdir(path, 0700); break;
	case DIR_LINK: r = symlink(dir, path); break;
	case DEV_ZERO: r = symlink("/dev/zero", path); break;
	case DEV_URANDOM: r = symlink("/dev/urandom", path); break;
	case DEV_NULL: r = symlink("/dev/null", path); break;
	case DANGLING: r = symlink("/nonexistent/vsl-fuzz", path); break;
	case LOOP: r = symlink(loop_a, path); break;
	case HUGE: write_file(path, data, size, (off_t)VSL_READ_MAX + 1 - (off_t)(size > 0)); break;
	case KINDS: abort();
	}
	if (r < 0)
		abort();
}

/* What the error of each odd kind says, and its code. */
static const struct {
	const char *msg;
	int code;
} why[KINDS] = {
	[FIFO] = { "not a regular file", EINVAL },	  [DIRECTORY] = { "not a regular file", EINVAL },
	[DIR_LINK] = { "not a regular file", EINVAL },   [DEV_ZERO] = { "not a regular file", EINVAL },
	[DEV_URANDOM] = { "not a regular file", EINVAL }, [DEV_NULL] = { "not a regular file", EINVAL },
	[DANGLING] = { "open ", ENOENT },		  [LOOP] = { "open ", ELOOP },
	[HUGE] = { "larger than 16 MiB", EFBIG },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum kind k = size ? (enum kind)(data[0] % KINDS) : REGULAR;
	struct vsl_err err = { 0 };
	struct vsl_config *c;

	make(k, size ? data + 1 : data, size ? size - 1 : 0);
	c = vsl_config_load(path, &err);
	if (c) {
		if (k != REGULAR && k != SYMLINK)
			abort(); /* only a regular file may give a config */
		vsl_config_free(c);
		return 0;
	}
	if (!err.msg[0] || strchr(err.msg, '\n'))
		abort(); /* an error is one non-empty line */
	if (why[k].msg && (!strstr(err.msg, why[k].msg) || err.code != why[k].code))
		abort(); /* and says why an odd file was refused */
	return 0;
}
