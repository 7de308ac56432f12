/* runtime/mount_plan.c: the option table, every option, last-wins order, data, binds,
 * cgroup mounts, errors naming mounts[i]; runtime/sysctl.c's pure helpers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/mount_plan.h"
#include "runtime/rootfs.h"
#include "tests/unit/tap.h"

/* Build a plan from a type, source, destination and a NULL-terminated option list. */
static int plan(const char *type, const char *src, const char *dst, const char *const *opts,
		struct vsl_mount_plan *p, struct vsl_err *err)
{
	struct vsl_mount m = {
		.destination = (char *)dst,
		.source = (char *)src,
		.type = (char *)type,
		.options = (char **)opts,
	};

	return vsl_mount_plan_build(&m, 3, "/bundle", p, err);
}

static void test_table(void)
{
	size_t n;
	const struct vsl_mount_option *t = vsl_mount_option_table(&n);
	bool sorted = true, found = true;
	static const char *const must[] = {
		"bind", "rbind", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
		"sync", "async", "dirsync", "remount", "mand", "nomand", "atime", "noatime",
		"diratime", "nodiratime", "relatime", "norelatime", "strictatime",
		"nostrictatime", "lazytime", "nolazytime", "silent", "loud", "private",
		"rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
		"iversion", "noiversion", "idmap", "ridmap", "tmpcopyup", "defaults", "rro",
		"rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnoatime",
		"ratime", "rrelatime", "rnorelatime", "rstrictatime", "rnostrictatime",
		"rdiratime", "rnodiratime", "nosymfollow", "symfollow", "rnosymfollow",
		"rsymfollow",
	};

	for (size_t i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			sorted = false;
	ok(sorted, "option table is strictly sorted (%zu rows)", n);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		const struct vsl_mount_option *o = vsl_mount_option_find(must[i]);

		if (!o || strcmp(o->name, must[i]) != 0) {
			found = false;
			printf("# missing option %s\n", must[i]);
		}
	}
	ok(found, "every OCI option is in the table");
	ok(vsl_mount_option_find("size=64k") == NULL, "size=64k is not a flag");
	ok(vsl_mount_option_find("") == NULL, "empty string is not an option");
}

static const struct {
	const char *opt;
	unsigned long set, clear;
} flag_cases[] = {
	{ "ro", MS_RDONLY, 0 },		  { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },	  { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },	  { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },	  { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },	  { "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },	  { "remount", MS_REMOUNT, 0 },
	{ "mand", MS_MANDLOCK, 0 },	  { "nomand", 0, MS_MANDLOCK },
	{ "noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME },
	{ "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME },
	{ "nostrictatime", 0, MS_STRICTATIME },
	{ "lazytime", MS_LAZYTIME, 0 },	  { "nolazytime", 0, MS_LAZYTIME },
	{ "silent", MS_SILENT, 0 },	  { "loud", 0, MS_SILENT },
	{ "iversion", MS_I_VERSION, 0 },  { "noiversion", 0, MS_I_VERSION },
	{ "nosymfollow", MS_NOSYMFOLLOW, 0 }, { "symfollow", 0, MS_NOSYMFOLLOW },
	{ "defaults", 0, 0 },
};

static void test_flags(void)
{
	struct vsl_err err;

	for (size_t i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
		struct vsl_mount_plan p;
		const char *opts[] = { flag_cases[i].opt, NULL };
		int r = plan("tmpfs", "tmpfs", "/t", opts, &p, &err);

		ok(r == 0 && p.flags == flag_cases[i].set && p.cleared == flag_cases[i].clear &&
			   p.data == NULL && p.kind == VSL_MOUNT_FS,
		   "option %s: flags %#lx cleared %#lx", flag_cases[i].opt, r ? 0 : p.flags,
		   r ? 0 : p.cleared);
		if (r == 0)
			vsl_mount_plan_clear(&p);
	}
}

static void test_order_and_data(void)
{
	struct vsl_err err;
	struct vsl_mount_plan p;
	const char *o1[] = { "ro", "rw", NULL };
	const char *o2[] = { "rw", "ro", NULL };
	const char *o3[] = { "nosuid", "size=65536k", "mode=755", "nodev", "", NULL };
	const char *o4[] = { "noatime", "strictatime", NULL };
	const char *o5[] = { "private", "rshared", NULL };

	ok(plan("tmpfs", NULL, "/a", o1, &p, &err) == 0 && !(p.flags & MS_RDONLY) &&
		   (p.cleared & MS_RDONLY),
	   "rw after ro wins");
	vsl_mount_plan_clear(&p);
	ok(plan("tmpfs", NULL, "/a", o2, &p, &err) == 0 && (p.flags & MS_RDONLY) &&
		   !(p.cleared & MS_RDONLY),
	   "ro after rw wins");
	vsl_mount_plan_clear(&p);
	ok(plan("tmpfs", "shm", "/dev/shm", o3, &p, &err) == 0 &&
		   p.flags == (MS_NOSUID | MS_NODEV),
	   "flags around data options");
	is_str(p.data, "size=65536k,mode=755", "unknown options go to data in order");
	is_str(p.source, "shm", "fs source kept as given");
	is_str(p.fstype, "tmpfs", "fs type kept");
	vsl_mount_plan_clear(&p);
	ok(plan("tmpfs", NULL, "/a", o4, &p, &err) == 0 && p.flags == MS_STRICTATIME,
	   "strictatime after noatime drops noatime");
	is_str(p.source, "tmpfs", "missing source defaults to the type");
	vsl_mount_plan_clear(&p);
	ok(plan("tmpfs", NULL, "/a", o5, &p, &err) == 0 && p.propagation == (MS_SHARED | MS_REC),
	   "last propagation option wins");
	vsl_mount_plan_clear(&p);
}

static void test_binds(void)
{
	struct vsl_err err;
	struct vsl_mount_plan p;
	const char *o1[] = { "rbind", "ro", "nosuid", "rprivate", NULL };
	const char *o2[] = { "bind", "rw", "suid", "noatime", NULL };
	const char *o3[] = { "rbind", "rro", "rnoexec", "rrw", "rnoatime", NULL };
	const char *o4[] = { "bind", NULL };

	ok(plan("none", "data", "/mnt//x/./", o1, &p, &err) == 0 && p.kind == VSL_MOUNT_BIND &&
		   p.recursive,
	   "rbind is a recursive bind");
	is_str(p.source, "/bundle/data", "relative bind source joins the bundle");
	is_str(p.target, "/mnt/x", "destination cleaned");
	ok(p.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && p.attr_clr == 0,
	   "bind ro,nosuid -> attr_set only (locked flags untouched)");
	ok(p.propagation == (MS_PRIVATE | MS_REC), "rprivate propagation");
	ok(p.fstype == NULL, "no fstype for a bind");
	vsl_mount_plan_clear(&p);
	ok(plan(NULL, "/abs", "rel/dst", o2, &p, &err) == 0 && !p.recursive,
	   "bind is not recursive");
	is_str(p.source, "/abs", "absolute source kept");
	is_str(p.target, "/rel/dst", "relative destination made absolute");
	ok(p.attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR__ATIME) &&
		   p.attr_set == MOUNT_ATTR_NOATIME,
	   "bind rw,suid,noatime -> clear ro, nosuid and the atime field");
	vsl_mount_plan_clear(&p);
	ok(plan(NULL, "/abs", "/d", o3, &p, &err) == 0 &&
		   p.rec_attr_set == (MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME) &&
		   p.rec_attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME) && p.attr_set == 0,
	   "recursive options: rrw after rro wins, rnoatime sets the atime field");
	vsl_mount_plan_clear(&p);
	ok(plan("bind", "/x", "/d", o4 + 1, &p, &err) == 0 && p.kind == VSL_MOUNT_BIND,
	   "type bind without options is a bind");
	vsl_mount_plan_clear(&p);
	ok(plan(NULL, NULL, "/d", o4, &p, &err) == -EINVAL && strstr(err.msg, "mounts[3]") &&
		   strstr(err.msg, "source"),
	   "bind without source: error names mounts[3] (%s)", err.msg);
}

static void test_special(void)
{
	struct vsl_err err;
	struct vsl_mount_plan p;
	const char *ro[] = { "nosuid", "ro", NULL };
	const char *idm[] = { "rbind", "ridmap", NULL };
	const char *cu[] = { "tmpcopyup", NULL };
	struct vsl_id_mapping map = { 0, 1000, 1 };
	struct vsl_mount m = { .destination = "/d", .source = "/s", .type = "none",
			       .options = (char *[]){ "bind", NULL }, .uid_mappings = &map,
			       .n_uid_mappings = 1 };

	ok(plan("cgroup", "cgroup", "/sys/fs/cgroup", ro, &p, &err) == 0 &&
		   p.kind == VSL_MOUNT_CGROUP && (p.flags & MS_RDONLY),
	   "type cgroup is a cgroup mount");
	vsl_mount_plan_clear(&p);
	ok(plan("cgroup2", NULL, "/sys/fs/cgroup", NULL, &p, &err) == 0 &&
		   p.kind == VSL_MOUNT_CGROUP,
	   "type cgroup2 is a cgroup mount");
	vsl_mount_plan_clear(&p);
	ok(plan(NULL, "/s", "/d", idm, &p, &err) == 0 && p.ridmap && !p.idmap, "ridmap noted");
	vsl_mount_plan_clear(&p);
	ok(vsl_mount_plan_build(&m, 0, "/b", &p, &err) == 0 && p.idmap,
	   "uidMappings without idmap option still asks for an idmap");
	vsl_mount_plan_clear(&p);
	ok(plan("tmpfs", NULL, "/d", cu, &p, &err) == 0 && p.tmpcopyup, "tmpcopyup noted");
	vsl_mount_plan_clear(&p);
	ok(plan(NULL, "x", "/d", NULL, &p, &err) == -EINVAL && strstr(err.msg, "mounts[3]") &&
		   strstr(err.msg, "type"),
	   "missing type: error names mounts[3] (%s)", err.msg);
	ok(plan("tmpfs", NULL, "", NULL, &p, &err) == -EINVAL && strstr(err.msg, "destination"),
	   "empty destination is an error");
}

static void test_propagation_and_attr(void)
{
	unsigned long f = 1;
	uint64_t s, c;

	ok(vsl_mount_propagation_parse(NULL, &f) == 0 && f == 0, "no rootfsPropagation");
	ok(vsl_mount_propagation_parse("slave", &f) == 0 && f == MS_SLAVE, "slave");
	ok(vsl_mount_propagation_parse("rshared", &f) == 0 && f == (MS_SHARED | MS_REC),
	   "rshared");
	ok(vsl_mount_propagation_parse("unbindable", &f) == 0 && f == MS_UNBINDABLE,
	   "unbindable");
	ok(vsl_mount_propagation_parse("ro", &f) == -EINVAL, "ro is not a propagation");
	ok(vsl_mount_propagation_parse("bogus", &f) == -EINVAL, "bogus propagation");
	vsl_mount_flags_to_attr(MS_RDONLY | MS_NODEV, MS_NOEXEC, &s, &c);
	ok(s == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV) && c == MOUNT_ATTR_NOEXEC,
	   "flags to attr");
	vsl_mount_flags_to_attr(0, MS_NOATIME, &s, &c);
	ok(s == MOUNT_ATTR_RELATIME && c == MOUNT_ATTR__ATIME, "atime -> relatime field");
	vsl_mount_flags_to_attr(MS_STRICTATIME, 0, &s, &c);
	ok(s == MOUNT_ATTR_STRICTATIME && c == MOUNT_ATTR__ATIME, "strictatime field");
}

static void test_sysctl_pure(void)
{
	static const struct {
		const char *key, *path;
	} cases[] = {
		{ "net.ipv4.ip_forward", "net/ipv4/ip_forward" },
		{ "net/ipv4/conf/eth0.100/forwarding", "net/ipv4/conf/eth0.100/forwarding" },
		{ "kernel.shmmax", "kernel/shmmax" },
		{ "net..x", NULL },
		{ "net/../../etc", NULL },
		{ "/net/x", NULL },
		{ "net/x/", NULL },
		{ "", NULL },
		{ "..", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *p = vsl_sysctl_path(cases[i].key);

		ok(cases[i].path ? (p && strcmp(p, cases[i].path) == 0) : p == NULL,
		   "sysctl key \"%s\" -> %s", cases[i].key, p ? p : "(refused)");
	}
	ok(vsl_sysctl_value_eq("250\t32000\t32\t128\n", "250 32000 32 128"),
	   "sysctl values equal up to blanks");
	ok(!vsl_sysctl_value_eq("10\n", "1"), "10 != 1");
	ok(!vsl_sysctl_value_eq("1 2", "1"), "1 2 != 1");
}

static void test_sysctl_validate(void)
{
	struct vsl_config cfg = { 0 };
	struct vsl_kv kv[1];
	struct vsl_err err;

	cfg.linux.sysctl = kv;
	cfg.linux.n_sysctl = 1;
	kv[0] = (struct vsl_kv){ "net.ipv4.ip_forward", "1" };
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL && strstr(err.msg, "network"),
	   "net.* without a network namespace refused (%s)", err.msg);
	cfg.linux.namespaces[VSL_NS_NET].present = true;
	ok(vsl_sysctl_validate(&cfg, &err) == 0, "net.* with a network namespace");
	kv[0] = (struct vsl_kv){ "fs.mqueue.msg_max", "10" };
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL && strstr(err.msg, "ipc"),
	   "fs.mqueue.* needs ipc");
	cfg.linux.namespaces[VSL_NS_IPC].present = true;
	ok(vsl_sysctl_validate(&cfg, &err) == 0, "fs.mqueue.* with ipc");
	kv[0] = (struct vsl_kv){ "kernel/shmmax", "1" };
	ok(vsl_sysctl_validate(&cfg, &err) == 0, "kernel/shmmax with ipc (slash form)");
	kv[0] = (struct vsl_kv){ "kernel.domainname", "x" };
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL && strstr(err.msg, "uts"),
	   "kernel.domainname needs uts");
	cfg.linux.namespaces[VSL_NS_UTS].present = true;
	ok(vsl_sysctl_validate(&cfg, &err) == 0, "kernel.domainname with uts, no domainname field");
	cfg.domainname = "x";
	ok(vsl_sysctl_validate(&cfg, &err) == 0, "kernel.domainname equal to domainname");
	cfg.domainname = "dom";
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL &&
		   strcmp(err.msg, "linux.sysctl: kernel.domainname \"x\" conflicts with "
			  "domainname \"dom\"") == 0,
	   "kernel.domainname other than domainname refused (%s)", err.msg);
	kv[0] = (struct vsl_kv){ "kernel/domainname", "x" };
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL, "... also in the slash form");
	kv[0] = (struct vsl_kv){ "kernel.hostname", "h" };
	cfg.hostname = NULL;
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL &&
		   strcmp(err.msg, "linux.sysctl: kernel.hostname is not allowed: set the "
			  "hostname field instead") == 0,
	   "kernel.hostname refused, even without a hostname field (%s)", err.msg);
	cfg.hostname = "h";
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL, "kernel.hostname refused when equal too");
	cfg.hostname = NULL;
	cfg.domainname = NULL;
	kv[0] = (struct vsl_kv){ "vm.swappiness", "1" };
	ok(vsl_sysctl_validate(&cfg, &err) == -EINVAL && strstr(err.msg, "vm.swappiness"),
	   "host-wide sysctl refused (%s)", err.msg);
}

int main(void)
{
	test_table();
	test_flags();
	test_order_and_data();
	test_binds();
	test_special();
	test_propagation_and_attr();
	test_sysctl_pure();
	test_sysctl_validate();
	return tap_done();
}
