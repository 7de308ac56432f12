/* overlay/ against the kernel (root only): import (dir, tar.zst, OCI layout with whiteouts),
 * two containers from one template, template rm refused while in use, commit, a stack too
 * long for one page of mount data, escaped paths, and bad input leaving nothing behind.
 * Everything lives in a private temp store (disk limits: test_overlay_disk.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "tests/unit/tap.h"

static const struct vsl_log quiet = {.fd = -1};

/* Clear err before a call, so a message shown after a success is empty, not stale. */
static const char *W(struct vsl_err *err)
{
	static char buf[VSL_ERR_MSG + 64];

	return err->code ? vsl_err_str(err, buf, sizeof(buf)) : "";
}

static struct vsl_err *E(struct vsl_err *err)
{
	vsl_err_clear(err);
	return err;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	char path[4096];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return lstat(path, &st) == 0;
}

static bool file_is(const char *path, const char *want)
{
	cleanup_free char *got = NULL;
	struct vsl_err err;

	return vsl_read_file(path, &got, NULL, &err) == 0 && strcmp(got, want) == 0;
}

/* Nothing of ours mounted and no loop device on our files. */
static bool no_leftovers(const char *t)
{
	return sh("grep -q '%s' /proc/self/mountinfo", t) != 0 &&
	       sh("cat /sys/block/loop*/loop/backing_file 2>/dev/null | grep -q '%s'", t) != 0;
}

static struct vsl_ovl_req req(const char *store, const char *id, const char *tpl,
			      const char *target)
{
	return (struct vsl_ovl_req){
	    .store = store, .id = id, .template_name = tpl, .target = target, .log = &quiet};
}

static int import(const char *store, const char *name, const char *src, const char *parent,
		  struct vsl_err *err)
{
	struct vsl_ovl_import_req r = {
	    .store = store, .name = name, .source = src, .parent = parent, .log = &quiet};
	return vsl_ovl_import(&r, err);
}

static void two_containers(const char *t, const char *store)
{
	cleanup_free char *r1 = xasprintf("%s/b1/rootfs", t), *r2 = xasprintf("%s/b2/rootfs", t);
	struct vsl_ovl_req a = req(store, "c1", "base", r1), b = req(store, "c2", "base", r2);
	struct vsl_ovl_commit_req cr = {.store = store, .id = "c1", .name = "snap", .log = &quiet};
	struct vsl_ovl_template info;
	struct vsl_err err;
	int r;

	ok(vsl_ovl_mount(&a, E(&err)) == 0, "mount c1 on a missing target: %s", W(&err));
	ok(vsl_ovl_mount(&b, E(&err)) == 0, "mount c2");
	ok(file_is(xasprintf("%s/etc/motd", r1), "hello\n"), "c1 sees the template's file");
	sh("echo mine > %s/new; rm %s/etc/motd; echo changed > %s/etc/keep", r1, r1, r1);
	ok(exists("%s/new", r1) && !exists("%s/new", r2), "a file written in c1 is not in c2");
	ok(!exists("%s/templates/base/rootfs/new", store), "... nor in the template");
	ok(!exists("%s/etc/motd", r1) && exists("%s/etc/motd", r2) &&
	       exists("%s/templates/base/rootfs/etc/motd", store),
	   "deleting a template file hides it only in c1");
	ok(file_is(xasprintf("%s/templates/base/rootfs/etc/keep", store), "keep\n"),
	   "the template's copy of a changed file is untouched");
	r = vsl_ovl_template_rm(store, "base", E(&err));
	ok(r == -EBUSY && strstr(err.msg, "in use by container c1"), "rm while in use: %s",
	   W(&err));
	ok(vsl_ovl_mount(&a, E(&err)) == -EBUSY, "mounting c1 twice refused: %s", W(&err));
	ok(vsl_ovl_commit(&cr, E(&err)) == 0, "commit c1 as snap: %s", W(&err));
	ok(vsl_ovl_template_get(store, "snap", &info, E(&err)) == 0 && info.parent &&
	       strcmp(info.parent, "base") == 0,
	   "snap is a layer on base");
	vsl_ovl_template_clear(&info);
	ok(exists("%s/templates/snap/rootfs/new", store) &&
	       !exists("%s/templates/snap/rootfs/bin", store),
	   "snap holds only the changes");
	{
		struct stat st;
		cleanup_free char *wh = xasprintf("%s/templates/snap/rootfs/etc/motd", store);
		ok(lstat(wh, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
		   "the deletion is a whiteout in snap");
	}
	ok(vsl_ovl_unmount(&a, E(&err)) == 0 && vsl_ovl_unmount(&b, E(&err)) == 0, "unmount both");
	ok(vsl_ovl_unmount(&a, E(&err)) == 0, "unmount again is fine (idempotent)");
	ok(!exists("%s", r1) && !exists("%s/containers/c1", store),
	   "target made by mount and private layer are gone");
}

static void from_snapshot(const char *t, const char *store)
{
	cleanup_free char *r3 = xasprintf("%s/r3", t);
	struct vsl_ovl_req c = req(store, "c3", "snap", r3);
	struct vsl_err err;

	ok(vsl_ovl_mount(&c, E(&err)) == 0, "mount c3 from snap: %s", W(&err));
	ok(file_is(xasprintf("%s/new", r3), "mine\n") && !exists("%s/etc/motd", r3) &&
	       file_is(xasprintf("%s/etc/keep", r3), "changed\n") && exists("%s/bin/busybox", r3),
	   "c3 sees base + snap: new file, deletion, change, base files");
	ok(vsl_ovl_template_rm(store, "base", E(&err)) == -EBUSY, "rm base refused: %s", W(&err));
	ok(vsl_ovl_unmount(&c, E(&err)) == 0, "unmount c3");
	ok(vsl_ovl_template_rm(store, "base", E(&err)) == -EBUSY &&
	       strstr(err.msg, "template snap is built on it"),
	   "base still needed by snap: %s", W(&err));
	ok(vsl_ovl_template_rm(store, "snap", E(&err)) == 0, "rm snap once unused");
}

/* Two-layer OCI layout: the second layer deletes a/x and makes d opaque. */
static void oci(const char *t, const char *store)
{
	cleanup_free char *lay = xasprintf("%s/oci", t), *r = xasprintf("%s/r-oci", t);
	struct vsl_ovl_req c = req(store, "c-oci", "oci-img", r);
	struct vsl_err err;
	struct stat st;
	int rc;

	rc = sh(
	    "set -e; cd %s; mkdir -p l1/a l1/d l2/a l2/d oci/blobs/sha256;"
	    "echo x > l1/a/x; echo y > l1/a/y; echo z > l1/d/z; echo n > l2/d/new;"
	    ": > l2/a/.wh.x; : > l2/d/.wh..wh..opq;"
	    "tar -C l1 -czf L1 .; tar -C l2 --zstd -cf L2 .;"
	    "h1=$(sha256sum L1 | cut -c1-64); h2=$(sha256sum L2 | cut -c1-64);"
	    "mv L1 oci/blobs/sha256/$h1; mv L2 oci/blobs/sha256/$h2;"
	    "printf '{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:%%s\"},"
	    "{\"digest\":\"sha256:%%s\"}]}' $h1 $h2 > M; hm=$(sha256sum M | cut -c1-64);"
	    "mv M oci/blobs/sha256/$hm; echo '{\"imageLayoutVersion\":\"1.0.0\"}' > oci/oci-layout;"
	    "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	    "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%%s\"}]}' $hm"
	    " > oci/index.json",
	    t);
	ok(rc == 0, "built an OCI layout with gzip and zstd layers");
	ok(import(store, "oci-img", lay, NULL, E(&err)) == 0, "import OCI layout: %s", W(&err));
	ok(exists("%s/templates/oci-img/rootfs/a/y", store) &&
	       !exists("%s/templates/oci-img/rootfs/a/x", store) &&
	       !exists("%s/templates/oci-img/rootfs/a/.wh.x", store),
	   "whiteout removed a/x and left no .wh. file");
	ok(exists("%s/templates/oci-img/rootfs/d/new", store) &&
	       !exists("%s/templates/oci-img/rootfs/d/z", store),
	   "opaque d keeps only the new layer");
	/* Layer 2 alone as a child template: whiteouts become overlay whiteouts. */
	sh("cd %s && tar -C l2 -cf l2.tar .", t);
	ok(import(store, "oci-child", xasprintf("%s/l2.tar", t), "oci-img", E(&err)) == 0,
	   "import a layer tar on a parent: %s", W(&err));
	ok(lstat(xasprintf("%s/templates/oci-child/rootfs/a/x", store), &st) == 0 &&
	       S_ISCHR(st.st_mode) && st.st_rdev == 0,
	   "OCI whiteout -> overlay whiteout");
	ok(getxattr(xasprintf("%s/templates/oci-child/rootfs/d", store), "trusted.overlay.opaque",
		    NULL, 0) == 1,
	   "OCI opaque marker -> trusted.overlay.opaque");
	c.template_name = "oci-img";
	ok(vsl_ovl_mount(&c, E(&err)) == 0 && exists("%s/a/y", r) && !exists("%s/a/x", r),
	   "mount a container of the OCI template");
	vsl_ovl_unmount(&c, E(&err));
}

/* Every blob is checked against the digest naming it: a changed byte, an unknown
 * algorithm, a malformed or missing digest each fail the import and leave no template. */
static void oci_digests(const char *t, const char *store)
{
	struct vsl_err err;
	const char *idx = "printf '{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\"}]}' \"$d\""
			  " > index.json";

	/* A copy of the layout whose index names the manifest by sha512: accepted. */
	ok(sh("set -e; cd %s; rm -rf o2; cp -a oci o2; cd o2;"
	      "m=$(grep -o 'sha256:[0-9a-f]*' index.json | cut -d: -f2);"
	      "h=$(sha512sum blobs/sha256/$m | cut -c1-128); mkdir blobs/sha512;"
	      "cp blobs/sha256/$m blobs/sha512/$h; d=sha512:$h; %s",
	      t, idx) == 0,
	   "an OCI layout whose manifest is named by sha512");
	ok(import(store, "oci-512", xasprintf("%s/o2", t), NULL, E(&err)) == 0,
	   "sha512 digest verified: %s", W(&err));
	/* One byte appended to a layer. */
	sh("cd %s; rm -rf o3; cp -a oci o3; cd o3/blobs/sha256;"
	   "m=$(grep -o 'sha256:[0-9a-f]*' ../../index.json | cut -d: -f2);"
	   "l=$(ls | grep -v $m | head -1); echo >> $l",
	   t);
	ok(import(store, "oci-bad", xasprintf("%s/o3", t), NULL, E(&err)) == -EILSEQ &&
	       strstr(err.msg, "content does not match its digest") && strstr(err.msg, "sha256:"),
	   "a changed layer is refused: %s", W(&err));
	ok(sh("cd %s/o2; d=md5:d41d8cd98f00b204e9800998ecf8427e; %s", t, idx) == 0 &&
	       import(store, "oci-bad", xasprintf("%s/o2", t), NULL, E(&err)) == -ENOTSUP &&
	       strstr(err.msg, "unsupported algorithm md5"),
	   "md5 is refused: %s", W(&err));
	ok(sh("cd %s/o2; d=sha256:ABCDEF; %s", t, idx) == 0 &&
	       import(store, "oci-bad", xasprintf("%s/o2", t), NULL, E(&err)) == -EINVAL &&
	       strstr(err.msg, "bad digest sha256:ABCDEF"),
	   "a malformed digest is refused: %s", W(&err));
	ok(sh("cd %s/o2; d=sha256:$(printf %%064d 0); %s", t, idx) == 0 &&
	       import(store, "oci-bad", xasprintf("%s/o2", t), NULL, E(&err)) == -ENOENT &&
	       strstr(err.msg, "blob sha256:0000"),
	   "a missing blob is named: %s", W(&err));
	ok(!exists("%s/templates/oci-bad", store) &&
	       sh("! ls -A '%s/templates' | grep -q '^\\.'", store) == 0,
	   "failed verifications leave no template and no staging directory");
	ok(vsl_ovl_template_rm(store, "oci-512", E(&err)) == 0, "rm oci-512");
}

static void bad_input(const char *t, const char *store)
{
	cleanup_free char *r = xasprintf("%s/bad/deep/rootfs", t);
	struct vsl_ovl_req c = req(store, "cbad", "nosuch", r);
	struct vsl_err err;

	ok(vsl_ovl_mount(&c, E(&err)) == -ENOENT && strstr(err.msg, "template nosuch: not found"),
	   "unknown template: %s", W(&err));
	ok(!exists("%s/bad", t) && !exists("%s/containers/cbad", store),
	   "... leaves no target and no layer");
	c = req(store, "a/b", "base", r);
	ok(vsl_ovl_mount(&c, E(&err)) == -EINVAL, "id with '/': %s", W(&err));
	c = req(store, "cbad", "..", r);
	ok(vsl_ovl_mount(&c, E(&err)) == -EINVAL, "template '..': %s", W(&err));
	ok(import(store, "../evil", t, NULL, E(&err)) == -EINVAL, "import name '../evil': %s",
	   W(&err));
	sh("head -c 5000 /dev/urandom > %s/junk.tar; tar -C %s -czf %s/t.tgz src;"
	   "head -c 400 %s/t.tgz > %s/cut.tgz",
	   t, t, t, t, t);
	ok(import(store, "junk", xasprintf("%s/junk.tar", t), NULL, E(&err)) == -EINVAL,
	   "random bytes: %s", W(&err));
	ok(import(store, "cut", xasprintf("%s/cut.tgz", t), NULL, E(&err)) < 0,
	   "truncated archive: %s", W(&err));
	ok(sh("test -d '%s/templates' && ! ls -A '%s/templates' | grep -q '^\\.'", store, store) ==
		   0 &&
	       !exists("%s/templates/cut", store),
	   "failed imports leave no staging directory");
	c = req(store, "cdisk", "base", r);
	c.disk_limit = 1 << 20;
	ok(vsl_ovl_mount(&c, E(&err)) == -EINVAL, "1M disk limit refused: %s", W(&err));
	ok(!exists("%s/bad", t) && !exists("%s/containers/cdisk", store), "... nothing left");
}

/* A chain too long for one page of mount(2) data: mounted through the new mount API. */
static void long_chain(const char *t, const char *store)
{
	char prev[160] = "", name[160];
	cleanup_free char *r = xasprintf("%s/rl", t), *d = xasprintf("%s/layer", t);
	struct vsl_ovl_req c;
	struct vsl_err err;
	int i, bad = 0;

	for (i = 0; i < 30 && !bad; i++) {
		snprintf(name, sizeof(name), "%03d-%0120d", i, 0);
		sh("rm -rf %s && mkdir -p %s && echo %d > %s/layer-%d", d, d, i, d, i);
		bad = import(store, name, d, i ? prev : NULL, E(&err)) < 0;
		snprintf(prev, sizeof(prev), "%s", name);
	}
	ok(!bad, "30 stacked templates with 124-byte names: %s", W(&err));
	c = req(store, "clong", name, r);
	ok(vsl_ovl_mount(&c, E(&err)) == 0, "mount a 30-layer chain (>4K of paths): %s", W(&err));
	ok(file_is(xasprintf("%s/layer-0", r), "0\n") &&
	       file_is(xasprintf("%s/layer-29", r), "29\n"),
	   "bottom and top layers visible");
	ok(vsl_ovl_unmount(&c, E(&err)) == 0, "unmount it");
}

int main(void)
{
	char tmpl[] = "/tmp/vsltest-overlay-XXXXXX";
	cleanup_free char *store = NULL, *src = NULL;
	const char *t;
	struct vsl_err err;

	if (geteuid() != 0) {
		skip("needs root", "mounts, loop devices");
		return tap_done();
	}
	t = mkdtemp(tmpl);
	/* A store path with every character overlay's option parser treats specially. */
	store = xasprintf("%s/st,o:r\\e", t);
	src = xasprintf("%s/src", t);
	sh("mkdir -p %s/bin %s/etc && cp /bin/busybox %s/bin/ && ln -s busybox %s/bin/sh &&"
	   "echo hello > %s/etc/motd && echo keep > %s/etc/keep",
	   src, src, src, src, src, src);
	ok(import(store, "base", src, NULL, E(&err)) == 0, "import a directory: %s", W(&err));
	two_containers(t, store);
	from_snapshot(t, store);
	oci(t, store);
	oci_digests(t, store);
	bad_input(t, store);
	long_chain(t, store);
	ok(no_leftovers(t), "no mount and no loop device left under %s", t);
	sh("rm -rf %s", t);
	return tap_done();
}
