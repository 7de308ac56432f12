/* vessel spec [-b|--bundle DIR] [--rootless]: write a default DIR/config.json, as runc spec
 * does. Never overwrites an existing config.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootless.h"
#include "spec/config.h"

struct vsl_spec_opts {
	const char *bundle;
	bool rootless;
};

/* runc's rootless default maps the caller's own ids alone; vessel adds the user's
 * subordinate ids (/etc/subuid, /etc/subgid) above them when it has some, as podman does. */
static int default_json(const struct vsl_spec_opts *o, char **out, struct vsl_err *err)
{
	struct vsl_id_mapping uid[VSL_SUBID_MAX + 1], gid[VSL_SUBID_MAX + 1];
	struct vsl_spec_ids ids = { .uid = uid, .gid = gid };
	int r;

	if (!o->rootless) {
		*out = vsl_config_default_json(false);
		return 0;
	}
	r = vsl_rootless_spec_ids(uid, &ids.n_uid, gid, &ids.n_gid, err);
	if (r < 0)
		return vsl_wrap(err, "spec --rootless");
	*out = vsl_config_rootless_json(&ids);
	return 0;
}

static int write_spec(const struct vsl_spec_opts *o, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", o->bundle);
	cleanup_free char *json = NULL;
	cleanup_close int fd = -1;
	size_t len;
	int r;

	r = default_json(o, &json, err);
	if (r < 0)
		return r;
	len = strlen(json);
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

enum { OPT_ROOTLESS = 256 };

static const struct vsl_opt opts[] = {
	{ "bundle", 'b', "DIR", "write DIR/config.json (default: ./config.json)" },
	{ "rootless", OPT_ROOTLESS, NULL,
	  "a config for a rootless container (user namespace, no cgroup rules)" },
	VSL_OPT_END,
};

static int spec_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_spec_opts o = { .bundle = ".", .rootless = false };
	struct vsl_err err = { 0 };
	struct vsl_args a;
	const char *v;
	int k;

	vsl_args_init(&a, &vsl_cmd_spec, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == 'b')
			o.bundle = v;
		else
			o.rootless = true;
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 0)
		return vsl_cmd_usage_error(&vsl_cmd_spec, "unexpected argument %s", a.argv[0]);
	if (write_spec(&o, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_spec = {
	.name = "spec",
	.run = spec_run,
	.summary = "write a default config.json into a bundle",
	.details = "The defaults are runc spec's (process sh with a terminal, a read-only "
		   "rootfs); an existing\nconfig.json is never overwritten.",
	.opts = opts,
};
