/* The memory devices: null, zero, full, random, urandom (see fs/devfs.h). */
#include <string.h>
#include <fs/devfs.h>
#include <lib/errno.h>

static int64_t read_eof(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)buf, (void)len, (void)off;
    return 0;
}

static int64_t read_zeroes(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)off;
    memset(buf, 0, len);
    return (int64_t)len;
}

static int64_t write_swallow(void *ctx, const void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)buf, (void)off;
    return (int64_t)len;
}

static int64_t write_full(void *ctx, const void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)buf, (void)off;
    return len ? -ENOSPC : 0;
}

static const struct devfs_ops null_ops = {.read = read_eof, .write = write_swallow};
static const struct devfs_ops zero_ops = {.read = read_zeroes, .write = write_swallow};
static const struct devfs_ops full_ops = {.read = read_zeroes, .write = write_full};

/* ---- xoshiro256** ---- */

static struct spinlock rng_lock = SPINLOCK_INIT("devfs-rng");
static uint64_t rng[4];

static uint64_t rotl(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* rng_lock held. */
static uint64_t rng_next(void)
{
    uint64_t result = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl(rng[3], 45);
    return result;
}

/* rng_lock held: expands a 64-bit seed into the state (never all zero). */
static void rng_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng[i] ^= splitmix64(&seed);
    if (!(rng[0] | rng[1] | rng[2] | rng[3]))
        rng[0] = 1;
}

static int64_t read_random(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)off;
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        spin_lock(&rng_lock);
        uint64_t v = rng_next();
        spin_unlock(&rng_lock);
        size_t n = len - done < 8 ? len - done : 8;
        memcpy(p + done, &v, n);
        done += n;
    }
    return (int64_t)len;
}

/* Stirs written bytes into the state, eight at a time through splitmix64. */
static int64_t write_random(void *ctx, const void *buf, size_t len, uint64_t off)
{
    (void)ctx, (void)off;
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = 0;
        memcpy(&v, p + i, len - i < 8 ? len - i : 8);
        spin_lock(&rng_lock);
        rng_seed(v ^ rng_next());
        spin_unlock(&rng_lock);
    }
    return (int64_t)len;
}

static const struct devfs_ops random_ops = {.read = read_random, .write = write_random};

int devfs_register_builtins(uint64_t (*seed)(void))
{
    spin_lock(&rng_lock);
    rng_seed(seed());
    spin_unlock(&rng_lock);
    static const struct {
        const char *name;
        unsigned minor;
        const struct devfs_ops *ops;
    } devs[] = {
        {"null", 3, &null_ops},     {"zero", 5, &zero_ops},      {"full", 7, &full_ops},
        {"random", 8, &random_ops}, {"urandom", 9, &random_ops},
    };
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        int err = devfs_register(devs[i].name, VFS_S_IFCHR | 0666, VFS_MKDEV(1, devs[i].minor),
                                 devs[i].ops, NULL);
        if (err)
            return err;
    }
    return 0;
}
