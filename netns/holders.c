/* Who holds leases on a network: the ids of its leases, for a caller that knows which
 * containers still exist (runtime/ lets `network rm` ignore containers that are gone). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vsl_net_lease_holders(const char *store, const char *name, char ***out, struct vsl_err *err)
{
	cleanup_close int lock = -1;
	struct vsl_leases l;
	char **ids = xzalloc(sizeof(char *));
	size_t n = 0;
	int r;

	*out = ids;
	if ((r = vsl_net_check_ifname(name, "network", err)) < 0)
		return r;
	if ((lock = vsl_net_lock(store, err)) < 0)
		return lock;
	if ((r = vsl_lease_list(store, name, &l, err)) < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		bool seen = false;

		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp((*out)[j], l.v[i].id) == 0;
		if (!seen) {
			vsl_strv_push(out, l.v[i].id);
			n++;
		}
	}
	vsl_leases_clear(&l);
	qsort(*out, n, sizeof(char *), cmp_str);
	return 0;
}
