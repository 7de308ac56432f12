/* vessel features: the OCI Features structure (features.md, features-linux.md). Every list
 * comes from the table the code itself uses to accept or apply config.json, minus what
 * the code recognizes only to refuse (idmapped mounts), so it stays truthful. */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "runtime/caps.h"
#include "runtime/checkpoint.h"
#include "runtime/mount_plan.h"
#include "runtime/seccomp.h"
#include "spec/config.h"
#include "spec/json.h"

static void gen_names(yajl_gen g, const char *key, const char *const *v, size_t n)
{
	vsl_jgen_arr_open(g, key);
	for (size_t i = 0; i < n; i++)
		vsl_jgen_str(g, NULL, v[i]);
	vsl_jgen_arr_close(g);
}

static void gen_mount_options(yajl_gen g)
{
	size_t n;
	const struct vsl_mount_option *t = vsl_mount_option_table(&n);

	vsl_jgen_arr_open(g, "mountOptions");
	for (size_t i = 0; i < n; i++)
		if (t[i].kind != VSL_MOPT_IDMAP)
			vsl_jgen_str(g, NULL, t[i].name);
	vsl_jgen_arr_close(g);
}

static void gen_capabilities(yajl_gen g)
{
	vsl_jgen_arr_open(g, "capabilities");
	for (unsigned c = 0; c < 64; c++) {
		char buf[48];

		/* Only names libcap knows: vsl_cap_from_name accepts exactly those. */
		if (vsl_cap_from_name(vsl_cap_name(c, buf, sizeof(buf))) == (int)c)
			vsl_jgen_str(g, NULL, buf);
	}
	vsl_jgen_arr_close(g);
}

static void gen_seccomp(yajl_gen g)
{
	const char *const *v;
	size_t n;

	vsl_jgen_map_open(g, "seccomp");
	vsl_jgen_bool(g, "enabled", true);
	v = vsl_seccomp_names(VSL_SECCOMP_ACTIONS, &n);
	gen_names(g, "actions", v, n);
	v = vsl_seccomp_names(VSL_SECCOMP_OPS, &n);
	gen_names(g, "operators", v, n);
	/* Architectures libseccomp cannot resolve are skipped at create: not listed. */
	v = vsl_seccomp_names(VSL_SECCOMP_ARCHES, &n);
	vsl_jgen_arr_open(g, "archs");
	for (size_t i = 0; i < n; i++)
		if (vsl_seccomp_arch(v[i]))
			vsl_jgen_str(g, NULL, v[i]);
	vsl_jgen_arr_close(g);
	v = vsl_seccomp_names(VSL_SECCOMP_FLAGS, &n);
	gen_names(g, "knownFlags", v, n);
	vsl_jgen_arr_open(g, "supportedFlags");
	for (size_t i = 0; i < n; i++)
		if (vsl_seccomp_flag_supported(vsl_seccomp_flag(v[i])))
			vsl_jgen_str(g, NULL, v[i]);
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
}

static void gen_enabled(yajl_gen g, const char *key, bool on)
{
	vsl_jgen_map_open(g, key);
	vsl_jgen_bool(g, "enabled", on);
	vsl_jgen_map_close(g);
}

static void gen_linux(yajl_gen g)
{
	vsl_jgen_map_open(g, "linux");
	vsl_jgen_arr_open(g, "namespaces");
	for (int t = 0; t < VSL_NS_TYPES; t++)
		vsl_jgen_str(g, NULL, vsl_ns_name((enum vsl_ns_type)t));
	vsl_jgen_arr_close(g);
	gen_capabilities(g);
	/* cgroup/: v1 and v2 through cgroupfs; systemd scopes over D-Bus (--systemd-cgroup, as
	 * root, on cgroup v2); no systemd user instance (rootless). */
	vsl_jgen_map_open(g, "cgroup");
	vsl_jgen_bool(g, "v1", true);
	vsl_jgen_bool(g, "v2", true);
	vsl_jgen_bool(g, "systemd", true);
	vsl_jgen_bool(g, "systemdUser", false);
	vsl_jgen_bool(g, "rdma", true);
	vsl_jgen_map_close(g);
	gen_seccomp(g);
	gen_enabled(g, "apparmor", true);
	gen_enabled(g, "selinux", true);
	gen_enabled(g, "intelRdt", false);
	vsl_jgen_map_open(g, "mountExtensions");
	gen_enabled(g, "idmap", false);
	vsl_jgen_map_close(g);
	vsl_jgen_map_close(g);
}

static char *features_json(const struct vsl_ctx *ctx)
{
	yajl_gen g = vsl_jgen_new(true);
	const struct scmp_version *sv = seccomp_version();
	char scmp[32];

	vsl_jgen_map_open(g, NULL);
	/* config.json's ociVersion is any SemVer; these are the versions vessel follows. */
	vsl_jgen_str(g, "ociVersionMin", "1.0.0");
	vsl_jgen_str(g, "ociVersionMax", "1.2.0");
	vsl_jgen_arr_open(g, "hooks");
	for (int k = 0; k < VSL_HOOK_KINDS; k++)
		vsl_jgen_str(g, NULL, vsl_hook_name((enum vsl_hook_kind)k));
	vsl_jgen_arr_close(g);
	gen_mount_options(g);
	gen_linux(g);
	vsl_jgen_map_open(g, "annotations");
	snprintf(scmp, sizeof(scmp), "%u.%u.%u", sv->major, sv->minor, sv->micro);
	vsl_jgen_str(g, "io.github.seccomp.libseccomp.version", scmp);
	vsl_jgen_str(g, "vessel.version", VSL_VERSION);
	/* runc's key, and only when it is true here: criu runs and `criu check` passes. */
	if (vsl_checkpoint_supported(ctx))
		vsl_jgen_str(g, "org.opencontainers.runc.checkpoint.enabled", "true");
	vsl_jgen_map_close(g);
	/* The vessel.net.* annotations attach the container to a host bridge. */
	vsl_jgen_arr_open(g, "potentiallyUnsafeConfigAnnotations");
	vsl_jgen_str(g, NULL, "vessel.net.");
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}

static int features_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_args a;
	char *json;
	int r;

	r = vsl_args_exactly(&a, &vsl_cmd_features, argc, argv, 0, "takes no arguments");
	if (r)
		return r;
	json = features_json(ctx);
	printf("%s\n", json);
	free(json);
	return 0;
}

const struct vsl_cmd vsl_cmd_features = {
	.name = "features",
	.run = features_run,
	.summary = "print the OCI features JSON (what vessel supports)",
	.details = "Every list is read from the table vessel itself uses to accept or apply "
		   "config.json.\nCheckpoint support (runc's annotation "
		   "org.opencontainers.runc.checkpoint.enabled) is listed\nonly when CRIU runs "
		   "here and `criu check` passes.",
};
