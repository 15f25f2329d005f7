/*
 * Linux time structures and clock ids as arm64 user space sees them (64-bit time_t
 * everywhere; arm64 has no 32-bit time syscalls). Checked against the uapi headers by
 * tests/host/abi/layout_*.c.
 */
#ifndef LIBOS_ABI_TIME_H
#define LIBOS_ABI_TIME_H
#include <stdint.h>

struct linux_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct linux_itimerspec {
    struct linux_timespec it_interval; /* period; zero for one-shot */
    struct linux_timespec it_value;    /* time to next expiry; zero disarms */
};

struct linux_itimerval {
    struct linux_timeval it_interval;
    struct linux_timeval it_value;
};

struct linux_timezone {
    int32_t tz_minuteswest;
    int32_t tz_dsttime;
};

/* times(2) result, in clock ticks (USER_HZ = 100 on arm64). */
struct linux_tms {
    int64_t tms_utime;
    int64_t tms_stime;
    int64_t tms_cutime;
    int64_t tms_cstime;
};
#define LINUX_USER_HZ 100

/* setitimer/getitimer "which". */
#define LINUX_ITIMER_REAL    0
#define LINUX_ITIMER_VIRTUAL 1
#define LINUX_ITIMER_PROF    2

/* Clock ids (clock_gettime and friends). Negative ids name CPU-time clocks of a pid/tid. */
#define LINUX_CLOCK_REALTIME           0
#define LINUX_CLOCK_MONOTONIC          1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID  3
#define LINUX_CLOCK_MONOTONIC_RAW      4
#define LINUX_CLOCK_REALTIME_COARSE    5
#define LINUX_CLOCK_MONOTONIC_COARSE   6
#define LINUX_CLOCK_BOOTTIME           7
#define LINUX_CLOCK_REALTIME_ALARM     8
#define LINUX_CLOCK_BOOTTIME_ALARM     9
#define LINUX_CLOCK_TAI                11
#define LINUX_MAX_CLOCKS               16

/* clock_nanosleep / timer_settime / timerfd_settime flag. */
#define LINUX_TIMER_ABSTIME           0x01
#define LINUX_TFD_TIMER_ABSTIME       (1 << 0)
#define LINUX_TFD_TIMER_CANCEL_ON_SET (1 << 1)

#define LINUX_NSEC_PER_SEC 1000000000L

#endif
