/* OCI content digests ("sha256:<64 hex>", "sha512:<128 hex>", image-spec descriptor.md):
 * every blob an import reads is checked against the digest that names it, as podman and
 * containerd do, so a corrupt or tampered layout is refused before anything is unpacked.
 * The hashing is Nettle's (linked statically); this file only reads and compares. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "overlay/internal.h"

/* The algorithms the OCI image spec registers, by their digest prefix. */
static const struct nettle_hash *algo_of(const char *digest, size_t name_len)
{
	static const struct nettle_hash *const algos[] = { &nettle_sha256, &nettle_sha512 };

	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i]->name) == name_len && !strncmp(digest, algos[i]->name, name_len))
			return algos[i];
	return NULL;
}

/* The algorithm of a well-formed digest, or NULL with err filled. */
static const struct nettle_hash *check(const char *digest, struct vsl_err *err)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;
	const struct nettle_hash *a;
	size_t hex;

	if (!colon) {
		vsl_fail(err, EINVAL, "bad digest \"%s\": want ALGORITHM:HEX", digest ? digest : "");
		return NULL;
	}
	a = algo_of(digest, (size_t)(colon - digest));
	if (!a) {
		vsl_refuse(err, ENOTSUP, "digest %s: unsupported algorithm %.*s (sha256, sha512)",
			   digest, (int)(colon - digest), digest);
		return NULL;
	}
	hex = strspn(colon + 1, "0123456789abcdef");
	if (hex != 2 * a->digest_size || colon[1 + hex]) {
		vsl_fail(err, EINVAL, "bad digest %s: want %u lowercase hex digits", digest,
			 2 * a->digest_size);
		return NULL;
	}
	return a;
}

int ovl_digest_check(const char *digest, struct vsl_err *err)
{
	return check(digest, err) ? 0 : -err->code;
}

int ovl_digest_verify(const char *path, const char *digest, struct vsl_err *err)
{
	const struct nettle_hash *a = check(digest, err);
	union {
		struct sha256_ctx s256;
		struct sha512_ctx s512;
	} ctx; /* room for either algorithm's context */
	uint8_t sum[SHA512_DIGEST_SIZE], buf[65536];
	char hex[2 * SHA512_DIGEST_SIZE + 1];
	cleanup_close int fd = -1;
	ssize_t n;

	if (!a)
		return -err->code;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "blob %s", digest);
	a->init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vsl_fail(err, errno, "read blob %s", digest);
		a->update(&ctx, (size_t)n, buf);
	}
	a->digest(&ctx, a->digest_size, sum);
	for (unsigned i = 0; i < a->digest_size; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	if (strcmp(hex, strchr(digest, ':') + 1) != 0)
		return vsl_refuse(err, EILSEQ,
				  "blob %s: content does not match its digest (it hashes to %s:%s)",
				  digest, a->name, hex);
	return 0;
}
