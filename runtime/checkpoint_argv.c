/* CRIU's command lines from vessel's options, and CRIU's reason from its log. Pure: no
 * syscalls, unit-tested (tests/unit/test_checkpoint_argv.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint.h"
#include "runtime/paths.h"

static const char *const cg_modes[] = { "soft", "full", "strict", "ignore" };

const char *vsl_criu_log_name(enum vsl_criu_action a)
{
	return a == VSL_CRIU_RESTORE ? "restore.log" : a == VSL_CRIU_PRE_DUMP ? "pre-dump.log"
										: "dump.log";
}

static int check_cg_mode(const char *m, struct vsl_err *err)
{
	for (size_t i = 0; i < sizeof(cg_modes) / sizeof(cg_modes[0]); i++)
		if (strcmp(m, cg_modes[i]) == 0)
			return 0;
	return vsl_refuse(err, EINVAL, "--manage-cgroups-mode: expected soft, full, strict or "
			  "ignore, got \"%s\"", m);
}

/* ADDRESS:PORT (the port after the last colon, so an IPv6 address may have colons). */
static int page_server(char ***v, const char *s, struct vsl_err *err)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || colon == s || vsl_parse_u64(colon + 1, &port) < 0 || port == 0 ||
	    port > 65535)
		return vsl_refuse(err, EINVAL, "--page-server: expected ADDRESS:PORT, got \"%s\"", s);
	cleanup_free char *addr = xstrdup(s);
	addr[colon - s] = '\0';
	vsl_strv_push(v, "--page-server");
	vsl_strv_push(v, "--address");
	vsl_strv_push(v, addr);
	vsl_strv_push(v, "--port");
	vsl_strv_push(v, colon + 1);
	return 0;
}

static void push_pair(char ***v, const char *opt, const char *val)
{
	vsl_strv_push(v, opt);
	vsl_strv_push(v, val);
}

static void push_list(char ***v, const char *opt, char *const *vals)
{
	for (size_t i = 0; vals && vals[i]; i++)
		push_pair(v, opt, vals[i]);
}

/* The flags dump and restore share. */
static void common_flags(char ***v, const struct vsl_cr_opts *o)
{
	if (o->tcp_established)
		vsl_strv_push(v, "--tcp-established");
	if (o->ext_unix_sk)
		vsl_strv_push(v, "--ext-unix-sk");
	if (o->shell_job)
		vsl_strv_push(v, "--shell-job");
	if (o->file_locks)
		vsl_strv_push(v, "--file-locks");
	if (o->auto_dedup)
		vsl_strv_push(v, "--auto-dedup");
	if (o->lazy_pages)
		vsl_strv_push(v, "--lazy-pages");
	if (o->empty_ns_net)
		push_pair(v, "--empty-ns", "net");
}

static int dump_flags(char ***v, const struct vsl_criu_req *req, struct vsl_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)req->pid);
	push_pair(v, "--tree", buf);
	if (req->leave_running && req->action == VSL_CRIU_DUMP)
		vsl_strv_push(v, "--leave-running");
	/* Memory changes are tracked from a pre-dump on, so the next dump copies only them. */
	if (req->action == VSL_CRIU_PRE_DUMP || req->parent_path)
		vsl_strv_push(v, "--track-mem");
	if (req->parent_path)
		push_pair(v, "--prev-images-dir", req->parent_path);
	if (req->status_fd >= 0) {
		snprintf(buf, sizeof(buf), "%d", req->status_fd);
		push_pair(v, "--status-fd", buf);
	}
	return req->page_server ? page_server(v, req->page_server, err) : 0;
}

static void restore_flags(char ***v, const struct vsl_criu_req *req)
{
	/* The restored process is vessel's child (not CRIU's), as runc has it, and CRIU
	 * returns once it runs. */
	vsl_strv_push(v, "--restore-detached");
	vsl_strv_push(v, "--restore-sibling");
	/* /dev nodes are made anew by the container's own /dev tmpfs restore. */
	vsl_strv_push(v, "--evasive-devices");
	if (req->pidfile)
		push_pair(v, "--pidfile", req->pidfile);
	if (req->cgroup_root)
		push_pair(v, "--cgroup-root", req->cgroup_root);
}

char **vsl_criu_argv(const char *criu, const struct vsl_criu_req *req, struct vsl_err *err)
{
	static const char *const verbs[] = { "dump", "pre-dump", "restore" };
	const char *mode = req->cr->manage_cgroups_mode ? req->cr->manage_cgroups_mode : "soft";
	cleanup_strv char **v = NULL;
	cleanup_free char *cg = NULL;
	int r;

	r = check_cg_mode(mode, err);
	if (r < 0)
		return NULL;
	vsl_strv_push(&v, criu ? criu : "criu");
	vsl_strv_push(&v, verbs[req->action]);
	push_pair(&v, "--images-dir", req->images_dir);
	push_pair(&v, "--work-dir", req->work_dir);
	push_pair(&v, "--log-file", vsl_criu_log_name(req->action));
	vsl_strv_push(&v, "-v4");
	push_pair(&v, "--root", req->root);
	cg = xasprintf("--manage-cgroups=%s", mode);
	vsl_strv_push(&v, cg);
	if (req->action == VSL_CRIU_RESTORE)
		restore_flags(&v, req);
	else if (dump_flags(&v, req, err) < 0)
		return NULL;
	common_flags(&v, req->cr);
	push_list(&v, "--external", req->externals);
	push_list(&v, "--inherit-fd", req->inherit_fds);
	return vsl_steal_ptr(&v);
}

/* One log line's message if it is an error: what follows "Error (file:line): ". */
static const char *error_text(const char *line, size_t n, size_t *out_n)
{
	const char *e = memmem(line, n, "Error (", 7);
	const char *end = line + n;
	const char *p;

	if (!e)
		return NULL;
	p = memchr(e, ')', (size_t)(end - e));
	if (!p || p + 1 >= end)
		return NULL;
	p++;
	if (*p == ':')
		p++;
	while (p < end && *p == ' ')
		p++;
	*out_n = (size_t)(end - p);
	return *out_n ? p : NULL;
}

/* Append "; " and n bytes of s to buf unless buf already holds them; control bytes
 * become '?', so the reason stays one line. Returns false once buf is full. */
static bool append(char *buf, size_t len, const char *s, size_t n)
{
	size_t used = strlen(buf);
	char piece[256];

	if (n >= sizeof(piece))
		n = sizeof(piece) - 1;
	for (size_t i = 0; i < n; i++)
		piece[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	piece[n] = '\0';
	if (strstr(buf, piece))
		return true;
	if (used + (used ? 2 : 0) + n + 1 > len)
		return false;
	snprintf(buf + used, len - used, "%s%s", used ? "; " : "", piece);
	return true;
}

/* Errors CRIU logs and then carries on without: not the reason a dump failed. */
static bool benign(const char *t, size_t n)
{
	static const char *const known[] = {
		"tun: Unable to create tun",	/* kernel feature probe, no tun module */
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (n >= strlen(known[i]) && memcmp(t, known[i], strlen(known[i])) == 0)
			return true;
	return false;
}

/* The last few error lines are the reason: the first ones may be from probes CRIU
 * survived. The generic "Dumping FAILED." and the like are left out. */
void vsl_criu_log_reason(const char *log, char *buf, size_t len)
{
	const char *lines[3];
	size_t lens[3];
	int found = 0;

	buf[0] = '\0';
	for (const char *p = log; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), tn;
		const char *t = error_text(p, n, &tn);

		if (t && !benign(t, tn) && !(tn > 7 && memcmp(t + tn - 7, "FAILED.", 7) == 0)) {
			if (found == 3) {
				memmove(lines, lines + 1, 2 * sizeof(lines[0]));
				memmove(lens, lens + 1, 2 * sizeof(lens[0]));
				found = 2;
			}
			lines[found] = t;
			lens[found++] = tn;
		}
		p = nl ? nl + 1 : NULL;
	}
	for (int i = 0; i < found; i++)
		if (!append(buf, len, lines[i], lens[i]))
			break;
}

bool vsl_criu_is_bind(const struct vsl_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (char **o = m->options; o && *o; o++)
		if (strcmp(*o, "bind") == 0 || strcmp(*o, "rbind") == 0)
			return true;
	return false;
}

char **vsl_criu_mount_externals(const struct vsl_config *cfg, const char *bundle)
{
	char **v = NULL;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct vsl_mount *m = &cfg->mounts[i];
		cleanup_free char *dest = NULL, *src = NULL, *ext = NULL;

		if (!vsl_criu_is_bind(m) || !m->source)
			continue;
		dest = vsl_path_clean(m->destination);
		if (!bundle)
			src = xstrdup(dest);
		else
			src = m->source[0] == '/' ? xstrdup(m->source)
						  : xasprintf("%s/%s", bundle, m->source);
		ext = xasprintf("mnt[%s]:%s", dest, src);
		vsl_strv_push(&v, ext);
	}
	return v;
}

bool vsl_criu_under_tmpfs(const struct vsl_config *cfg, size_t n_before, const char *path)
{
	cleanup_free char *p = vsl_path_clean(path);

	for (size_t i = 0; i < n_before && i < cfg->n_mounts; i++) {
		const struct vsl_mount *m = &cfg->mounts[i];
		cleanup_free char *dest = NULL;
		size_t n;

		if (!m->type || strcmp(m->type, "tmpfs") != 0)
			continue;
		dest = vsl_path_clean(m->destination);
		n = strlen(dest);
		if (strncmp(p, dest, n) == 0 && (p[n] == '\0' || p[n] == '/' || n == 1))
			return true;
	}
	return false;
}
