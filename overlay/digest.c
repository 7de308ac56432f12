/* OCI content digests ("sha256:<64 hex>", "sha512:<128 hex>", image-spec descriptor.md):
 * every blob an import reads is checked against the digest that names it, as podman and
 * containerd do, so a corrupt or tampered layout is refused before anything is unpacked.
 * The hashing is Nettle's (linked statically); this file only reads and compares. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "overlay/internal.h"

struct algo {
	const char *name;
	size_t size; /* digest bytes */
};

static const struct algo algos[] = {
    {"sha256", SHA256_DIGEST_SIZE},
    {"sha512", SHA512_DIGEST_SIZE},
};

static const struct algo *algo_of(const char *digest, size_t name_len)
{
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i].name) == name_len && !strncmp(digest, algos[i].name, name_len))
			return &algos[i];
	return NULL;
}

int ovl_digest_check(const char *digest, struct vsl_err *err)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;
	const struct algo *a;
	size_t hex;

	if (!colon)
		return vsl_fail(err, EINVAL, "bad digest \"%s\": want ALGORITHM:HEX",
				digest ? digest : "");
	a = algo_of(digest, (size_t)(colon - digest));
	if (!a)
		return vsl_refuse(err, ENOTSUP, "digest %s: unsupported algorithm %.*s (sha256, sha512)",
				digest, (int)(colon - digest), digest);
	hex = strspn(colon + 1, "0123456789abcdef");
	if (hex != 2 * a->size || colon[1 + hex])
		return vsl_fail(err, EINVAL, "bad digest %s: want %zu lowercase hex digits", digest,
				2 * a->size);
	return 0;
}

int ovl_digest_verify(const char *path, const char *digest, struct vsl_err *err)
{
	cleanup_close int fd = -1;
	union {
		struct sha256_ctx s256;
		struct sha512_ctx s512;
	} ctx;
	uint8_t sum[SHA512_DIGEST_SIZE], buf[65536];
	char hex[2 * SHA512_DIGEST_SIZE + 1];
	int r = ovl_digest_check(digest, err);
	bool is256 = r == 0 && !strncmp(digest, "sha256:", 7);
	size_t size = is256 ? SHA256_DIGEST_SIZE : SHA512_DIGEST_SIZE;
	ssize_t n;

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "blob %s", digest);
	if (is256)
		sha256_init(&ctx.s256);
	else
		sha512_init(&ctx.s512);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vsl_fail(err, errno, "read blob %s", digest);
		if (is256)
			sha256_update(&ctx.s256, (size_t)n, buf);
		else
			sha512_update(&ctx.s512, (size_t)n, buf);
	}
	if (is256)
		sha256_digest(&ctx.s256, size, sum);
	else
		sha512_digest(&ctx.s512, size, sum);
	for (size_t i = 0; i < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	if (strcmp(hex, strchr(digest, ':') + 1) != 0)
		return vsl_refuse(err, EILSEQ,
				  "blob %s: content does not match its digest (it hashes to %.*s:%s)", digest, (int)(strchr(digest, ':') - digest), digest, hex);
	return 0;
}
