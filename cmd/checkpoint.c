/* vessel checkpoint [options] ID: dump a running container with CRIU (runc's flags). The
 * options checkpoint and restore share are parsed here for both (cmd/restore.c). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "runtime/checkpoint.h"

enum { OPT_IMAGE = 256, OPT_WORK, OPT_TCP, OPT_EXTUNIX, OPT_SHELL, OPT_LOCKS, OPT_CGMODE,
       OPT_EMPTYNS, OPT_DEDUP, OPT_LAZY };
enum { OPT_PARENT = 280, OPT_LEAVE, OPT_PREDUMP, OPT_PAGESERVER, OPT_STATUSFD };

const struct vsl_opt vsl_cr_opts_table[] = {
	{ "image-path", OPT_IMAGE, "DIR", "the CRIU image directory (default: ./checkpoint)" },
	{ "work-path", OPT_WORK, "DIR", "CRIU's logs and work files (default: the image directory)" },
	{ "tcp-established", OPT_TCP, NULL, "established TCP connections too" },
	{ "ext-unix-sk", OPT_EXTUNIX, NULL, "unix sockets connected outside the container too" },
	{ "shell-job", OPT_SHELL, NULL, "a process of a shell's session (its terminal outside)" },
	{ "file-locks", OPT_LOCKS, NULL, "file locks too" },
	{ "manage-cgroups-mode", OPT_CGMODE, "MODE", "CRIU's cgroup mode: soft (default), full, "
						     "strict or ignore" },
	{ "empty-ns", OPT_EMPTYNS, "NS", "network: the namespace but not its contents" },
	{ "auto-dedup", OPT_DEDUP, NULL, "drop memory pages a later image holds again" },
	{ "lazy-pages", OPT_LAZY, NULL, "memory on demand (userfaultfd; criu lazy-pages serves it)" },
	VSL_OPT_END,
};

int vsl_cmd_cr_opt(const struct vsl_cmd *cmd, struct vsl_cr_opts *o, int key, const char *v)
{
	switch (key) {
	case OPT_IMAGE: o->image_path = v; break;
	case OPT_WORK: o->work_path = v; break;
	case OPT_TCP: o->tcp_established = true; break;
	case OPT_EXTUNIX: o->ext_unix_sk = true; break;
	case OPT_SHELL: o->shell_job = true; break;
	case OPT_LOCKS: o->file_locks = true; break;
	case OPT_CGMODE:
		if (strcmp(v, "soft") && strcmp(v, "full") && strcmp(v, "strict") &&
		    strcmp(v, "ignore"))
			return vsl_cmd_usage_error(cmd, "--manage-cgroups-mode: expected soft, full, "
						   "strict or ignore, got %s", v);
		o->manage_cgroups_mode = v;
		break;
	case OPT_DEDUP: o->auto_dedup = true; break;
	case OPT_LAZY: o->lazy_pages = true; break;
	case OPT_EMPTYNS:
		if (strcmp(v, "network") && strcmp(v, "net"))
			return vsl_cmd_usage_error(cmd, "--empty-ns: only network is supported, "
						   "got %s", v);
		o->empty_ns_net = true;
		break;
	default: return 1;
	}
	return 0;
}

static const struct vsl_opt opts[] = {
	{ "parent-path", OPT_PARENT, "DIR", "the previous pre-dump, relative to the image directory" },
	{ "leave-running", OPT_LEAVE, NULL, "leave the container running after the checkpoint" },
	{ "pre-dump", OPT_PREDUMP, NULL, "dump memory only, the container keeps running" },
	{ "page-server", OPT_PAGESERVER, "ADDR:PORT", "send memory pages to this CRIU page server" },
	{ "status-fd", OPT_STATUSFD, "FD", "CRIU writes \\0 to FD once lazy pages are served" },
	VSL_OPT_END,
};

static int checkpoint_opt(struct vsl_checkpoint_opts *o, int key, const char *v)
{
	uint64_t n;

	switch (key) {
	case OPT_PARENT: o->parent_path = v; break;
	case OPT_LEAVE: o->leave_running = true; break;
	case OPT_PREDUMP: o->pre_dump = true; break;
	case OPT_PAGESERVER: o->page_server = v; break;
	case OPT_STATUSFD:
		if (vsl_parse_u64(v, &n) < 0 || n > 65535)
			return vsl_cmd_usage_error(&vsl_cmd_checkpoint,
						   "--status-fd: expected an fd number, got %s", v);
		o->status_fd = (int)n;
		break;
	default: return vsl_cmd_cr_opt(&vsl_cmd_checkpoint, &o->cr, key, v);
	}
	return 0;
}

static int checkpoint_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_checkpoint_opts o = { .status_fd = -1 };
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	int k, r;

	vsl_args_init(&a, &vsl_cmd_checkpoint, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		if ((r = checkpoint_opt(&o, k, v)))
			return r;
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(&vsl_cmd_checkpoint, "expected one container id");
	o.id = a.argv[0];
	if (vsl_container_checkpoint(ctx, &o, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_checkpoint = {
	.name = "checkpoint",
	.run = checkpoint_run,
	.summary = "save a running container with CRIU, to be restored later",
	.args = "ID",
	.details = "CRIU (Debian's criu package, or --criu PATH) dumps the container's processes "
		   "into the image\ndirectory. Without --leave-running or --pre-dump the "
		   "container ends, as with runc: its\ncgroup, network and state go, its private "
		   "layer stays for `vessel restore`. A failed\ncheckpoint leaves the container "
		   "running and names CRIU's reason. docs/checkpoint.md.",
	.opts = opts,
	.more_opts = vsl_cr_opts_table,
};
