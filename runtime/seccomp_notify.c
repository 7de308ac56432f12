/* SCMP_ACT_NOTIFY: the socket to the seccomp agent and the container process state sent
 * over it with the listener fd (config-linux.md, "The Container Process State"). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "runtime/seccomp.h"

bool vsl_seccomp_uses_notify(const struct vsl_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action &&
		    strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
			return true;
	return false;
}

int vsl_seccomp_listener_connect(const char *path, int *out_fd, struct vsl_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return vsl_fail(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vsl_fail(err, errno, "seccomp listener: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vsl_fail(err, errno, "linux.seccomp.listenerPath %s: connect", path);
	*out_fd = vsl_steal_fd(&fd);
	return 0;
}

static void tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}

char *vsl_seccomp_agent_json(const char *oci_version, const char *metadata, const char *state_json,
			     struct vsl_err *err)
{
	const char *pid_path[] = {"pid", NULL};
	cleanup_with(tree_freep) yajl_val state = NULL;
	char ebuf[256];
	yajl_val pid;
	yajl_gen g;

	state = yajl_tree_parse(state_json ? state_json : "", ebuf, sizeof(ebuf));
	pid = state ? yajl_tree_get(state, pid_path, yajl_t_number) : NULL;
	if (!YAJL_IS_OBJECT(state) || !pid || !YAJL_IS_INTEGER(pid)) {
		vsl_fail(err, EINVAL, "seccomp listener: no container state with a pid");
		return NULL;
	}
	g = vsl_jgen_new(false);
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "ociVersion", oci_version ? oci_version : "1.2.0");
	vsl_jgen_arr_open(g, "fds");
	vsl_jgen_str(g, NULL, "seccompFd");
	vsl_jgen_arr_close(g);
	vsl_jgen_int(g, "pid", YAJL_GET_INTEGER(pid));
	vsl_jgen_str(g, "metadata", metadata);
	vsl_jgen_value(g, "state", state);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}

int vsl_seccomp_send_listener(int sock, int listener, const char *state_json, struct vsl_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	size_t len = strlen(state_json), off;
	struct iovec iov = {.iov_base = (void *)state_json, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "seccomp listener: send the container process state");
	/* The fd went with the first bytes; the rest of the state follows as plain data. */
	for (off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, state_json + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n < 0)
			return vsl_fail(err, errno,
					"seccomp listener: send the container process state");
	}
	return 0;
}
