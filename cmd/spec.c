/* vessel spec [-b|--bundle DIR] [--rootless]: write a default DIR/config.json, as runc spec
 * does. Never overwrites an existing config.json. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"

struct vsl_spec_opts {
	const char *bundle;
	bool rootless;
};

static int write_spec(const struct vsl_spec_opts *o, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", o->bundle);
	cleanup_free char *json = vsl_config_default_json(o->rootless);
	cleanup_close int fd = -1;
	size_t len = strlen(json);
	int r;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return vsl_fail(err, EEXIST, "%s: refusing to overwrite", path);
	if (fd < 0)
		return vsl_fail(err, errno, "create %s", path);
	if (len && json[len - 1] != '\n')
		json[len++] = '\n';	/* the NUL becomes the final newline */
	r = vsl_write_all(fd, json, len);
	if (r == 0 && close(vsl_steal_fd(&fd)) < 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return vsl_fail(err, r, "write %s", path);
	}
	return 0;
}

VSL_CMD(spec)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsl_spec_opts o = { .bundle = ".", .rootless = false };
	struct vsl_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case 'r':
			o.rootless = true;
			break;
		default:
			return vsl_cmd_usage_error(vsl_cmd_find("spec"), "unknown option");
		}
	}
	if (optind != argc)
		return vsl_cmd_usage_error(vsl_cmd_find("spec"), "unexpected argument %s",
					   argv[optind]);
	if (write_spec(&o, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}
